import { runNotes } from './summary-notes.js';
import { addAgg, emptyAgg, HTTP_REQ_PHASES, METRIC, percentile, seriesKey, type SeriesAgg } from '@volley/shared';
import type { Aggregator } from './aggregator.js';
import type { HealthSummary } from './worker-health.js';
import { evaluateThresholds, resolveMetric, type ThresholdResult, type ThresholdSet } from '../thresholds/evaluate.js';

import { REQUEST_PERCENTILES, type TimelinePoint } from './timeline.js';
export { REQUEST_PERCENTILES, type TimelinePoint } from './timeline.js';

/** One row of the per-request table (times in milliseconds). */
export interface RequestStats {
  method: string;
  name: string;
  count: number;
  failures: number;
  avgMs: number;
  minMs: number;
  maxMs: number;
  medMs: number;
  percentilesMs: Record<(typeof REQUEST_PERCENTILES)[number], number>;
  rps: number;
  failuresPerSec: number;
  bytes: number;
  avgContentSize: number;
}

export interface FailureStats {
  method: string;
  name: string;
  error: string;
  count: number;
}

/** k6's end-of-test summary values per metric. */
export type MetricValues =
  | { type: 'trend'; contains: 'time' | 'default'; values: Record<string, number> }
  | { type: 'counter'; contains: 'default' | 'data'; values: { count: number; rate: number } }
  | { type: 'rate'; contains: 'default'; values: { rate: number; passes: number; fails: number } }
  | { type: 'gauge'; contains: 'default'; values: { value: number; min: number; max: number } };

export interface WorkerInfo {
  id: string;
  name: string;
  cores: number;
  /** requests it made in this run */
  requests?: number;
  /** its own load: CPU as a fraction of one core (average and busiest second), the worst event-loop lag p99, the worst second's mean lateness of its users' wake-ups */
  health?: HealthSummary;
}

export interface RunInfo {
  /** what happened to the cluster: workers lost and joined, rebalances */
  events: { atMs: number; kind: string; worker?: string; detail: string }[];
  /** how long a lost worker's share was unassigned, in total */
  shortMs: number;
  /** the executors the run used (closed models get a warning about stalls) */
  executors?: string[];
  /** what the scenario's setup() and teardown() printed */
  output?: string[];
  /** the trend statistics the summary shows (k6's --summary-trend-stats; default DEFAULT_TREND_STATS) */
  trendStats?: string[];
  id: string;
  scenario: string;
  host: string;
  users: number;
  spawnRate: number;
  runTimeMs: number;
  startedAt: string;
  durationMs: number;
  workers: WorkerInfo[];
}

/** Everything every report is rendered from; plain JSON. */
export interface CheckStats {
  name: string;
  passes: number;
  fails: number;
}

export interface RunSummary {
  run: RunInfo;
  checks: CheckStats[];
  /** what makes the headline numbers mislead, said before them: e.g. many due iterations dropped */
  warnings: string[];
  /** things the reader should know about how far to trust the numbers */
  notes: string[];
  /** every threshold's verdict on the final merged data */
  thresholds: ThresholdResult[];
  timeline: TimelinePoint[];
  requests: RequestStats[];
  total: RequestStats;
  failures: FailureStats[];
  metrics: Record<string, MetricValues>;
  maxVus: number;
}

const us2ms = (us: number): number => us / 1000;

type Trend = Extract<SeriesAgg, { kind: 'trend' }>;
type Rate = Extract<SeriesAgg, { kind: 'rate' }>;
type Counter = Extract<SeriesAgg, { kind: 'counter' }>;

function requestStats(method: string, name: string, d: Trend, failed: Rate | undefined, bytes: number, seconds: number): RequestStats {
  const failures = failed?.passes ?? 0;
  const pct = {} as RequestStats['percentilesMs'];
  for (const p of REQUEST_PERCENTILES) pct[p] = us2ms(percentile(d.hist, Number(p)));
  return {
    method,
    name,
    count: d.count,
    failures,
    avgMs: d.count ? us2ms(d.sum / d.count) : 0,
    minMs: d.count ? us2ms(d.min) : 0,
    maxMs: d.count ? us2ms(d.max) : 0,
    medMs: us2ms(percentile(d.hist, 50)),
    percentilesMs: pct,
    rps: seconds > 0 ? d.count / seconds : 0,
    failuresPerSec: seconds > 0 ? failures / seconds : 0,
    bytes,
    avgContentSize: d.count ? bytes / d.count : 0,
  };
}

/** The percentiles among `stats` beyond those every summary holds. */
function extraPercentiles(stats: readonly string[] | undefined): number[] {
  const always = new Set(['p(90)', 'p(95)', 'p(99)']);
  return (stats ?? []).filter((k) => k.startsWith('p(') && !always.has(k)).map((k) => Number(k.slice(2, -1)));
}

