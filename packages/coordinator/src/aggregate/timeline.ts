import { addAgg, emptyAgg, METRIC, newHistogram, percentile, type SeriesAgg } from '@volley/shared';

/** Percentiles of Locust's CSV and tables, as strings keyed by percent. */
export const REQUEST_PERCENTILES = ['50', '66', '75', '80', '90', '95', '98', '99', '99.9', '99.99', '100'] as const;

/** One window index merged over every worker that sent it. */
export interface WindowAgg {
  readonly index: number;
  /** sum of the workers' VU counts at the end of the window */
  vus: number;
  workers: number;
  /** its series; once settled, without the trends (their histograms are the bulk) */
  readonly series: Map<string, SeriesAgg>;
  /** set once settled: its timeline point, kept instead of its histograms */
  point?: TimelinePoint;
}

/** One window of the merged time series. */
export interface TimelinePoint {
  /** seconds since the start instant */
  index: number;
  vus: number;
  /** how many workers reported this window */
  workers: number;
  requests: number;
  failures: number;
  /** this window's response-time percentiles over all requests, ms (Locust's "current" columns) */
  percentilesMs: Record<(typeof REQUEST_PERCENTILES)[number], number>;
  /** everything up to the end of this window (Locust's "Total" columns) */
  total: { count: number; failures: number; medMs: number; avgMs: number; minMs: number; maxMs: number; avgContentSize: number };
}

type Trend = Extract<SeriesAgg, { kind: 'trend' }>;
const us2ms = (us: number): number => us / 1000;

/** Running totals behind the timeline's "Total" columns. */
export interface Running {
  duration: Trend;
  failures: number;
  bytes: number;
}

export function newRunning(): Running {
  return { duration: emptyAgg('trend', METRIC.httpReqDuration, {}) as Trend, failures: 0, bytes: 0 };
}

export function copyRunning(r: Running): Running {
  const duration = { ...r.duration, hist: newHistogram() };
  duration.hist.add(r.duration.hist);
  return { duration, failures: r.failures, bytes: r.bytes };
}

/** The point for one window (its series still whole), advancing `running` past it. */
export function pointFor(w: WindowAgg, running: Running): TimelinePoint {
  const here = emptyAgg('trend', METRIC.httpReqDuration, {}) as Trend;
  let failures = 0;
  for (const s of w.series.values()) {
    if (s.metric === METRIC.httpReqDuration && s.kind === 'trend') addAgg(here, s);
    if (s.metric === METRIC.httpReqFailed && s.kind === 'rate') failures += s.passes;
    if (s.metric === METRIC.dataReceived && s.kind === 'counter') running.bytes += s.value;
  }
  addAgg(running.duration, here);
  running.failures += failures;
  const pct = {} as TimelinePoint['percentilesMs'];
  for (const p of REQUEST_PERCENTILES) pct[p] = us2ms(percentile(here.hist, Number(p)));
  const t = running.duration;
  return {
    index: w.index,
    vus: w.vus,
    workers: w.workers,
    requests: here.count,
    failures,
    percentilesMs: pct,
    total: {
      count: t.count,
      failures: running.failures,
      medMs: us2ms(percentile(t.hist, 50)),
      avgMs: t.count ? us2ms(t.sum / t.count) : 0,
      minMs: t.count ? us2ms(t.min) : 0,
      maxMs: t.count ? us2ms(t.max) : 0,
      avgContentSize: t.count ? running.bytes / t.count : 0,
    },
  };
}
