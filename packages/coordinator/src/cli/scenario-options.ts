import { parseTrendStats } from '../aggregate/trend-stats.js';
import { errorMessage, parseDuration, VolleyError } from '@volley/shared';
import type { K6Options, ScenarioDefinition } from '@volley/shared/scenario';
import { planDuration, planMaxVus, ScenarioPlanSchema, type ScenarioPlan } from '@volley/shared';
import type { StartRunBody } from '../api/schema.js';
import { parseThresholds, type ThresholdSpecs } from '../thresholds/evaluate.js';

/**
 * What a scenario file says about how to run it (its thresholds), checked
 * here so a bad one is reported with the file's name before any traffic.
 */
export function scenarioThresholds(def: Pick<ScenarioDefinition, 'thresholds'>, file: string): ThresholdSpecs {
  const specs: ThresholdSpecs = {};
  try {
    for (const [key, list] of Object.entries(def.thresholds ?? {})) {
      if (!Array.isArray(list)) throw new VolleyError('VOLLEY_BAD_SCENARIO', `thresholds["${key}"] must be a list, e.g. ['p(95)<150']`);
      specs[key] = list.map((t) =>
        typeof t === 'string'
          ? t
          : {
              threshold: t.threshold,
              abortOnFail: t.abortOnFail,
              delayAbortEvalMs:
                t.delayAbortEval === undefined ? undefined : parseDuration(t.delayAbortEval, `delayAbortEval of "${t.threshold}"`),
            },
      );
    }
    parseThresholds(specs);
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: ${errorMessage(err)}`, { cause: err });
  }
  return specs;
}

/** A script's own options.summaryTrendStats (k6's), checked; a bad one names the file. */
export function scenarioTrendStats(def: Pick<ScenarioDefinition, 'options'>, file: string): string[] | undefined {
  const stats = def.options?.summaryTrendStats;
  if (stats === undefined) return undefined;
  if (!Array.isArray(stats) || !stats.every((x) => typeof x === 'string'))
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: options.summaryTrendStats must be a list of strings, e.g. ['avg', 'p(95)']`);
  try {
    return parseTrendStats(stats.join(','));
  } catch (err) {
    throw new VolleyError(
      'VOLLEY_BAD_SCENARIO',
      `${file}: options.${errorMessage(err).replace('--summary-trend-stats', 'summaryTrendStats')}`,
    );
  }
}

const DEFAULT_GRACEFUL_MS = 30_000;

/**
 * k6's options as Volley scenarios: `scenarios` as they are; otherwise
 * `stages` (ramping-vus), `vus` + `duration` (constant-vus) or `vus` +
 * `iterations` (shared-iterations), as k6 reads its shortcuts. Durations
 * are multiplied by `timeScale` (not time units nor graceful periods).
 */
