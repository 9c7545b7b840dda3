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
