import { errorMessage, parseDuration, VolleyError } from '@volley/shared';
import type { ScenarioDefinition } from '@volley/shared/scenario';
import type { StartRunBody } from '../api/schema.js';
import { parseThresholds, type ThresholdSpecs } from '../thresholds/evaluate.js';

/**
 * What a scenario file says about how to run it (its thresholds), checked
 * here so a bad one is reported with the file's name before any traffic.
 */
export function scenarioThresholds(def: ScenarioDefinition, file: string): ThresholdSpecs {
  const specs: ThresholdSpecs = {};
  try {
    for (const [key, list] of Object.entries(def.thresholds ?? {})) {
      if (!Array.isArray(list)) throw new VolleyError('VOLLEY_BAD_SCENARIO', `thresholds["${key}"] must be a list, e.g. ['p(95)<150']`);
      specs[key] = list.map((t) =>
        typeof t === 'string'
          ? t
          : { threshold: t.threshold, abortOnFail: t.abortOnFail, delayAbortEvalMs: t.delayAbortEval === undefined ? undefined : parseDuration(t.delayAbortEval, `delayAbortEval of "${t.threshold}"`) },
      );
    }
    parseThresholds(specs);
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: ${errorMessage(err)}`, { cause: err });
  }
  return specs;
}

/**
 * The scenario's own plan (k6 options: stages, or vus + duration), scaled
 * by --time-scale, unless the command line set the load explicitly.
 */
export function applyScenarioPlan<B extends Omit<StartRunBody, 'scenario'>>(body: B, def: ScenarioDefinition, file: string, explicitLoad: boolean, timeScale: number): B {
  const o = def.options;
  if (explicitLoad || !o) return body;
  const scale = (ms: number): number => Math.round(ms * timeScale);
  let stages: { durationMs: number; target: number }[] | undefined;
  try {
    if (o.stages) stages = o.stages.map((st, i) => ({ durationMs: scale(parseDuration(st.duration, `options.stages[${i}].duration`)), target: st.target }));
    else if (o.vus !== undefined && o.duration !== undefined) {
      if (!Number.isInteger(o.vus) || o.vus < 0) throw new VolleyError('VOLLEY_BAD_SCENARIO', 'options.vus must be a whole number ≥ 0');
      stages = [{ durationMs: 0, target: o.vus }, { durationMs: scale(parseDuration(o.duration, 'options.duration')), target: o.vus }];
    }
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: ${errorMessage(err)}`, { cause: err });
  }
  if (!stages) return body;
  const runTimeMs = stages.reduce((t, st) => t + st.durationMs, 0);
  if (runTimeMs <= 0) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: the stages last no time at all`);
  return { ...body, stages, runTimeMs, users: Math.max(...stages.map((st) => st.target)) };
}
