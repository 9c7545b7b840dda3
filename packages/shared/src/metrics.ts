import type { Histogram } from './histogram.js';

/**
 * The metric model (k6's four kinds). A series is a metric plus its tags;
 * windows carry per-series deltas, so merging is commutative and
 * associative: adding windows in any order, from any number of workers,
 * gives the same totals.
 */
export type MetricKind = 'trend' | 'counter' | 'rate' | 'gauge';
export type Tags = Readonly<Record<string, string>>;

/** Built-in metrics, named as k6 names them. */
export const METRIC = {
  httpReqDuration: 'http_req_duration',
  /** from the call (or the due time) until a connection took the request; includes connecting and TLS */
  httpReqBlocked: 'http_req_blocked',
  /** the TCP connect of a new connection (0 on a reused one) */
  httpReqConnecting: 'http_req_connecting',
  /** the TLS handshake of a new connection (0 on a reused one or plain HTTP) */
  httpReqTlsHandshaking: 'http_req_tls_handshaking',
  /** writing the request to the connection */
  httpReqSending: 'http_req_sending',
  /** from the request written to the response headers (time to first byte) */
  httpReqWaiting: 'http_req_waiting',
  /** time reading the response body */
  httpReqReceiving: 'http_req_receiving',
  httpReqs: 'http_reqs',
  httpReqFailed: 'http_req_failed',
  dataReceived: 'data_received',
  dataSent: 'data_sent',
  iterations: 'iterations',
  iterationDuration: 'iteration_duration',
  checks: 'checks',
  /** Failures by reason (Locust's failures table); tags: method, name, error. */
  httpReqErrors: 'http_req_errors',
} as const;

/** k6's request phases, in the order they happen: trends in ms, as the duration is. */
export const HTTP_REQ_PHASES = [
  METRIC.httpReqBlocked,
  METRIC.httpReqConnecting,
  METRIC.httpReqTlsHandshaking,
  METRIC.httpReqSending,
  METRIC.httpReqWaiting,
  METRIC.httpReqReceiving,
] as const;

/** Series as they travel in a window (see protocol.ts for validation). */
export type SeriesWire =
  | { kind: 'trend'; metric: string; tags: Tags; count: number; sum: number; min: number; max: number; hist: string }
  | { kind: 'counter'; metric: string; tags: Tags; value: number }
  | { kind: 'rate'; metric: string; tags: Tags; passes: number; fails: number }
  | { kind: 'gauge'; metric: string; tags: Tags; value: number };

/** A series being accumulated (decoded histogram, running totals). */
export type SeriesAgg =
  | { kind: 'trend'; metric: string; tags: Tags; count: number; sum: number; min: number; max: number; hist: Histogram }
  | { kind: 'counter'; metric: string; tags: Tags; value: number }
  | { kind: 'rate'; metric: string; tags: Tags; passes: number; fails: number }
  | { kind: 'gauge'; metric: string; tags: Tags; value: number; min: number; max: number };

/** `metric{a:1,b:2}` with tags sorted: k6's spelling of a sub-metric. */
export function seriesKey(metric: string, tags: Tags): string {
  const names = Object.keys(tags);
  if (names.length === 0) return metric;
  if (names.length > 1) names.sort();
  // a loop, not map/join: a coordinator keys tens of thousands of series a second
  let key = `${metric}{`;
  for (let i = 0; i < names.length; i++) key += `${i ? ',' : ''}${names[i]}:${tags[names[i]!]}`;
  return `${key}}`;
}

/** A trend's count, sum, min and max: what adds without its histogram. */
export interface TrendStats {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Adds `s`'s count, sum, min and max into `acc` (the histogram is the caller's to add). */
export function addTrendStats(acc: TrendStats, s: TrendStats): void {
  acc.count += s.count;
  acc.sum += s.sum;
  acc.min = Math.min(acc.min, s.min);
  acc.max = Math.max(acc.max, s.max);
}
