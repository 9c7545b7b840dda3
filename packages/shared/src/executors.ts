import { z } from './zod.js';
import { stagesDuration } from './plan.js';
import { ownerOf, shareOf, type Segment } from './segments.js';
import { StageList, type Stage } from './stages.js';

/**
 * k6's executors as plain data. A run is a list of scenarios; each starts
 * at `startTimeMs` after the run's start instant and runs one executor.
 * Every count (VUs, iterations, arrivals) is split across workers with the
 * run's execution segments, so the shares always add up to the whole.
 */
const Count = z.int().check(z.minimum(0), z.maximum(10_000_000));
const Ms = z.int().check(z.minimum(0), z.maximum(31 * 24 * 3_600_000));

/**
 * Arrival rates: an iteration due with no free VU waits for one (wrk2's
 * model), at most `limit` of them across the cluster, instead of being
 * dropped (k6's). Volley's own option.
 */
const Queue = z.optional(z.object({ limit: z.int().check(z.minimum(1), z.maximum(10_000_000)) }));

export const ExecutorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ramping-vus'), startVUs: Count, stages: StageList, gracefulRampDownMs: Ms }),
  z.object({ type: z.literal('constant-vus'), vus: Count, durationMs: Ms }),
  z.object({ type: z.literal('per-vu-iterations'), vus: Count, iterations: Count, maxDurationMs: Ms }),
  z.object({ type: z.literal('shared-iterations'), vus: Count, iterations: Count, maxDurationMs: Ms }),
  z.object({
    type: z.literal('constant-arrival-rate'),
    rate: z.number().check(z.positive(), z.maximum(10_000_000)),
    timeUnitMs: z.int().check(z.positive(), z.maximum(86_400_000)),
    durationMs: Ms,
    preAllocatedVUs: Count,
    maxVUs: Count,
    queue: Queue,
  }),
  z.object({
    type: z.literal('ramping-arrival-rate'),
    startRate: z.number().check(z.minimum(0), z.maximum(10_000_000)),
    timeUnitMs: z.int().check(z.positive(), z.maximum(86_400_000)),
    stages: StageList,
    preAllocatedVUs: Count,
    maxVUs: Count,
    queue: Queue,
  }),
]);

export const ScenarioPlanSchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[\w.-]+$/, 'letters, digits, _ . - only')),
  /** the function it runs: a named export of a k6 module; absent = the default (or the Locust users) */
  exec: z.optional(z.string().check(z.maxLength(128))),
  startTimeMs: Ms,
  /** how long in-flight iterations may finish after the scenario's end */
  gracefulStopMs: Ms,
  executor: ExecutorSchema,
  /** k6's scenario env: over the run's --env for this scenario's VUs */
  env: z.optional(z.record(z.string().check(z.maxLength(256)), z.string().check(z.maxLength(8192)))),
  /** k6's scenario tags: on this scenario's requests and checks */
  tags: z.optional(z.record(z.string().check(z.maxLength(128)), z.string().check(z.maxLength(512)))),
});

export type ExecutorConfig = z.infer<typeof ExecutorSchema>;
export type ScenarioPlan = z.infer<typeof ScenarioPlanSchema>;

/** How long an executor runs (its maximum, for the iteration-based ones). */
export function executorDuration(e: ExecutorConfig): number {
  switch (e.type) {
    case 'ramping-vus':
      return stagesDuration(e.stages);
    case 'constant-vus':
      return e.durationMs;
    case 'per-vu-iterations':
    case 'shared-iterations':
      return e.maxDurationMs;
    case 'constant-arrival-rate':
      return e.durationMs;
    case 'ramping-arrival-rate':
      return stagesDuration(e.stages);
  }
}

/** The most VUs a plan's scenarios may hold together. */
export function planMaxVus(scenarios: readonly ScenarioPlan[]): number {
  return scenarios.reduce((n, s) => n + executorMaxVus(s.executor), 0);
}

/** When the last scenario ends (graceful stops not counted). */
export function planDuration(scenarios: readonly ScenarioPlan[]): number {
  return Math.max(0, ...scenarios.map((s) => s.startTimeMs + executorDuration(s.executor)));
}

/**
 * The iterations a segment owes for an iteration executor: per-vu-iterations,
 * its VUs × iterations; shared-iterations, those dealt to its VU numbers
 * (iteration j belongs to VU ((j − 1) mod vus) + 1). 0 for other executors.
 * Worker and coordinator compute it alike, so a lost worker's unfinished
 * iterations can move to the others.
 */
export function iterationsOwed(e: ExecutorConfig, seg: Segment): number {
  if (e.type === 'per-vu-iterations') return shareOf(e.vus, seg) * e.iterations;
  if (e.type !== 'shared-iterations' || e.vus === 0) return 0;
  let n = 0;
  for (let u = 1; u <= Math.min(e.vus, e.iterations); u++) {
    if (ownerOf(u, seg.weights) === seg.index) n += Math.floor((e.iterations - u) / e.vus) + 1;
  }
  return n;
}

/** The most VUs an executor may hold at once (for the summary's "users"). */
export function executorMaxVus(e: ExecutorConfig): number {
  switch (e.type) {
    case 'ramping-vus':
      return Math.max(e.startVUs, ...e.stages.map((s) => s.target));
    case 'constant-vus':
    case 'per-vu-iterations':
    case 'shared-iterations':
      return e.vus;
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return Math.max(e.preAllocatedVUs, e.maxVUs);
  }
}

/**
 * Due times of an arrival rate: iteration k (1-based) is due when the
 * integral of the rate reaches k − 1, so the first starts at 0. The rate
 * is piecewise linear from `startRate` through each stage's target
 * (iterations per `timeUnitMs`). Returns ms after the executor's start, or
 * undefined when iteration k falls after the end.
 */
export function arrivalTime(k: number, startRate: number, stages: readonly Stage[], timeUnitMs: number): number | undefined {
  let need = k - 1; // iterations that must have arrived before this one
  let at = 0;
  let r0 = startRate / timeUnitMs; // per ms
  for (const st of stages) {
    const d = st.durationMs;
    const r1 = st.target / timeUnitMs;
    const area = ((r0 + r1) / 2) * d;
    if (need < area || (need === 0 && d > 0 && r0 + r1 > 0)) {
      // solve r0·t + (r1 − r0)·t²/(2d) = need for t in [0, d]
      const a = (r1 - r0) / (2 * d);
      const t = Math.abs(a) < 1e-15 ? need / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * need)) / (2 * a);
      return at + Math.min(d, Math.max(0, t));
    }
    need -= area;
    at += d;
    r0 = r1;
  }
  return undefined;
}
