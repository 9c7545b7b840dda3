/**
 * jslib's k6-summary (`textSummary(data, { indent, enableColors })`, `jUnit(data)`),
 * which handleSummary() scripts import by URL: the end-of-test summary data
 * (k6's shape, what --json writes) as k6's terminal text, and thresholds as
 * JUnit XML. Written for Volley: a worker has no internet to fetch jslib's.
 */
type Values = Record<string, number>;
interface Metric {
  type: 'trend' | 'counter' | 'rate' | 'gauge';
  contains?: string;
  values: Values;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface SummaryData {
  metrics?: Record<string, Metric>;
  root_group?: { checks?: { name: string; passes: number; fails: number }[]; groups?: unknown[] };
  options?: { summaryTrendStats?: string[] };
}

const DEFAULT_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${Number(ms.toFixed(2))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(2))}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Number(((ms - m * 60_000) / 1000).toFixed(1))}s`;
}

function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toFixed(i === 0 ? 0 : 1))} ${units[i]}`;
}

function value(m: Metric, stats: string[]): string {
  const v = m.values;
  const fmt = (x: number): string =>
    m.contains === 'time' ? duration(x) : m.contains === 'data' ? bytes(x) : String(Number(x.toFixed(6)));
  switch (m.type) {
    case 'trend':
      return stats
        .filter((s) => v[s] !== undefined)
        .map((s) => `${s}=${s === 'count' ? v[s] : fmt(v[s]!)}`)
        .join(' ');
    case 'counter':
      return `${fmt(v.count ?? 0)} ${m.contains === 'data' ? `${bytes(v.rate ?? 0)}/s` : `${Number((v.rate ?? 0).toFixed(6))}/s`}`;
    case 'rate':
      return `${((v.rate ?? 0) * 100).toFixed(2)}% ✓ ${v.passes ?? 0} ✗ ${v.fails ?? 0}`;
    case 'gauge':
      return `${fmt(v.value ?? 0)} min=${fmt(v.min ?? 0)} max=${fmt(v.max ?? 0)}`;
    default:
      return 'no data';
  }
}

export function textSummary(data: SummaryData, opts: { indent?: string; enableColors?: boolean } = {}): string {
  const indent = opts.indent ?? ' ';
  const paint = (code: number, s: string): string => (opts.enableColors ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [''];
  for (const c of data.root_group?.checks ?? []) {
    const ok = c.fails === 0;
    lines.push(`${indent}  ${paint(ok ? 32 : 31, `${ok ? '✓' : '✗'} ${c.name}`)}`);
    if (!ok)
      lines.push(
        `${indent}   ${paint(31, `↳  ${Math.floor((100 * c.passes) / Math.max(1, c.passes + c.fails))}% — ✓ ${c.passes} / ✗ ${c.fails}`)}`,
      );
  }
  if ((data.root_group?.checks ?? []).length) lines.push('');
  // as k6: a sub-metric (name{tag:value}) only where a threshold asked for it
  const metrics = Object.entries(data.metrics ?? {})
    .filter(([n, m]) => !n.includes('{') || m.thresholds)
    .sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(0, ...metrics.map(([n]) => n.length)) + 3;
  const stats = data.options?.summaryTrendStats ?? DEFAULT_STATS;
  for (const [name, m] of metrics) {
    const thresholds = Object.values(m.thresholds ?? {});
    const mark = thresholds.length === 0 ? ' ' : thresholds.every((t) => t.ok) ? paint(32, '✓') : paint(31, '✗');
    lines.push(`${indent}${mark} ${name}${'.'.repeat(width - name.length)}: ${value(m, stats)}`);
  }
  return `${lines.join('\n')}\n`;
}

const xml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function jUnit(data: SummaryData, opts: { name?: string; classname?: string } = {}): string {
  const cases: string[] = [];
  let failures = 0;
  for (const [metric, m] of Object.entries(data.metrics ?? {})) {
    for (const [threshold, t] of Object.entries(m.thresholds ?? {})) {
      const name = xml(`${metric} - ${threshold}`);
      if (t.ok) cases.push(`<testcase name="${name}" />`);
      else {
        failures++;
        cases.push(`<testcase name="${name}"><failure message="failed" /></testcase>`);
      }
    }
  }
  const suite = xml(opts.name ?? 'k6 thresholds');
  return `<?xml version="1.0"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n<testsuite name="${suite}" tests="${cases.length}" failures="${failures}">${cases.join('\n')}\n</testsuite >\n</testsuites >`;
}
