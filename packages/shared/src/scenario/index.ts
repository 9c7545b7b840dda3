/**
 * The scenario API: what a scenario file imports (`import { defineScenario,
 * between } from 'volley'`). Pure descriptions; the worker runs them.
 *
 * Locust's model: user classes with weights, an on-start hook that makes
 * the user's own state, weighted tasks, and a wait time between tasks.
 */

/** A response as a task sees it: the body is read whole. */
export interface VolleyResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** request duration in milliseconds, as http_req_duration counts it: from when a connection took the request (for the first request of an arrival-rate iteration, from when the iteration was due) to the last byte read */
  readonly durationMs: number;
  /** set when no response came (status 0): the client's error code, e.g. ECONNREFUSED */
  readonly error?: string;
  text(): string;
  json<T = unknown>(): T;
}

/**
 * A verdict on a response (not asked when the request failed in transport), as Locust's catch_response: `true` is a success,
 * a string is a failure with that reason, `false` a failure with the default
 * reason. Without a verdict, a status below 400 is a success.
 */
export type Verdict = boolean | string;

export interface RequestOptions {
  /** the name requests are grouped under in the statistics (default: the path) */
  name?: string;
  headers?: Record<string, string>;
  /** a JSON body (sets content-type) */
  json?: unknown;
  /** a raw body */
  body?: string | Buffer;
  verdict?: (res: VolleyResponse) => Verdict;
  /** per-request timeout in ms (default 60 s) */
  timeoutMs?: number;
  /** extra tags on this request's metrics (thresholds can filter on them) */
  tags?: Record<string, string>;
}

/**
 * One request of a batch: a path or URL (GET), `[method, path, options]`,
 * or `{ method, path (or k6's url), options }`. Unlike k6's tuple, the
 * body goes in the options (`body` or `json`), as in every other call.
 */
export type BatchRequest =
  | string
  | readonly [method: string, path: string, options?: RequestOptions]
  | { readonly method?: string; readonly path?: string; readonly url?: string; readonly options?: RequestOptions };

export interface HttpClient {
  request(method: string, path: string, options?: RequestOptions): Promise<VolleyResponse>;
  /**
   * k6's http.batch: the requests at once (a VU opens up to six connections
   * to an origin), answered in the same order, or under the same keys.
   */
  batch(requests: readonly BatchRequest[]): Promise<VolleyResponse[]>;
  batch<K extends string>(requests: Readonly<Record<K, BatchRequest>>): Promise<Record<K, VolleyResponse>>;
  get(path: string, options?: RequestOptions): Promise<VolleyResponse>;
  post(path: string, options?: RequestOptions): Promise<VolleyResponse>;
  put(path: string, options?: RequestOptions): Promise<VolleyResponse>;
  patch(path: string, options?: RequestOptions): Promise<VolleyResponse>;
  delete(path: string, options?: RequestOptions): Promise<VolleyResponse>;
}