function trendValues(t: Trend, extra: readonly number[] = []): Record<string, number> {
  const more: Record<string, number> = {};
  for (const p of extra) more[`p(${p})`] = us2ms(percentile(t.hist, p));
  return {
    ...more,
    avg: t.count ? us2ms(t.sum / t.count) : 0,
    min: t.count ? us2ms(t.min) : 0,
    med: us2ms(percentile(t.hist, 50)),
    max: t.count ? us2ms(t.max) : 0,
    'p(90)': us2ms(percentile(t.hist, 90)),
    'p(95)': us2ms(percentile(t.hist, 95)),
    'p(99)': us2ms(percentile(t.hist, 99)),
    count: t.count,
  };
}

/** k6's values for any series. */
function metricValues(agg: SeriesAgg, seconds: number, extra: readonly number[]): MetricValues {
  switch (agg.kind) {
    case 'trend':
      return {
        type: 'trend',
        contains: agg.metric.endsWith('_duration') || agg.metric.startsWith('http_req_') ? 'time' : 'default',
        values: trendValues(agg, extra),
      };
    case 'counter':
      return { type: 'counter', contains: 'default', values: { count: agg.value, rate: seconds > 0 ? agg.value / seconds : 0 } };
    case 'rate': {
      const n = agg.passes + agg.fails;
      return { type: 'rate', contains: 'default', values: { rate: n ? agg.passes / n : 0, passes: agg.passes, fails: agg.fails } };
    }
    case 'gauge':
      return { type: 'gauge', contains: 'default', values: { value: agg.value, min: agg.min, max: agg.max } };
  }
}

/** Rolls series of one metric up by a projection of their tags (e.g. all, or by name). */
function rollup(
  totals: Iterable<SeriesAgg>,
  metric: string,
  keyOf: (tags: Record<string, string>) => string | undefined,
): Map<string, SeriesAgg> {
  const out = new Map<string, SeriesAgg>();
  for (const s of totals) {
    if (s.metric !== metric) continue;
    const key = keyOf(s.tags);
    if (key === undefined) continue;
    let acc = out.get(key);
    if (!acc) out.set(key, (acc = emptyAgg(s.kind, s.metric, {})));
    addAgg(acc, s);
  }
  return out;
}

/**
 * The run's summary from the merged totals: the per-request table (Locust),
 * the metrics with their sub-metrics by name (k6), and the failures.
 */
