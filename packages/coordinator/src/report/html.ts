import { formatDuration } from '@volley/shared';
import type { RequestStats, RunSummary } from '../aggregate/summary.js';

/** What the pages inline, so that they open with no network: uPlot, and their scripts (src/browser/, bundled). */
export interface HtmlAssets {
  uplotJs: string;
  uplotCss: string;
  dashboardJs: string;
  reportJs: string;
}

/** A script inlined in a page: `</script` inside it would end the element early. */
export const inlineScript = (js: string): string => `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`;

/** HTML-escapes text for element content and attribute values. */
export const esc = (s: string | number): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const ms = (v: number): string => v.toFixed(2);
/** JSON that is safe inside a <script> element */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

function requestRow(r: RequestStats, total = false): string {
  const p = r.percentilesMs;
  const cells: [string, string | number][] = [
    ['method', r.method],
    ['name', r.name],
    ['count', r.count],
    ['failures', r.failures],
    ['avg', ms(r.avgMs)],
    ['min', ms(r.minMs)],
    ['max', ms(r.maxMs)],
    ['p50', ms(p['50'])],
    ['p90', ms(p['90'])],
    ['p95', ms(p['95'])],
    ['p99', ms(p['99'])],
    ['rps', r.rps.toFixed(2)],
  ];
  return `<tr${total ? ' class="total"' : ''} data-name="${esc(r.name)}">${cells.map(([f, v]) => `<td data-field="${f}">${esc(v)}</td>`).join('')}</tr>`;
}

