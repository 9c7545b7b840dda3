/**
 * The dashboard page's script (dashboard/page.ts serves the page): trades
 * the token in the address for a session, fills the start form, follows
 * the run through server-sent events, draws the live charts with uPlot
 * (inlined before this script) and shows the tables the server renders.
 */
import type { ClusterStatus } from '../cluster/views.js';
import type { RunSummary } from '../aggregate/summary.js';

interface Sections {
  notes: string;
  thresholds: string;
  requests: string;
  checks?: string;
  workers: string;
  failures: string;
  events?: string;
  output?: string;
}

const $ = <T extends HTMLElement = HTMLInputElement>(id: string): T => document.getElementById(id) as T;
const message = (err: unknown): string => String((err as Error)?.message ?? err);

// the token from the address (decoded as it was encoded: a '+' stays a '+')
const raw = /[?&]token=([^&#]*)/.exec(location.search);
let session = sessionStorage.getItem('volley-session');
const headers = (extra: Record<string, string> = {}): Record<string, string> => ({
  ...(session ? { 'x-volley-session': session } : {}),
  ...extra,
});

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: headers(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    body: method === 'POST' ? JSON.stringify(body ?? {}) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error || res.statusText), { status: res.status });
  return json as T;
}
const post = (path: string, body?: unknown): Promise<unknown> => call('POST', path, body);

async function login(): Promise<void> {
  if (!raw) return;
  history.replaceState(null, '', '/');
  const res = await fetch('/api/session', {
    method: 'POST',
    headers: { authorization: `Bearer ${decodeURIComponent(raw[1]!)}`, 'content-type': 'application/json' },
    body: '{}',
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error || res.statusText);
  session = json.session;
  if (session) sessionStorage.setItem('volley-session', session);
  else sessionStorage.removeItem('volley-session');
}

const ownPlan = (): void => {
  for (const id of ['users', 'spawn-rate', 'run-time']) $(id).disabled = $('own-plan').checked;
};

async function fill(): Promise<void> {
  const { scenarios, defaults: d } = await call<{
    scenarios: string[];
    defaults: { users: number; spawnRate: number; runTimeS?: number; host: string; ownPlan?: boolean };
  }>('GET', '/api/dashboard');
  for (const f of scenarios) $<HTMLSelectElement>('scenario').append(new Option(f, f));
  $('users').value = String(d.users);
  $('spawn-rate').value = String(d.spawnRate);
  $('run-time').value = d.runTimeS === undefined ? '' : String(d.runTimeS);
  $('host').value = d.host;
  $('own-plan').checked = !!d.ownPlan;
  ownPlan();
  $('start-form').hidden = false;
}

const fail = (err: unknown): void => {
  $('error').textContent = message(err);
};

$('start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('error').textContent = '';
  try {
    await post('/api/runs/from-dashboard', {
      file: $<HTMLSelectElement>('scenario').value,
      users: Number($('users').value),
      spawnRate: Number($('spawn-rate').value),
      runTimeMs: $('run-time').value === '' ? undefined : Math.round(Number($('run-time').value) * 1000),
      host: $('host').value,
      ownPlan: $('own-plan').checked,
    });
  } catch (err) {
    fail(err);
  }
});
$('own-plan').addEventListener('change', ownPlan);
$('scale').addEventListener('click', () => {
  $('error').textContent = '';
  post('/api/runs/current/scale', { users: Number($('users').value), spawnRate: Number($('spawn-rate').value) }).catch(fail);
});
$('stop').addEventListener('click', () => post('/api/runs/current/stop').catch(fail));

let charts: [uPlot, uPlot] | undefined;
let shownRun: string | undefined;

