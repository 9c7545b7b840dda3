/**
 * Custom metrics and checks for scenarios, as k6 has them. A scenario
 * bundle carries its own copy of this file, so measurements reach the
 * worker through a runtime it installs under a registered symbol; where no
 * runtime is installed (the CLI loading a scenario to check it) they are
 * ignored.
 */
export type MetricKindName = 'trend' | 'counter' | 'rate' | 'gauge';

export interface MetricsRuntime {
  add(kind: MetricKindName, name: string, value: number, tags?: Record<string, string>): void;
}

export const RUNTIME_KEY = Symbol.for('volley.metrics-runtime');

const runtime = (): MetricsRuntime | undefined => (globalThis as { [RUNTIME_KEY]?: MetricsRuntime })[RUNTIME_KEY];

/** Names Volley measures itself; a custom metric may not take one. */
export const BUILT_IN_METRICS = new Set([
  'http_req_duration',
  'http_reqs',
  'http_req_failed',
  'http_req_errors',
  'data_received',
  'data_sent',
  'iterations',
  'iteration_duration',
  'vus',
  'vus_max',
  'checks',
  'task_errors',
  'dropped_iterations',
  'queued_iterations',
  'group_duration',
]);

abstract class Metric {
  constructor(readonly name: string) {
    if (!/^[A-Za-z_]\w{0,127}$/.test(name))
      throw new TypeError(`metric name "${name}": letters, digits and _ only, starting with a letter or _`);
    if (BUILT_IN_METRICS.has(name)) throw new TypeError(`metric name "${name}" is built in; choose another`);
  }
}

/** A distribution (percentiles, avg, min, max); durations in ms, as k6. Values must be ≥ 0. */
export class Trend extends Metric {
  add(value: number, tags?: Record<string, string>): void {
    runtime()?.add('trend', this.name, value, tags);
  }
}

/** A running sum. */
export class Counter extends Metric {
  add(value = 1, tags?: Record<string, string>): void {
    runtime()?.add('counter', this.name, value, tags);
  }
}

/** The share of true (non-zero) values. */
export class Rate extends Metric {
  add(value: boolean | number, tags?: Record<string, string>): void {
    runtime()?.add('rate', this.name, value ? 1 : 0, tags);
  }
}

/** The last value set (summed over workers). */
export class Gauge extends Metric {
  add(value: number, tags?: Record<string, string>): void {
    runtime()?.add('gauge', this.name, value, tags);
  }
}

/**
 * Named assertions on a value, counted in the `checks` rate per name (a
 * check that throws fails). True when every one passed; a failed check does
 * not fail the request or stop the task.
 */
export function check<T>(value: T, checks: Record<string, (v: T) => boolean>, tags?: Record<string, string>): boolean {
  let all = true;
  for (const [name, fn] of Object.entries(checks)) {
    let ok: boolean;
    try {
      ok = !!fn(value);
    } catch {
      ok = false;
    }
    all &&= ok;
    runtime()?.add('rate', 'checks', ok ? 1 : 0, { ...tags, check: name });
  }
  return all;
}