function table(id: string, head: string[], rows: string[]): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The stylesheet the report and the dashboard share. */
export const REPORT_CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.meta{color:#556;margin:0}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid #eef0f4;text-align:right;white-space:nowrap}
th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}tr.total td{font-weight:600;border-top:2px solid #ccd}
.ok{color:#167a3e}.bad{color:#b3261e;font-weight:600}.chart{margin:8px 0 20px}.note{background:#fff8e1;padding:8px 12px;border-radius:4px}.warning{background:#fde7e9;border-left:4px solid #b3261e}
`;

/** The parts of a run's page that the report and the live dashboard share, as HTML. */
export interface RunSections {
  notes: string;
  thresholds: string;
  requests: string;
  checks: string;
  workers: string;
  failures: string;
  events: string;
  output: string;
}

/**
 * Each part of a run's page; pure: summary in, HTML out. `requestsId`
 * names the requests table; `maxWorkers` keeps the workers table to the
 * busiest (by their worst second's CPU), for a page that is redrawn every
 * second with a thousand workers in the run.
 */
export function runSections(s: RunSummary, o: { requestsId?: string; maxWorkers?: number } = {}): RunSections {
  const r = s.run;
  const shown =
    o.maxWorkers !== undefined && r.workers.length > o.maxWorkers
      ? [...r.workers].sort((a, b) => (b.health?.cpuMax ?? 0) - (a.health?.cpuMax ?? 0)).slice(0, o.maxWorkers)
      : r.workers;
  const thresholds = s.thresholds.length
    ? table(
        'thresholds-table',
        ['', 'Metric', 'Threshold', 'Observed'],
        s.thresholds.map(
          (t) =>
            `<tr class="${t.ok ? 'ok' : 'bad'}"><td>${t.ok ? '✓' : '✗'}</td><td>${esc(t.metric)}</td><td>${esc(t.threshold)}</td><td>${esc(t.observed === undefined ? (t.note ?? 'no data') : `${t.aggregation}=${Number(t.observed.toFixed(4))}`)}</td></tr>`,
        ),
      )
    : '<p>No thresholds.</p>';
  const totalRequests = s.run.workers.reduce((n, w) => n + (w.requests ?? 0), 0) || 1;
  const pct = (v: number | undefined): string => (v === undefined ? '—' : `${Math.round(v * 100)}%`);
  const workers =
    table(
      'workers-table',
      ['Worker', 'Cores', 'Requests', 'Share', 'CPU avg', 'CPU max', 'Loop lag p99', 'Users woke late'],
      shown.map(
        (w) =>
          `<tr><td>${esc(w.name)}</td><td>${w.cores}</td><td>${w.requests ?? 0}</td><td>${(((w.requests ?? 0) / totalRequests) * 100).toFixed(1)}%</td>` +
          `<td>${pct(w.health?.cpuAvg)}</td><td>${pct(w.health?.cpuMax)}</td><td>${w.health ? `${w.health.lagP99MaxMs.toFixed(1)} ms` : '—'}</td>` +
          `<td>${w.health ? `${w.health.wakeLateMaxMs.toFixed(1)} ms` : '—'}</td></tr>`,
      ),
    ) +
    (shown.length < r.workers.length
      ? `<p class="meta">The ${shown.length} busiest of ${r.workers.length} workers; the report lists them all.</p>`
      : '');
  const failures = s.failures.length
    ? table(
        'failures-table',
        ['Occurrences', 'Method', 'Name', 'Error'],
        s.failures.map(
          (f) =>
            `<tr><td>${f.count}</td><td>${esc(f.method)}</td><td>${esc(f.name)}</td><td style="text-align:left">${esc(f.error)}</td></tr>`,
        ),
      )
    : '<p>No failures.</p>';
  return {
    notes: [
      ...s.warnings.map((w) => `<p class="note warning"><strong>Warning:</strong> ${esc(w)}</p>`),
      ...s.notes.map((n) => `<p class="note">${esc(n)}</p>`),
    ].join(''),
    thresholds,
    requests: table(
      o.requestsId ?? 'requests-table',
      ['Type', 'Name', '# reqs', '# fails', 'Avg', 'Min', 'Max', 'p50', 'p90', 'p95', 'p99', 'req/s'],
      [...s.requests.map((x) => requestRow(x)), requestRow(s.total, true)],
    ),
    checks: s.checks.length
      ? table(
          'checks-table',
          ['Check', 'Passes', 'Fails'],
          s.checks.map((c) => `<tr class="${c.fails ? 'bad' : 'ok'}"><td>${esc(c.name)}</td><td>${c.passes}</td><td>${c.fails}</td></tr>`),
        )
      : '',
    workers,
    failures,
    events: r.events.length
      ? `<ul>${r.events.map((e) => `<li>${(e.atMs / 1000).toFixed(1)} s: ${esc(e.kind)}${e.worker ? ` ${esc(e.worker)}` : ''} — ${esc(e.detail)}</li>`).join('')}</ul>`
      : '',
    output: r.output?.length ? `<pre id="scenario-output">${r.output.map(esc).join('\n')}</pre>` : '',
  };
}

/**
 * The run as one self-contained HTML page: parameters, thresholds, the
 * per-request table, charts over time (RPS, p50/p95/p99, users), each
 * worker's contribution, failures by reason. Pure: summary in, text out.
 */
export function renderHtml(s: RunSummary, assets: HtmlAssets): string {
  const r = s.run;
  const started = new Date(r.startedAt);
  const load = r.spawnRate > 0 ? `${r.users} users at ${r.spawnRate}/s` : `scenarios up to ${r.users} users`;
  const x = runSections(s);
  const series = {
    t: s.timeline.map((p) => started.getTime() / 1000 + p.index + 1),
    rps: s.timeline.map((p) => p.requests),
    fps: s.timeline.map((p) => p.failures),
    p50: s.timeline.map((p) => (p.requests ? p.percentilesMs['50'] : null)),
    p95: s.timeline.map((p) => (p.requests ? p.percentilesMs['95'] : null)),
    p99: s.timeline.map((p) => (p.requests ? p.percentilesMs['99'] : null)),
    vus: s.timeline.map((p) => p.vus),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Volley report — ${esc(r.scenario)}</title>
<style>${assets.uplotCss}${REPORT_CSS}</style></head>
<body>
<header><h1>Volley report: ${esc(r.scenario)}</h1>
<p class="meta">Run <code>${esc(r.id)}</code> against <code>${esc(r.host)}</code>, started ${esc(started.toISOString())}, ran ${esc(formatDuration(r.durationMs))}; ${esc(load)}; ${r.workers.length} worker(s); peak VUs ${s.maxVus}.</p></header>
${x.notes}
<h2>Thresholds</h2>${x.thresholds}
<h2>Requests</h2>${x.requests}
<p class="meta">Times in milliseconds.</p>
<h2>Over time</h2>
<div class="chart" id="chart-rps"></div><div class="chart" id="chart-latency"></div><div class="chart" id="chart-users"></div>
${x.checks ? `<h2>Checks</h2>${x.checks}` : ''}
<h2>Workers</h2>${x.workers}
<h2>Failures</h2>${x.failures}
${x.events ? `<h2>Cluster events</h2>${x.events}` : ''}
${x.output ? `<h2>Scenario output</h2>${x.output}` : ''}
${inlineScript(assets.uplotJs)}
<script type="application/json" id="volley-series">${scriptJson(series)}</script>
${inlineScript(assets.reportJs)}
</body></html>
`;
}