export function plansFromOptions(o: K6Options, timeScale: number): ScenarioPlan[] | undefined {
  const ms = (text: string | undefined, what: string, fallback?: number): number => {
    if (text === undefined) {
      if (fallback === undefined) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${what} is required`);
      return fallback;
    }
    return parseDuration(text, what);
  };
  const scaled = (text: string | undefined, what: string, fallback?: number): number => Math.round(ms(text, what, fallback) * timeScale);
  const stagesOf = (list: { duration: string; target: number }[], what: string) =>
    list.map((st, i) => ({ durationMs: scaled(st.duration, `${what}[${i}].duration`), target: st.target }));
  const whole = (n: number | undefined, what: string, fallback: number): number => {
    const v = n ?? fallback;
    if (!Number.isInteger(v) || v < 0) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${what} must be a whole number ≥ 0`);
    return v;
  };
  /** Volley's `queue` option of an arrival rate: its limit, given or 10 s of the peak rate per second. */
  const queueOf = (q: boolean | number | undefined, peakPerSecond: number, what: string): { queue?: { limit: number } } => {
    if (q === undefined || q === false) return {};
    if (q === true) return { queue: { limit: Math.min(1_000_000, Math.max(1000, Math.ceil(peakPerSecond * 10))) } };
    if (!Number.isInteger(q) || q < 1) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${what} must be true, false or a whole number ≥ 1`);
    return { queue: { limit: q } };
  };
  if (o.scenarios) {
    return Object.entries(o.scenarios).map(([name, sc]) => {
      const at = `options.scenarios.${name}`;
      const common = {
        name,
        exec: sc.exec,
        startTimeMs: scaled(sc.startTime, `${at}.startTime`, 0),
        gracefulStopMs: ms(sc.gracefulStop, `${at}.gracefulStop`, DEFAULT_GRACEFUL_MS),
        ...(sc.env ? { env: sc.env } : {}),
        ...(sc.tags ? { tags: sc.tags } : {}),
      };
      const rateUnit = (t: string | undefined) => ms(t, `${at}.timeUnit`, 1000);
      switch (sc.executor) {
        case 'ramping-vus':
          return {
            ...common,
            executor: {
              type: sc.executor,
              startVUs: whole(sc.startVUs, `${at}.startVUs`, 1),
              stages: stagesOf(sc.stages, `${at}.stages`),
              gracefulRampDownMs: ms(sc.gracefulRampDown, `${at}.gracefulRampDown`, DEFAULT_GRACEFUL_MS),
            },
          };
        case 'constant-vus':
          return {
            ...common,
            executor: { type: sc.executor, vus: whole(sc.vus, `${at}.vus`, 1), durationMs: scaled(sc.duration, `${at}.duration`) },
          };
        case 'per-vu-iterations':
        case 'shared-iterations':
          return {
            ...common,
            executor: {
              type: sc.executor,
              vus: whole(sc.vus, `${at}.vus`, 1),
              iterations: whole(sc.iterations, `${at}.iterations`, 1),
              maxDurationMs: scaled(sc.maxDuration, `${at}.maxDuration`, 600_000),
            },
          };
        case 'constant-arrival-rate':
          return {
            ...common,
            executor: {
              type: sc.executor,
              rate: sc.rate,
              timeUnitMs: rateUnit(sc.timeUnit),
              durationMs: scaled(sc.duration, `${at}.duration`),
              preAllocatedVUs: whole(sc.preAllocatedVUs, `${at}.preAllocatedVUs`, 1),
              maxVUs: whole(sc.maxVUs, `${at}.maxVUs`, sc.preAllocatedVUs),
              ...queueOf(sc.queue, (sc.rate * 1000) / rateUnit(sc.timeUnit), `${at}.queue`),
            },
          };
        case 'ramping-arrival-rate':
          return {
            ...common,
            executor: {
              type: sc.executor,
              startRate: sc.startRate ?? 0,
              timeUnitMs: rateUnit(sc.timeUnit),
              stages: stagesOf(sc.stages, `${at}.stages`),
              preAllocatedVUs: whole(sc.preAllocatedVUs, `${at}.preAllocatedVUs`, 1),
              maxVUs: whole(sc.maxVUs, `${at}.maxVUs`, sc.preAllocatedVUs),
              ...queueOf(
                sc.queue,
                (Math.max(sc.startRate ?? 0, ...sc.stages.map((st) => st.target)) * 1000) / rateUnit(sc.timeUnit),
                `${at}.queue`,
              ),
            },
          };
        default:
          throw new VolleyError('VOLLEY_BAD_SCENARIO', `${at}: unknown executor "${String((sc as { executor?: unknown }).executor)}"`);
      }
    });
  }
  const common = { name: 'default', startTimeMs: 0, gracefulStopMs: DEFAULT_GRACEFUL_MS };
  if (o.stages)
    return [
      {
        ...common,
        executor: {
          type: 'ramping-vus',
          startVUs: 0,
          stages: stagesOf(o.stages, 'options.stages'),
          gracefulRampDownMs: DEFAULT_GRACEFUL_MS,
        },
      },
    ];
  // iterations with a duration: shared-iterations, the duration its limit (as k6 reads the two together)
  if (o.iterations !== undefined)
    return [
      {
        ...common,
        executor: {
          type: 'shared-iterations',
          vus: whole(o.vus, 'options.vus', 1),
          iterations: whole(o.iterations, 'options.iterations', 1),
          maxDurationMs: scaled(o.duration, 'options.duration', 600_000),
        },
      },
    ];
  if (o.vus !== undefined && o.duration !== undefined)
    return [
      {
        ...common,
        executor: { type: 'constant-vus', vus: whole(o.vus, 'options.vus', 1), durationMs: scaled(o.duration, 'options.duration') },
      },
    ];
  return undefined;
}

/** How a run's load is set: by the command line (Locust's flags, or k6's as `k6`), else by the scenario's own options. */
export interface LoadPlan {
  /** Locust's flags were given: users at a spawn rate for a run time, not the scenario's plan */
  explicitLoad: boolean;
  timeScale: number;
  /** k6's flags, as k6's options: their plan replaces the scenario's */
  k6?: K6Options;
}

/** The plan of k6's flags, or else the scenario's own, unless Locust's flags set the load. */
export function applyScenarioPlan<B extends Omit<StartRunBody, 'scenario'>>(
  body: B,
  def: Pick<ScenarioDefinition, 'options'>,
  file: string,
  plan: LoadPlan,
): B {
  const options = plan.k6 ?? (plan.explicitLoad ? undefined : def.options);
  if (!options) return body;
  let scenarios: ScenarioPlan[] | undefined;
  try {
    // the flags' durations are taken as written; --time-scale shortens the scenario's own
    scenarios = plansFromOptions(options, plan.k6 ? 1 : plan.timeScale);
    if (scenarios) for (const sc of scenarios) ScenarioPlanSchema.parse(sc);
  } catch (err) {
    const issue = (err as { issues?: { path: (string | number)[]; message: string }[] }).issues?.[0];
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : errorMessage(err)}`, {
      cause: err,
    });
  }
  if (!scenarios) return body;
  const runTimeMs = planDuration(scenarios);
  if (runTimeMs <= 0) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: the scenarios last no time at all`);
  return { ...body, scenarios, runTimeMs, users: planMaxVus(scenarios) };
}