function draw(summary: RunSummary): void {
  const t = summary.timeline.map((p) => Date.parse(summary.run.startedAt) / 1000 + p.index + 1);
  const live: uPlot.AlignedData = [
    t,
    summary.timeline.map((p) => p.requests),
    summary.timeline.map((p) => (p.requests ? p.percentilesMs['95'] : null)),
  ];
  const users: uPlot.AlignedData = [t, summary.timeline.map((p) => p.vus)];
  if (!charts || shownRun !== summary.run.id) {
    $('chart-live').textContent = '';
    $('chart-users').textContent = '';
    const w = Math.min(1160, document.body.clientWidth - 10);
    charts = [
      new uPlot(
        {
          title: 'Requests/s and p95 (ms)',
          width: w,
          height: 220,
          series: [{}, { label: 'req/s', stroke: '#2a6fdb', width: 2 }, { label: 'p95 ms', stroke: '#d93025', width: 2, scale: 'ms' }],
          axes: [{}, {}, { side: 1, scale: 'ms' }],
        },
        live,
        $('chart-live'),
      ),
      new uPlot(
        { title: 'Users', width: w, height: 160, series: [{}, { label: 'VUs', stroke: '#7b1fa2', width: 2 }] },
        users,
        $('chart-users'),
      ),
    ];
    shownRun = summary.run.id;
  } else {
    charts[0].setData(live);
    charts[1].setData(users);
  }
}

// the tables come rendered by the server, as the HTML report renders them (report/html.ts)
function show(x: Sections): void {
  $('notes').innerHTML = x.notes;
  $('sections').innerHTML =
    `<h2>Thresholds</h2>${x.thresholds}<h2>Requests</h2>${x.requests}<p class="meta">Times in milliseconds.</p>` +
    (x.checks ? `<h2>Checks</h2>${x.checks}` : '') +
    `<h2>Workers</h2>${x.workers}<h2>Failures</h2>${x.failures}` +
    (x.events ? `<h2>Cluster events</h2>${x.events}` : '') +
    (x.output ? `<h2>Scenario output</h2>${x.output}` : '');
}

function update({ status, summary, sections }: { status: ClusterStatus; summary?: RunSummary; sections?: Sections }): void {
  const run = status.run;
  const workers = `${status.workers.filter((w) => w.connected).length} workers`;
  $('state').textContent = run
    ? `${run.id}: ${run.state} · ${(run.elapsedMs / 1000).toFixed(0)} s · ${run.vus} users · ${run.rps} req/s · ${run.requests} requests · ${run.failures} failed · ${workers}${run.error ? ` · ${run.error}` : ''}`
    : `no run yet · ${workers}`;
  $('state').dataset.state = run ? run.state : 'idle';
  if (summary) draw(summary);
  if (sections) show(sections);
  const files = run && run.state === 'finished' ? ['report.html', 'summary.json', 'stats.csv'] : [];
  const key = `${run?.id}${files.length}`;
  if ($('downloads').dataset.run !== key) {
    $('downloads').dataset.run = key;
    $('downloads').replaceChildren(
      ...files.map((f) =>
        Object.assign(document.createElement('a'), { href: `/api/runs/${run!.id}/${f}`, textContent: f, download: `${run!.id}-${f}` }),
      ),
    );
  }
}

// downloads need the session header, which a plain link cannot send
$('downloads').addEventListener('click', async (e) => {
  const a = (e.target as HTMLElement).closest('a');
  if (!a) return;
  e.preventDefault();
  try {
    const res = await fetch(a.getAttribute('href')!, { headers: headers() });
    if (!res.ok) throw new Error(res.statusText);
    const url = URL.createObjectURL(await res.blob());
    Object.assign(document.createElement('a'), { href: url, download: a.download }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (err) {
    fail(err);
  }
});

// server-sent events read through fetch, since EventSource cannot send a header
async function follow(): Promise<never> {
  for (;;) {
    try {
      const res = await fetch('/api/events', { headers: headers() });
      if (!res.ok || !res.body) throw new Error(res.statusText);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const event = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (event.startsWith('data: ')) update(JSON.parse(event.slice(6)));
        }
      }
    } catch {
      // the coordinator went away: try again
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

login()
  .then(fill)
  .then(follow, (err: unknown) => {
    $('state').textContent =
      (err as { status?: number }).status === 401 || /token/.test(message(err))
        ? 'This coordinator needs its token: open the address it printed, /?token=…'
        : message(err);
    $('state').dataset.state = 'unauthorized';
  });
