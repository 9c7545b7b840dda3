import { VolleyError } from '../errors.js';

/**
 * Thresholds in k6's syntax. The grammar (kept beside the parser, as k6 does):
 *
 *   metric-key  := name [ "{" tag ":" value { "," tag ":" value } "}" ]
 *   threshold   := aggregation ws* operator ws* number
 *   aggregation := "avg" | "min" | "max" | "med" | "count" | "rate" | "value"
 *                | "p(" number ")"                      (0 ≤ number ≤ 100)
 *   operator    := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
 *   number      := a decimal, sign and exponent allowed
 *
 * A metric key with tags names a sub-metric: the series whose tags include
 * all of them. Durations are in milliseconds, rates are fractions (0..1).
 */
export type Aggregation = { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' } | { kind: 'p'; p: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface Threshold {
  /** the source text, e.g. "p(95)<150" */
  source: string;
  aggregation: Aggregation;
  operator: Operator;
  value: number;
  abortOnFail: boolean;
  /** with abortOnFail: do not abort before this many ms of the run */
  delayAbortEvalMs: number;
}

export interface MetricKey {
  /** as written, e.g. "http_req_duration{name:verify_biometric}" */
  source: string;
  metric: string;
  tags: Record<string, string>;
}

const KEY = /^([A-Za-z_][\w]*)(?:\{([^{}]*)\})?$/;
const EXPR =
  /^\s*(avg|min|max|med|count|rate|value|p\(\s*([0-9]+(?:\.[0-9]+)?)\s*\))\s*(<=|>=|===|==|!=|<|>)\s*([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)\s*$/;

export function parseMetricKey(source: string): MetricKey {
  const m = KEY.exec(source.trim());
  if (!m)
    throw new VolleyError(
      'VOLLEY_BAD_SCENARIO',
      `threshold metric "${source}": write a metric name, optionally with tags: http_req_duration{name:login}`,
    );
  const tags: Record<string, string> = {};
  if (m[2] !== undefined) {
    for (const part of m[2].split(',')) {
      const i = part.indexOf(':');
      const k = part.slice(0, i).trim();
      const v = part.slice(i + 1).trim();
      if (i <= 0 || !/^[A-Za-z_][\w]*$/.test(k) || v === '')
        throw new VolleyError('VOLLEY_BAD_SCENARIO', `threshold metric "${source}": tag "${part.trim()}" is not tag:value`);
      tags[k] = v;
    }
  }
  return { source, metric: m[1]!, tags };
}

export function parseThreshold(source: string, opts: { abortOnFail?: boolean; delayAbortEvalMs?: number } = {}): Threshold {
  const m = EXPR.exec(source);
  if (!m) throw new VolleyError('VOLLEY_BAD_SCENARIO', `threshold "${source}": write e.g. p(95)<150, avg<200, rate<0.01 or count>100`);
  let aggregation: Aggregation;
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (p < 0 || p > 100) throw new VolleyError('VOLLEY_BAD_SCENARIO', `threshold "${source}": a percentile is between 0 and 100`);
    aggregation = { kind: 'p', p };
  } else {
    aggregation = { kind: m[1] as Exclude<Aggregation['kind'], 'p'> };
  }
  return {
    source: source.trim(),
    aggregation,
    operator: m[3] as Operator,
    value: Number(m[4]),
    abortOnFail: opts.abortOnFail ?? false,
    delayAbortEvalMs: opts.delayAbortEvalMs ?? 0,
  };
}

export function aggregationName(a: Aggregation): string {
  return a.kind === 'p' ? `p(${a.p})` : a.kind;
}

export function compare(observed: number, op: Operator, value: number): boolean {
  switch (op) {
    case '<':
      return observed < value;
    case '<=':
      return observed <= value;
    case '>':
      return observed > value;
    case '>=':
      return observed >= value;
    case '==':
    case '===':
      return observed === value;
    case '!=':
      return observed !== value;
  }
}