export function summarize(agg: Aggregator, run: RunInfo, thresholdSets: readonly ThresholdSet[] = []): RunSummary {
  const { totals, windows } = agg;
  const seconds = run.durationMs / 1000;
  const extra = extraPercentiles(run.trendStats);
  const all = [...totals.values()];
  const byRequest = (t: Record<string, string>): string | undefined =>
    t.method !== undefined && t.name !== undefined ? `${t.method}\u0000${t.name}` : undefined;

  const durations = rollup(all, METRIC.httpReqDuration, byRequest);
  const failed = rollup(all, METRIC.httpReqFailed, byRequest);
  const received = rollup(all, METRIC.dataReceived, byRequest);

  const requests: RequestStats[] = [];
  for (const [key, d] of durations) {
    const [method, name] = key.split('\u0000') as [string, string];
    requests.push(
      requestStats(
        method,
        name,
        d as Trend,
        failed.get(key) as Rate | undefined,
        (received.get(key) as Counter | undefined)?.value ?? 0,
        seconds,
      ),
    );
  }
  requests.sort((a, b) => (a.name === b.name ? a.method.localeCompare(b.method) : a.name.localeCompare(b.name)));

  const totalDuration =
    (rollup(all, METRIC.httpReqDuration, () => '').get('') as Trend | undefined) ??
    (emptyAgg('trend', METRIC.httpReqDuration, {}) as Trend);
  const totalFailed = rollup(all, METRIC.httpReqFailed, () => '').get('') as Rate | undefined;
  const totalBytes = requests.reduce((a, r) => a + r.bytes, 0);
  const total = requestStats('', 'Aggregated', totalDuration, totalFailed, totalBytes, seconds);

  const failures: FailureStats[] = [];
  for (const s of all) {
    if (s.metric === METRIC.httpReqErrors && s.kind === 'counter') {
      failures.push({ method: s.tags.method ?? '', name: s.tags.name ?? '', error: s.tags.error ?? '', count: s.value });
    }
  }
  failures.sort((a, b) => b.count - a.count);

  const metrics: Record<string, MetricValues> = {};
  const rate = (n: number): number => (seconds > 0 ? n / seconds : 0);
  if (totalDuration.count > 0) {
    metrics[METRIC.httpReqDuration] = { type: 'trend', contains: 'time', values: trendValues(totalDuration, extra) };
    metrics[METRIC.httpReqs] = {
      type: 'counter',
      contains: 'default',
      values: { count: totalDuration.count, rate: rate(totalDuration.count) },
    };
    const fails = totalFailed?.passes ?? 0;
    metrics[METRIC.httpReqFailed] = {
      type: 'rate',
      contains: 'default',
      values: { rate: fails / totalDuration.count, passes: fails, fails: totalDuration.count - fails },
    };
    metrics[METRIC.dataReceived] = { type: 'counter', contains: 'data', values: { count: totalBytes, rate: rate(totalBytes) } };
    // sub-metrics by the name tag, spelled as k6 spells them
    const byName = (t: Record<string, string>): string | undefined => t.name;
    for (const [name, d] of rollup(all, METRIC.httpReqDuration, byName)) {
      metrics[seriesKey(METRIC.httpReqDuration, { name })] = { type: 'trend', contains: 'time', values: trendValues(d as Trend, extra) };
      metrics[seriesKey(METRIC.httpReqs, { name })] = {
        type: 'counter',
        contains: 'default',
        values: { count: (d as Trend).count, rate: rate((d as Trend).count) },
      };
    }
    for (const [name, f] of rollup(all, METRIC.httpReqFailed, byName)) {
      const r = f as Rate;
      const n = r.passes + r.fails;
      metrics[seriesKey(METRIC.httpReqFailed, { name })] = {
        type: 'rate',
        contains: 'default',
        values: { rate: n ? r.passes / n : 0, passes: r.passes, fails: r.fails },
      };
    }
  }
  // everything else, built-in or the scenario's own: iterations, checks, custom metrics
  const done = new Set<string>([METRIC.httpReqDuration, METRIC.httpReqFailed, METRIC.dataReceived, METRIC.httpReqErrors, 'task_errors']);
  // k6 shows time trends in ms; the phases are durations too
  for (const phase of HTTP_REQ_PHASES) {
    const agg = resolveMetric(all, windows, { metric: phase, tags: {} });
    if (agg) metrics[phase] = { ...metricValues(agg, seconds, extra), contains: 'time' } as MetricValues;
    done.add(phase);
  }
  for (const name of new Set(all.map((x) => x.metric))) {
    if (done.has(name)) continue;
    const agg = resolveMetric(all, windows, { metric: name, tags: {} });
    if (agg)
      metrics[name] = { ...metricValues(agg, seconds, extra), ...(name === METRIC.dataSent ? { contains: 'data' } : {}) } as MetricValues;
  }
  const checks: CheckStats[] = [];
  for (const [name, r] of rollup(all, METRIC.checks, (t) => t.check)) {
    const rr = r as Rate;
    checks.push({ name, passes: rr.passes, fails: rr.fails });
  }
  const taskErrors = rollup(all, 'task_errors', () => '').get('') as Counter | undefined;
  if (taskErrors)
    metrics.task_errors = { type: 'counter', contains: 'default', values: { count: taskErrors.value, rate: rate(taskErrors.value) } };

  let maxVus = 0;
  let minVus = Infinity;
  let lastVus = 0;
  const indices = [...windows.keys()].sort((a, b) => a - b);
  const timeline = agg.timeline();
  for (const i of indices) {
    const w = windows.get(i)!;
    const v = w.vus;
    maxVus = Math.max(maxVus, v);
    minVus = Math.min(minVus, v);
    lastVus = v;
  }
  if (indices.length) {
    metrics.vus = { type: 'gauge', contains: 'default', values: { value: lastVus, min: minVus, max: maxVus } };
    metrics.vus_max = { type: 'gauge', contains: 'default', values: { value: maxVus, min: maxVus, max: maxVus } };
  }
  const thresholds = evaluateThresholds(thresholdSets, all, windows, seconds);
  // as k6 does, a sub-metric a threshold names is in the summary with its values
  for (const set of thresholdSets) {
    const key = seriesKey(set.key.metric, set.key.tags);
    if (metrics[key] || Object.keys(set.key.tags).length === 0) continue;
    const agg = resolveMetric(all, windows, set.key);
    if (agg)
      metrics[key] = {
        ...metricValues(agg, seconds, extra),
        ...(metrics[set.key.metric]?.contains ? { contains: metrics[set.key.metric]!.contains } : {}),
      } as MetricValues;
  }
  const { warnings, notes } = runNotes(run, all);
  return { run, warnings, notes, checks, thresholds, timeline, requests, total, failures, metrics, maxVus };
}
