import {
  addAgg,
  aggregationName,
  compare,
  emptyAgg,
  HTTP_REQ_PHASES,
  METRIC,
  parseMetricKey,
  parseThreshold,
  percentile,
  VolleyError,
  type Aggregation,
  type MetricKey,
  type SeriesAgg,
  type Threshold,
} from '@volley/shared';
import type { WindowAgg } from '../aggregate/timeline.js';

/** Thresholds as a scenario or the API gives them (k6's options.thresholds). */
export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEvalMs?: number };
export type ThresholdSpecs = Record<string, ThresholdSpec[]>;

export interface ThresholdSet {
  key: MetricKey;
  thresholds: Threshold[];
}

export interface ThresholdResult {
  metric: string;
  threshold: string;
  ok: boolean;
  /** the observed value (ms for durations, a fraction for rates); undefined without data */
  observed?: number;
  aggregation: string;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  /** why it could not be judged, if so */
  note?: string;
}

/** Parses every threshold up front, so a bad one fails before any traffic. */
const PHASES: ReadonlySet<string> = new Set(HTTP_REQ_PHASES);

/**
 * The request phases a threshold filters by tag: workers record those per
 * request name; the others as one series each, to keep windows small.
 */
export function taggedPhases(sets: ThresholdSet[]): string[] {
  return [...new Set(sets.filter((s) => PHASES.has(s.key.metric) && Object.keys(s.key.tags).length > 0).map((s) => s.key.metric))];
}

export function parseThresholds(specs: ThresholdSpecs): ThresholdSet[] {
  return Object.entries(specs).map(([key, list]) => {
    if (!Array.isArray(list)) throw new VolleyError('VOLLEY_BAD_SCENARIO', `thresholds["${key}"] must be a list, e.g. ['p(95)<150']`);
    return {
      key: parseMetricKey(key),
      thresholds: list.map((t) =>
        typeof t === 'string'
          ? parseThreshold(t)
          : parseThreshold(t.threshold, { abortOnFail: t.abortOnFail, delayAbortEvalMs: t.delayAbortEvalMs }),
      ),
    };
  });
}

const includes = (tags: Record<string, string>, filter: Record<string, string>): boolean =>
  Object.entries(filter).every(([k, v]) => tags[k] === v);

/**
 * The series a metric key names, rolled up over every series whose tags
 * include the key's: k6's sub-metrics. `http_reqs` is derived from the
 * request durations and `vus`/`vus_max` from the windows.
 */
export function resolveMetric(
  all: Iterable<SeriesAgg>,
  windows: ReadonlyMap<number, WindowAgg>,
  key: { metric: string; tags: Record<string, string> },
): SeriesAgg | undefined {
  if (key.metric === 'vus' || key.metric === 'vus_max') {
    if (windows.size === 0) return undefined;
    const sorted = [...windows.values()].sort((a, b) => a.index - b.index);
    const vus = sorted.map((w) => w.vus);
    const max = Math.max(...vus);
    return {
      kind: 'gauge',
      metric: key.metric,
      tags: {},
      value: key.metric === 'vus' ? vus[vus.length - 1]! : max,
      min: key.metric === 'vus' ? Math.min(...vus) : max,
      max,
    };
  }
  const source = key.metric === METRIC.httpReqs ? METRIC.httpReqDuration : key.metric;
  let acc: SeriesAgg | undefined;
  const seen = [...all].find((s) => s.metric === source);
  if (seen?.kind === 'gauge') return gaugeFromWindows(windows, source, key.tags);
  for (const s of all) {
    if (s.metric !== source || !includes(s.tags, key.tags)) continue;
    acc ??= emptyAgg(s.kind, key.metric, key.tags);
    addAgg(acc, s);
  }
  if (acc && key.metric === METRIC.httpReqs && acc.kind === 'trend')
    return { kind: 'counter', metric: key.metric, tags: key.tags, value: acc.count };
  return acc;
}

/** A gauge over the run: per window, the sum over workers; then the last, min and max of those. */
function gaugeFromWindows(windows: ReadonlyMap<number, WindowAgg>, metric: string, tags: Record<string, string>): SeriesAgg | undefined {
  let value = 0;
  let min = Infinity;
  let max = -Infinity;
  let any = false;
  for (const w of [...windows.values()].sort((a, b) => a.index - b.index)) {
    let sum = 0;
    let here = false;
    for (const s of w.series.values()) {
      if (s.metric === metric && s.kind === 'gauge' && includes(s.tags, tags)) {
        sum += s.value;
        here = true;
      }
    }
    if (!here) continue;
    any = true;
    value = sum;
    min = Math.min(min, sum);
    max = Math.max(max, sum);
  }
  return any ? { kind: 'gauge', metric, tags, value, min, max } : undefined;
}

/** What an aggregation observes on a series; undefined where it does not apply. Times in ms. */
export function observe(s: SeriesAgg, a: Aggregation, seconds: number): number | undefined {
  switch (s.kind) {
    case 'trend':
      if (s.count === 0) return undefined;
      switch (a.kind) {
        case 'avg':
          return s.sum / s.count / 1000;
        case 'min':
          return s.min / 1000;
        case 'max':
          return s.max / 1000;
        case 'med':
          return percentile(s.hist, 50) / 1000;
        case 'p':
          return percentile(s.hist, a.p) / 1000;
        case 'count':
          return s.count;
        default:
          return undefined;
      }
    case 'counter':
      return a.kind === 'count' ? s.value : a.kind === 'rate' ? (seconds > 0 ? s.value / seconds : 0) : undefined;
    case 'rate': {
      const n = s.passes + s.fails;
      return a.kind === 'rate' ? (n ? s.passes / n : undefined) : a.kind === 'count' ? s.passes : undefined;
    }
    case 'gauge':
      return a.kind === 'value' ? s.value : a.kind === 'min' ? s.min : a.kind === 'max' ? s.max : undefined;
  }
}

/** Judges every threshold on the merged data (pure: the same input gives the same verdicts). */
export function evaluateThresholds(
  sets: readonly ThresholdSet[],
  all: readonly SeriesAgg[],
  windows: ReadonlyMap<number, WindowAgg>,
  seconds: number,
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const set of sets) {
    const series = resolveMetric(all, windows, set.key);
    for (const t of set.thresholds) {
      const base = {
        metric: set.key.source,
        threshold: t.source,
        aggregation: aggregationName(t.aggregation),
        abortOnFail: t.abortOnFail,
        delayAbortEvalMs: t.delayAbortEvalMs,
      };
      if (!series) {
        out.push({ ...base, ok: false, note: 'no data' });
        continue;
      }
      const observed = observe(series, t.aggregation, seconds);
      if (observed === undefined) {
        const n =
          series.kind === 'trend' && series.count === 0
            ? 'no data'
            : `${aggregationName(t.aggregation)} does not apply to a ${series.kind}`;
        out.push({ ...base, ok: false, note: n });
        continue;
      }
      out.push({ ...base, ok: compare(observed, t.operator, t.value), observed });
    }
  }
  return out;
}

/** The first threshold that should abort the run now, if any (it must have data, and be past its delay). */
export function abortingThreshold(results: readonly ThresholdResult[], elapsedMs: number): ThresholdResult | undefined {
  return results.find((r) => r.abortOnFail && !r.ok && r.observed !== undefined && elapsedMs >= r.delayAbortEvalMs);
}