/** What a hook or a task is handed. */
export interface UserContext<S> {
  /** the HTTP client, bound to the run's host */
  readonly http: HttpClient;
  /** the state made by onStart (undefined without onStart) */
  readonly state: S;
  /** this user's number across the whole cluster, 1-based */
  readonly vu: number;
  /** the run's environment: --env pairs over the worker's process environment */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** think time that ends early when the user is stopped (k6's sleep) */
  sleep(seconds: number): Promise<void>;
  /** k6's group(): requests inside are tagged group=::name (nested ::a::b); its time goes to group_duration */
  group<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  /** what setup() returned, shared read-only by every VU on every worker */
  readonly data: unknown;
  /** data files given with --data NAME=FILE (CSV rows as objects, or JSON), shared read-only */
  readonly files: Readonly<Record<string, any>>;
}

export interface Task<S> {
  /** for messages; requests are named by their own `name` */
  name?: string;
  /** relative frequency (Locust's @task(weight)); default 1 */
  weight?: number;
  run(ctx: UserContext<S>): Promise<void> | void;
}

/** Seconds to wait after each task, drawn per call. */
export type WaitTime =
  | { kind: 'between'; min: number; max: number }
  | { kind: 'constant'; seconds: number }
  /** a task starts every `seconds`: the wait is what the task left of it */
  | { kind: 'pacing'; seconds: number };

export interface UserDefinition<S> {
  name?: string;
  /** relative share of the users (Locust's weight); default 1 */
  weight?: number;
  waitTime?: WaitTime;
  onStart?(ctx: UserContext<undefined>): Promise<S> | S;
  onStop?(ctx: UserContext<S>): Promise<void> | void;
  tasks: readonly Task<S>[];
}

/**
 * Thresholds in k6's syntax, judged on the whole cluster's merged data while
 * the run goes on: { 'http_req_duration{name:login}': ['p(95)<150'] }.
 * With abortOnFail the run stops once the threshold fails (after
 * delayAbortEval, e.g. '10s'); any failed threshold makes the exit code 99.
 */
export type Thresholds = Record<string, (string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string })[]>;

/** One of k6's executors, as a scenario file writes it (durations like '30s'). */
export type K6Scenario = {
  /** the exported function it runs (default: the default export) */
  exec?: string;
  startTime?: string;
  gracefulStop?: string;
  /** over the run's --env for this scenario's VUs */
  env?: Record<string, string>;
  /** tags on this scenario's requests and checks */
  tags?: Record<string, string>;
} & (
  | { executor: 'ramping-vus'; startVUs?: number; stages: { duration: string; target: number }[]; gracefulRampDown?: string }
  | { executor: 'constant-vus'; vus?: number; duration: string }
  | { executor: 'per-vu-iterations'; vus?: number; iterations?: number; maxDuration?: string }
  | { executor: 'shared-iterations'; vus?: number; iterations?: number; maxDuration?: string }
  | ({
      executor: 'constant-arrival-rate';
      rate: number;
      timeUnit?: string;
      duration: string;
      preAllocatedVUs: number;
      maxVUs?: number;
    } & QueueOption)
  | ({
      executor: 'ramping-arrival-rate';
      startRate?: number;
      timeUnit?: string;
      stages: { duration: string; target: number }[];
      preAllocatedVUs: number;
      maxVUs?: number;
    } & QueueOption)
);

/**
 * Volley's, for arrival rates: `queue: true` lets an iteration due with no
 * free VU wait for one, timed from when it was due (wrk2's model), instead
 * of being dropped (k6's); a number also sets how many may wait across the
 * cluster (default: 10 s of the peak rate, 1,000 to 1,000,000). Past the
 * limit they are dropped, and counted.
 */
export interface QueueOption {
  queue?: boolean | number;
}

/** k6's options, as far as Volley takes them. */
export interface K6Options {
  /** ramping-vus: ramp linearly to each target over its duration ('2m', '30s') */
  stages?: { duration: string; target: number }[];
  /** constant-vus: this many users for `duration`; with `iterations`, shared-iterations */
  vus?: number;
  duration?: string;
  iterations?: number;
  /** several scenarios, each with its executor */
  scenarios?: Record<string, K6Scenario>;
  thresholds?: Thresholds;
  /** the statistics each trend shows in the summary, e.g. ['avg', 'p(95)', 'p(99.9)'] (--summary-trend-stats wins) */
  summaryTrendStats?: string[];
}

export interface ScenarioDefinition {
  /** the API version this file was written against */
  readonly volley: 1;
  readonly users: readonly UserDefinition<any>[];
  readonly thresholds?: Thresholds;
  /** how to run it when the command line does not say (k6 scripts) */
  readonly options?: K6Options;
  /** functions scenarios can name in `exec` (a k6 module's named exports) */
  readonly exec?: Readonly<Record<string, IterationFunction>>;
  /** runs once for the whole cluster before the run; its result (JSON) reaches every iteration as `ctx.data` */
  readonly setup?: (ctx: SetupContext) => unknown;
  /** runs once for the whole cluster after the run, with setup's result */
  readonly teardown?: (ctx: SetupContext) => unknown;
  /** k6's: the end-of-test summary is handed to it; its result says what to print and write instead of the default */
  readonly handleSummary?: HandleSummary;
  /** a k6 script: each VU makes its own instance of the script on start (k6's per-VU module state) */
  readonly perVu?: PerVuSource;
  /** a k6 script's options that Volley does not follow, named at start */
  readonly k6Ignored?: readonly string[];
}

