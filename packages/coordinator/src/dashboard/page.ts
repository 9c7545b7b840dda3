import { REPORT_CSS, type HtmlAssets } from '../report/html.js';

/**
 * The coordinator's dashboard, server-rendered: a form to start one of the
 * scenarios it offers, to change a running run's users (Locust's edit) and
 * to stop it; live charts and the report's tables as they stand
 * (thresholds, requests, checks, workers with their health, failures,
 * cluster events), fed by server-sent events from /api/events; the reports
 * to download once the run is over. Pure: assets in, HTML out.
 *
 * The page itself holds nothing secret and is served to anyone: it opens
 * with `/?token=…`, trades the token for a session id (POST /api/session),
 * keeps that in the tab's sessionStorage, drops the token from the address
 * bar, and sends the session in the x-volley-session header with every
 * call — never a cookie, which every port of the host would receive
 * (request-guard.ts). The form is filled from /api/dashboard.
 */
export function renderDashboard(assets: HtmlAssets): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Volley</title>
<style>${assets.uplotCss}${REPORT_CSS}
[hidden]{display:none!important}h1{font-size:20px;margin:0 0 12px}form{display:flex;flex-wrap:wrap;gap:10px;align-items:end;background:#f5f7fa;padding:12px;border-radius:6px}
label{display:flex;flex-direction:column;font-size:12px;color:#445}input,select{font:inherit;padding:4px 6px}
button{font:inherit;padding:6px 14px;cursor:pointer}#state{margin:12px 0;font-weight:600}#error{color:#b3261e}#downloads a{margin-right:12px}
</style></head>
<body>
<h1>Volley</h1>
<form id="start-form" hidden>
  <label>Scenario<select id="scenario"></select></label>
  <label>Users<input id="users" type="number" min="0"></label>
  <label>Spawn rate /s<input id="spawn-rate" type="number" min="0.1" step="any"></label>
  <label>Duration s<input id="run-time" type="number" min="1" placeholder="until stopped"></label>
  <label>Host<input id="host" size="32"></label>
  <label title="k6's options in the script (stages, scenarios) set the load; the fields above are used only when it has none"><span><input id="own-plan" type="checkbox"> the scenario's own plan</span></label>
  <button id="start" type="submit">Start</button>
  <button id="scale" type="button" title="the running run's users from now on, at this spawn rate (Locust's edit)">Change users</button>
  <button id="stop" type="button">Stop</button>
</form>
<div id="error"></div>
<div id="state">connecting…</div>
<p id="downloads"></p>
<div id="notes"></div>
<div id="chart-live"></div><div id="chart-users"></div>
<div id="sections"></div>
<script>${assets.uplotJs}</script>
<script>
const $ = (id) => document.getElementById(id);
// the token from the address (decoded as it was encoded: a '+' stays a '+')
const raw = /[?&]token=([^&#]*)/.exec(location.search);
let session = sessionStorage.getItem('volley-session');
const headers = (extra) => Object.assign(session ? { 'x-volley-session': session } : {}, extra);
const call = async (method, path, body) => {
  const res = await fetch(path, { method, headers: headers(method === 'POST' ? { 'content-type': 'application/json' } : {}), body: method === 'POST' ? JSON.stringify(body || {}) : undefined });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error || res.statusText), { status: res.status });
  return json;
};
const post = (path, body) => call('POST', path, body);
async function login() {
  if (!raw) return;
  history.replaceState(null, '', '/');
  const res = await fetch('/api/session', { method: 'POST', headers: { authorization: 'Bearer ' + decodeURIComponent(raw[1]), 'content-type': 'application/json' }, body: '{}' });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || res.statusText);
  session = json.session;
  if (session) sessionStorage.setItem('volley-session', session);
  else sessionStorage.removeItem('volley-session');
}
async function fill() {
  const { scenarios, defaults: d } = await call('GET', '/api/dashboard');
  for (const f of scenarios) $('scenario').append(new Option(f, f));
  $('users').value = d.users; $('spawn-rate').value = d.spawnRate; $('run-time').value = d.runTimeS ?? ''; $('host').value = d.host;
  $('own-plan').checked = !!d.ownPlan;
  ownPlan();
  $('start-form').hidden = false;
}
$('start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('error').textContent = '';
  try {
    await post('/api/runs/from-dashboard', { file: $('scenario').value, users: Number($('users').value), spawnRate: Number($('spawn-rate').value),
      runTimeMs: $('run-time').value === '' ? undefined : Math.round(Number($('run-time').value) * 1000), host: $('host').value, ownPlan: $('own-plan').checked });
  } catch (err) { $('error').textContent = String(err.message || err); }
});
const ownPlan = () => { for (const id of ['users', 'spawn-rate', 'run-time']) $(id).disabled = $('own-plan').checked; };
$('own-plan').addEventListener('change', ownPlan);
const fail = (err) => ($('error').textContent = String(err.message || err));
$('scale').addEventListener('click', () => {
  $('error').textContent = '';
  post('/api/runs/current/scale', { users: Number($('users').value), spawnRate: Number($('spawn-rate').value) }).catch(fail);
});
$('stop').addEventListener('click', () => post('/api/runs/current/stop').catch(fail));
let charts;
let shownRun;
function draw(summary) {
  const t = summary.timeline.map((p) => Date.parse(summary.run.startedAt) / 1000 + p.index + 1);
  const live = [t, summary.timeline.map((p) => p.requests), summary.timeline.map((p) => (p.requests ? p.percentilesMs['95'] : null))];
  const users = [t, summary.timeline.map((p) => p.vus)];
  if (!charts || shownRun !== summary.run.id) {
    $('chart-live').textContent = ''; $('chart-users').textContent = '';
    const w = Math.min(1160, document.body.clientWidth - 10);
    charts = [
      new uPlot({ title: 'Requests/s and p95 (ms)', width: w, height: 220, series: [{}, { label: 'req/s', stroke: '#2a6fdb', width: 2 }, { label: 'p95 ms', stroke: '#d93025', width: 2, scale: 'ms' }], axes: [{}, {}, { side: 1, scale: 'ms' }] }, live, $('chart-live')),
      new uPlot({ title: 'Users', width: w, height: 160, series: [{}, { label: 'VUs', stroke: '#7b1fa2', width: 2 }] }, users, $('chart-users')),
    ];
    shownRun = summary.run.id;
  } else {
    charts[0].setData(live); charts[1].setData(users);
  }
}
// the tables come rendered by the server, as the HTML report renders them (report/html.ts)
function show(x) {
  $('notes').innerHTML = x.notes;
  $('sections').innerHTML = '<h2>Thresholds</h2>' + x.thresholds + '<h2>Requests</h2>' + x.requests + '<p class="meta">Times in milliseconds.</p>' +
    (x.checks ? '<h2>Checks</h2>' + x.checks : '') + '<h2>Workers</h2>' + x.workers + '<h2>Failures</h2>' + x.failures +
    (x.events ? '<h2>Cluster events</h2>' + x.events : '') + (x.output ? '<h2>Scenario output</h2>' + x.output : '');
}
function update({ status, summary, sections }) {
  const run = status.run;
  $('state').textContent = run ? run.id + ': ' + run.state + ' · ' + (run.elapsedMs / 1000).toFixed(0) + ' s · ' + run.vus + ' users · ' + run.rps + ' req/s · ' + run.requests + ' requests · ' + run.failures + ' failed · ' + status.workers.filter((w) => w.connected).length + ' workers' + (run.error ? ' · ' + run.error : '') : 'no run yet · ' + status.workers.filter((w) => w.connected).length + ' workers';
  $('state').dataset.state = run ? run.state : 'idle';
  if (summary) draw(summary);
  if (sections) show(sections);
  const files = run && run.state === 'finished' ? ['report.html', 'summary.json', 'stats.csv'] : [];
  if ($('downloads').dataset.run !== (run && run.id) + files.length) {
    $('downloads').dataset.run = (run && run.id) + files.length;
    $('downloads').replaceChildren(...files.map((f) => Object.assign(document.createElement('a'), { href: '/api/runs/' + run.id + '/' + f, textContent: f, download: run.id + '-' + f })));
  }
}
// downloads need the session header, which a plain link cannot send
$('downloads').addEventListener('click', async (e) => {
  const a = e.target.closest('a');
  if (!a) return;
  e.preventDefault();
  try {
    const res = await fetch(a.getAttribute('href'), { headers: headers() });
    if (!res.ok) throw new Error(res.statusText);
    const url = URL.createObjectURL(await res.blob());
    Object.assign(document.createElement('a'), { href: url, download: a.download }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) { fail(err); }
});
// server-sent events read through fetch, since EventSource cannot send a header
async function follow() {
  for (;;) {
    try {
      const res = await fetch('/api/events', { headers: headers() });
      if (!res.ok) throw new Error(res.statusText);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf('\\n\\n')) >= 0) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (event.startsWith('data: ')) update(JSON.parse(event.slice(6)));
        }
      }
    } catch (err) { /* the coordinator went away: try again */ }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
login().then(fill).then(follow, (err) => {
  $('state').textContent = err.status === 401 || /token/.test(err.message) ? 'This coordinator needs its token: open the address it printed, /?token=…' : String(err.message || err);
  $('state').dataset.state = 'unauthorized';
});
</script>
</body></html>
`;
}
