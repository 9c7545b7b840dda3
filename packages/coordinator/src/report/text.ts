import { DEFAULT_TREND_STATS } from '../aggregate/trend-stats.js';
import { formatDuration, hasHost } from '@volley/shared';
import type { RequestStats, RunSummary } from '../aggregate/summary.js';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const num = (v: number): string => v.toFixed(2);

function table(head: string[], rows: string[][], alignLeft: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i < alignLeft ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), rule, ...rows.slice(0, -1).map(line), rule, line(rows[rows.length - 1]!)].join('\n');
}

function row(r: RequestStats): string[] {
  const p = r.percentilesMs;
  return [
    r.method,
    r.name,
    String(r.count),
    `${r.failures}(${r.count ? ((100 * r.failures) / r.count).toFixed(2) : '0.00'}%)`,
    ms(r.avgMs),
    ms(r.minMs),
    ms(r.maxMs),
    ms(p['50']),
    ms(p['90']),
    ms(p['95']),
    ms(p['99']),
    num(r.rps),
    num(r.failuresPerSec),
  ];
}

const fmtObserved = (v: number | undefined, aggregation: string): string =>
  v === undefined
    ? ''
    : aggregation === 'rate'
      ? `${(v * 100).toFixed(2)}%`
      : aggregation === 'count'
        ? String(v)
        : /^(avg|min|max|med|p\()/.test(aggregation)
          ? `${v.toFixed(2)}ms`
          : String(v);

/** Thresholds first, k6 style: ✓/✗, the expression, the observed value. */
export function renderThresholds(s: RunSummary): string[] {
  if (!s.thresholds.length) return [];
  const out = ['THRESHOLDS'];
  let last = '';
  for (const t of s.thresholds) {
    if (t.metric !== last) out.push(`  ${(last = t.metric)}`);
    const seen = t.observed === undefined ? (t.note ?? 'no data') : `${t.aggregation}=${fmtObserved(t.observed, t.aggregation)}`;
    out.push(`  ${t.ok ? '✓' : '✗'} '${t.threshold}' ${seen}${t.abortOnFail ? ' (abortOnFail)' : ''}`);
  }
  out.push('');
  return out;
}

/** Checks with pass rates, k6 style. */
export function renderChecks(s: RunSummary): string[] {
  if (!s.checks.length) return [];
  const out = ['CHECKS'];
  for (const c of s.checks) {
    const n = c.passes + c.fails;
    out.push(`  ${c.fails ? '✗' : '✓'} ${c.name}  ${((100 * c.passes) / (n || 1)).toFixed(2)}% (${c.passes} of ${n})`);
  }
  out.push('');
  return out;
}

/** Shown in their own sections already */
const BUILT_IN_SHOWN = new Set(['checks']);

/** Every metric (built-in and the scenario's own), one line each as k6 prints them; sub-metrics are in the JSON. */
export function renderMetrics(s: RunSummary): string[] {
  const out: string[] = [];
  for (const [name, m] of Object.entries(s.metrics)) {
    if (BUILT_IN_SHOWN.has(name) || name.includes('{')) continue;
    const v = m.values as Record<string, number>;
    const num = (x: number | undefined): string => (x === undefined ? '-' : Number.isInteger(x) ? String(x) : x.toFixed(2));
    const line =
      m.type === 'trend'
        ? (s.run.trendStats ?? DEFAULT_TREND_STATS)
            .map((k) => `${k}=${num(v[k])}${m.contains === 'time' && k !== 'count' ? 'ms' : ''}`)
            .join(' ')
        : m.type === 'counter'
          ? `${num(v.count)}  ${num(v.rate)}/s`
          : m.type === 'rate'
            ? `${(100 * (v.rate ?? 0)).toFixed(2)}%  ${v.passes} of ${(v.passes ?? 0) + (v.fails ?? 0)}`
            : `${num(v.value)}  min=${num(v.min)} max=${num(v.max)}`;
    out.push(`  ${name.padEnd(28, '.')}: ${line}`);
  }
  return out.length ? ['METRICS', ...out, ''] : [];
}

/** The end-of-test summary for a terminal: thresholds, checks, metrics, per-request table, failures, the guide's closing lines. */
export function renderText(s: RunSummary): string {
  const out: string[] = [];
  const r = s.run;
  out.push(`Volley run ${r.id}: ${r.scenario}${hasHost(r.host) ? ` against ${r.host}` : ''}`);
  const load = r.spawnRate > 0 ? `${r.users} users at ${r.spawnRate}/s` : `stages up to ${r.users} users`;
  out.push(`  ${r.workers.length} worker(s), ${load}, ran ${formatDuration(r.durationMs)}; peak VUs ${s.maxVus}`);
  for (const e of r.events)
    out.push(`  ${(e.atMs / 1000).toFixed(1).padStart(6)}s  ${e.kind}${e.worker ? ` ${e.worker}` : ''}: ${e.detail}`);
  if (r.shortMs > 0) out.push(`  the cluster ran short of a lost worker's share for ${formatDuration(r.shortMs)}`);
  // before the numbers they qualify
  for (const w of s.warnings) out.push('', `WARNING: ${w}`);
  out.push('');
  if (r.output?.length) out.push(...r.output, '');
  out.push(...renderThresholds(s), ...renderChecks(s), ...renderMetrics(s));
  out.push(
    table(
      ['Type', 'Name', '# reqs', '# fails', 'Avg', 'Min', 'Max', 'p50', 'p90', 'p95', 'p99', 'req/s', 'failures/s'],
      [...s.requests.map(row), row(s.total)],
      2,
    ),
  );
  out.push('  (response times in ms)');
  if (s.failures.length) {
    out.push('');
    out.push(
      table(
        ['# occurrences', 'Type', 'Name', 'Error'],
        [
          ...s.failures.map((f) => [String(f.count), f.method, f.name, f.error]),
          [String(s.failures.reduce((a, f) => a + f.count, 0)), '', 'Total', ''],
        ],
        0,
      ),
    );
  }
  const t = s.total;
  out.push('');
  out.push(`Total requests: ${t.count}`);
  out.push(`Failures: ${t.failures}`);
  out.push(`Average response time: ${t.avgMs.toFixed(2)}ms`);
  out.push(`P95 response time: ${t.percentilesMs['95'].toFixed(2)}ms`);
  out.push(`P99 response time: ${t.percentilesMs['99'].toFixed(2)}ms`);
  out.push(`RPS: ${t.rps.toFixed(2)}`);
  for (const n of s.notes) out.push(`\nnote: ${n}`);
  const failed = s.thresholds.filter((x) => !x.ok).length;
  if (failed) out.push(`\n✗ ${failed} of ${s.thresholds.length} thresholds failed`);
  return `${out.join('\n')}\n`;
}
