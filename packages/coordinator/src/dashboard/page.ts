import { esc, REPORT_CSS, type HtmlAssets } from '../report/html.js';
import type { FormDefaults } from './scenarios.js';

/**
 * The coordinator's dashboard, server-rendered: a form to start one of the
 * scenarios it offers, to change a running run's users (Locust's edit) and
 * to stop it; live charts and the report's tables as they stand
 * (thresholds, requests, checks, workers with their health, failures,
 * cluster events), fed by server-sent events from /api/events; the reports
 * to download once the run is over. Pure: what to show in, HTML out.
 */
export function renderDashboard(view: { scenarios: string[]; defaults: FormDefaults }, assets: HtmlAssets): string {
  const d = view.defaults;
  const options = view.scenarios.map((f) => `<option value="${esc(f)}">${esc(f)}</option>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Volley</title>
<style>${assets.uplotCss}${REPORT_CSS}
h1{font-size:20px;margin:0 0 12px}form{display:flex;flex-wrap:wrap;gap:10px;align-items:end;background:#f5f7fa;padding:12px;border-radius:6px}
label{display:flex;flex-direction:column;font-size:12px;color:#445}input,select{font:inherit;padding:4px 6px}
button{font:inherit;padding:6px 14px;cursor:pointer}#state{margin:12px 0;font-weight:600}#error{color:#b3261e}#downloads a{margin-right:12px}
</style></head>
<body>
<h1>Volley</h1>
<form id="start-form">
  <label>Scenario<select id="scenario">${options}</select></label>
  <label>Users<input id="users" type="number" min="0" value="${d.users}"></label>
  <label>Spawn rate /s<input id="spawn-rate" type="number" min="0.1" step="any" value="${d.spawnRate}"></label>
  <label>Duration s<input id="run-time" type="number" min="1" placeholder="until stopped" value="${d.runTimeS ?? ''}"></label>
  <label>Host<input id="host" size="32" value="${esc(d.host)}"></label>
  <label title="k6's options in the script (stages, scenarios) set the load; the fields above are used only when it has none"><span><input id="own-plan" type="checkbox"${d.ownPlan ? ' checked' : ''}> the scenario's own plan</span></label>
  <button id="start" type="submit">Start</button>
  <button id="scale" type="button" title="the running run's users from now on, at this spawn rate (Locust's edit)">Change users</button>
  <button id="stop" type="button">Stop</button>
</form>
<div id="error"></div>
<div id="state">no run yet</div>
<p id="downloads"></p>
<div id="notes"></div>
<div id="chart-live"></div><div id="chart-users"></div>
<div id="sections"></div>
<script>${assets.uplotJs}</script>
<script>
const $ = (id) => document.getElementById(id);
const post = async (path, body) => {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || res.statusText);
  return json;
};
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
ownPlan();
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
const events = new EventSource('/api/events');
events.onmessage = (m) => {
  const { status, summary, sections } = JSON.parse(m.data);
  const run = status.run;
  $('state').textContent = run ? run.id + ': ' + run.state + ' · ' + (run.elapsedMs / 1000).toFixed(0) + ' s · ' + run.vus + ' users · ' + run.rps + ' req/s · ' + run.requests + ' requests · ' + run.failures + ' failed · ' + status.workers.filter((w) => w.connected).length + ' workers' + (run.error ? ' · ' + run.error : '') : 'no run yet · ' + status.workers.filter((w) => w.connected).length + ' workers';
  $('state').dataset.state = run ? run.state : 'idle';
  if (summary) draw(summary);
  if (sections) show(sections);
  $('downloads').innerHTML = run && run.state === 'finished'
    ? ['report.html', 'summary.json', 'stats.csv'].map((f) => '<a download href="/api/runs/' + run.id + '/' + f + '">' + f + '</a>').join('')
    : '';
};
</script>
</body></html>
`;
}