/** What each VU of a k6 script runs, for one scenario's `exec` (the default function without). */
export type PerVuSource = (exec: string | undefined) => {
  readonly name: string;
  onStart(ctx: UserContext<undefined>): Promise<unknown>;
  iterate(ctx: UserContext<any>): Promise<void> | void;
};

/**
 * k6's `handleSummary(data)`: `data` is the summary as `--json` writes it
 * (k6's shape); the result maps `stdout`, `stderr` or a file path to what
 * goes there. With it, the default summary is not printed.
 */
export type HandleSummary = (
  data: Record<string, any>,
) => Record<string, string | Uint8Array> | Promise<Record<string, string | Uint8Array>>;

/** What setup() and teardown() are handed. */
export interface SetupContext {
  readonly http: HttpClient;
  /** the run's --host */
  readonly host: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** setup()'s result (in teardown) */
  readonly data: unknown;
  readonly files: Readonly<Record<string, any>>;
}

declare global {
  /** k6's `__ENV`: the run's `--env` values over the process's environment, as `ctx.env` (also at a script's top level) */
  // eslint-disable-next-line no-var
  var __ENV: Readonly<Record<string, string | undefined>>;
}

/** k6's model: `export default async function (ctx) { … }` runs once per iteration, back to back. */
export type IterationFunction = (ctx: UserContext<undefined>) => Promise<void> | void;

export const EXECUTORS = [
  'ramping-vus',
  'constant-vus',
  'per-vu-iterations',
  'shared-iterations',
  'constant-arrival-rate',
  'ramping-arrival-rate',
] as const;

/** Wait between `min` and `max` seconds after each task (uniform). */
export function between(min: number, max: number): WaitTime {
  if (!(min >= 0) || !(max >= min)) throw new RangeError(`between(${min}, ${max}): need 0 ≤ min ≤ max`);
  return { kind: 'between', min, max };
}

/** Wait exactly `seconds` after each task. */
export function constant(seconds: number): WaitTime {
  if (!(seconds >= 0)) throw new RangeError(`constant(${seconds}): need seconds ≥ 0`);
  return { kind: 'constant', seconds };
}

/** Locust's constant_pacing: each task starts `seconds` after the previous one started (no wait if it took longer). */
export function constantPacing(seconds: number): WaitTime {
  if (!(seconds > 0)) throw new RangeError(`constantPacing(${seconds}): need seconds > 0`);
  return { kind: 'pacing', seconds };
}

/** Locust's constant_throughput: at most `perSecond` tasks a second per user. */
export function constantThroughput(perSecond: number): WaitTime {
  if (!(perSecond > 0)) throw new RangeError(`constantThroughput(${perSecond}): need perSecond > 0`);
  return { kind: 'pacing', seconds: 1 / perSecond };
}

/** Declares one user class; the type parameter is the state onStart makes. */
export function defineUser<S = undefined>(user: UserDefinition<S>): UserDefinition<S> {
  return user;
}

export function defineScenario(def: {
  users: readonly UserDefinition<any>[];
  thresholds?: Thresholds;
  setup?: ScenarioDefinition['setup'];
  teardown?: ScenarioDefinition['teardown'];
  handleSummary?: ScenarioDefinition['handleSummary'];
}): ScenarioDefinition {
  return { volley: 1, users: def.users, thresholds: def.thresholds, setup: def.setup, teardown: def.teardown };
}
export * from './metrics.js';
