import { addAgg, emptyAgg, METRIC, percentile, type SeriesAgg } from '@volley/shared';
import { REQUEST_PERCENTILES, type RequestStats, type RunSummary } from '../aggregate/summary.js';
import type { TimelinePoint } from '../aggregate/timeline.js';
import type { MergedWindow } from '../journal/windows.js';

/** Locust's percentile columns: 50%, 66%, … 100%. */
const PERCENTILE_COLUMNS = REQUEST_PERCENTILES.map((p) => `${p}%`);

/** Locust's stats CSV header, column for column. */
export const LOCUST_STATS_HEADER = [
  'Type',
  'Name',
  'Request Count',
  'Failure Count',
  'Median Response Time',
  'Average Response Time',
  'Min Response Time',
  'Max Response Time',
  'Average Content Size',
  'Requests/s',
  'Failures/s',
  ...PERCENTILE_COLUMNS,
];

export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const round = (v: number, digits: number): string => String(Number(v.toFixed(digits)));

function statsRow(r: RequestStats): (string | number)[] {
  const empty = r.count === 0;
  return [
    r.method,
    r.name,
    r.count,
    r.failures,
    empty ? 0 : round(r.medMs, 3),
    empty ? 0 : round(r.avgMs, 3),
    empty ? 0 : round(r.minMs, 3),
    empty ? 0 : round(r.maxMs, 3),
    round(r.avgContentSize, 2),
    round(r.rps, 6),
    round(r.failuresPerSec, 6),
    ...REQUEST_PERCENTILES.map((p) => (empty ? 'N/A' : round(r.percentilesMs[p], 3))),
  ];
}

/** `PREFIX_stats.csv`: one row per request, then the Aggregated row (times in ms). */
export function renderLocustStatsCsv(s: RunSummary): string {
  const rows = [LOCUST_STATS_HEADER, ...s.requests.map(statsRow), statsRow(s.total)];
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** Locust's failures CSV header. */
export const LOCUST_FAILURES_HEADER = ['Method', 'Name', 'Error', 'Occurrences'];

/** `PREFIX_failures.csv`: each failure reason with its count. */
export function renderLocustFailuresCsv(s: RunSummary): string {
  const rows = [LOCUST_FAILURES_HEADER, ...s.failures.map((f) => [f.method, f.name, f.error, f.count])];
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;
}

/** Locust's stats history CSV header. */
export const LOCUST_HISTORY_HEADER = [
  'Timestamp',
  'User Count',
  'Type',
  'Name',
  'Requests/s',
  'Failures/s',
  ...PERCENTILE_COLUMNS,
  'Total Request Count',
  'Total Failure Count',
  'Total Median Response Time',
  'Total Average Response Time',
  'Total Min Response Time',
  'Total Max Response Time',
  'Total Average Content Size',
];

/**
 * `PREFIX_stats_history.csv`: one Aggregated row per second of the run, as
 * Locust writes it: that second's rate and percentiles, and the totals so far.
 */
function aggregatedRow(start: number, p: TimelinePoint): (string | number)[] {
  const empty = p.requests === 0;
  return [
    Math.round(start + p.index + 1),
    p.vus,
    '',
    'Aggregated',
    p.requests,
    p.failures,
    ...REQUEST_PERCENTILES.map((q) => (empty ? 'N/A' : round(p.percentilesMs[q], 3))),
    p.total.count,
    p.total.failures,
    round(p.total.medMs, 3),
    round(p.total.avgMs, 3),
    round(p.total.minMs, 3),
    round(p.total.maxMs, 3),
    round(p.total.avgContentSize, 2),
  ];
}

const toCsv = (rows: (string | number)[][]): string => `${rows.map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

export function renderLocustHistoryCsv(s: RunSummary): string {
  const start = Date.parse(s.run.startedAt) / 1000;
  return toCsv([LOCUST_HISTORY_HEADER, ...s.timeline.map((p) => aggregatedRow(start, p))]);
}

type Trend = Extract<SeriesAgg, { kind: 'trend' }>;
const us2ms = (us: number): number => us / 1000;

/** One request's numbers: a second's, or the run's so far. */
interface Tally {
  method: string;
  name: string;
  duration: Trend;
  failures: number;
  bytes: number;
}

const tally = (method: string, name: string): Tally => ({
  method,
  name,
  duration: emptyAgg('trend', METRIC.httpReqDuration, {}) as Trend,
  failures: 0,
  bytes: 0,
});
/** as the summary orders its requests: by name, then method */
const byNameThenMethod = (a: Tally, b: Tally): number =>
  a.name === b.name ? a.method.localeCompare(b.method) : a.name.localeCompare(b.name);

/**
 * Locust's --csv-full-history: before each second's Aggregated row (the
 * summary's timeline), a row for every request (type and name) seen so
 * far — that second's rate and percentiles, and its totals up to then —
 * read from the run's merged windows (its journal).
 */
export function renderLocustFullHistoryCsv(s: RunSummary, windows: Iterable<MergedWindow>): string {
  const start = Date.parse(s.run.startedAt) / 1000;
  const points = [...s.timeline];
  const rows: (string | number)[][] = [LOCUST_HISTORY_HEADER];
  const totals = new Map<string, Tally>();
  const flushPointsBefore = (index: number): void => {
    while (points.length && points[0]!.index < index) rows.push(aggregatedRow(start, points.shift()!));
  };
  for (const w of windows) {
    flushPointsBefore(w.index);
    const now = new Map<string, Tally>();
    for (const x of w.series.values()) {
      const { method, name } = x.tags;
      if (method === undefined || name === undefined) continue;
      const key = `${method}\u0000${name}`;
      const second = now.get(key) ?? now.set(key, tally(method, name)).get(key)!;
      const total = totals.get(key) ?? totals.set(key, tally(method, name)).get(key)!;
      if (x.metric === METRIC.httpReqDuration && x.kind === 'trend') {
        addAgg(second.duration, x);
        addAgg(total.duration, x);
      } else if (x.metric === METRIC.httpReqFailed && x.kind === 'rate') {
        second.failures += x.passes;
        total.failures += x.passes;
      } else if (x.metric === METRIC.dataReceived && x.kind === 'counter') {
        total.bytes += x.value;
      }
    }
    const point = points[0]?.index === w.index ? points.shift() : undefined;
    for (const t of [...totals.values()].sort(byNameThenMethod)) {
      if (t.duration.count === 0) continue;
      const c = now.get(`${t.method}\u0000${t.name}`);
      const count = c?.duration.count ?? 0;
      const d = t.duration;
      rows.push([
        Math.round(start + w.index + 1),
        point?.vus ?? 0,
        t.method,
        t.name,
        count,
        c?.failures ?? 0,
        ...REQUEST_PERCENTILES.map((q) => (count ? round(us2ms(percentile(c!.duration.hist, Number(q))), 3) : 'N/A')),
        d.count,
        t.failures,
        round(us2ms(percentile(d.hist, 50)), 3),
        round(us2ms(d.sum / d.count), 3),
        round(us2ms(d.min), 3),
        round(us2ms(d.max), 3),
        round(t.bytes / d.count, 2),
      ]);
    }
    if (point) rows.push(aggregatedRow(start, point));
  }
  flushPointsBefore(Infinity);
  return toCsv(rows);
}
