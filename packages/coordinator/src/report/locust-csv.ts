import { REQUEST_PERCENTILES, type RequestStats, type RunSummary } from '../aggregate/summary.js';

/** Locust's stats CSV header, column for column. */
export const LOCUST_STATS_HEADER = [
  'Type', 'Name', 'Request Count', 'Failure Count', 'Median Response Time', 'Average Response Time',
  'Min Response Time', 'Max Response Time', 'Average Content Size', 'Requests/s', 'Failures/s',
  '50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%',
];

export function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const round = (v: number, digits: number): string => String(Number(v.toFixed(digits)));

function statsRow(r: RequestStats): (string | number)[] {
  const empty = r.count === 0;
  return [
    r.method, r.name, r.count, r.failures,
    empty ? 0 : round(r.medMs, 3), empty ? 0 : round(r.avgMs, 3), empty ? 0 : round(r.minMs, 3), empty ? 0 : round(r.maxMs, 3),
    round(r.avgContentSize, 2), round(r.rps, 6), round(r.failuresPerSec, 6),
    ...REQUEST_PERCENTILES.map((p) => (empty ? 'N/A' : round(r.percentilesMs[p], 3))),
  ];
}

/** `PREFIX_stats.csv`: one row per request, then the Aggregated row (times in ms). */
export function renderLocustStatsCsv(s: RunSummary): string {
  const rows = [LOCUST_STATS_HEADER, ...s.requests.map(statsRow), statsRow(s.total)];
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Locust's failures CSV header. */
export const LOCUST_FAILURES_HEADER = ['Method', 'Name', 'Error', 'Occurrences'];

/** `PREFIX_failures.csv`: each failure reason with its count. */
export function renderLocustFailuresCsv(s: RunSummary): string {
  const rows = [LOCUST_FAILURES_HEADER, ...s.failures.map((f) => [f.method, f.name, f.error, f.count])];
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Locust's stats history CSV header. */
export const LOCUST_HISTORY_HEADER = [
  'Timestamp', 'User Count', 'Type', 'Name', 'Requests/s', 'Failures/s',
  '50%', '66%', '75%', '80%', '90%', '95%', '98%', '99%', '99.9%', '99.99%', '100%',
  'Total Request Count', 'Total Failure Count', 'Total Median Response Time', 'Total Average Response Time',
  'Total Min Response Time', 'Total Max Response Time', 'Total Average Content Size',
];

/**
 * `PREFIX_stats_history.csv`: one Aggregated row per second of the run, as
 * Locust writes it: that second's rate and percentiles, and the totals so far.
 */
export function renderLocustHistoryCsv(s: RunSummary): string {
  const start = Date.parse(s.run.startedAt) / 1000;
  const rows: (string | number)[][] = [LOCUST_HISTORY_HEADER];
  for (const p of s.timeline) {
    const empty = p.requests === 0;
    rows.push([
      Math.round(start + p.index + 1), p.vus, '', 'Aggregated', p.requests, p.failures,
      ...REQUEST_PERCENTILES.map((q) => (empty ? 'N/A' : round(p.percentilesMs[q], 3))),
      p.total.count, p.total.failures, round(p.total.medMs, 3), round(p.total.avgMs, 3), round(p.total.minMs, 3), round(p.total.maxMs, 3), round(p.total.avgContentSize, 2),
    ]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
