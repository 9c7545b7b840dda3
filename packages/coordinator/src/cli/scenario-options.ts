import { errorMessage, parseDuration, VolleyError } from '@volley/shared';
import type { ScenarioDefinition } from '@volley/shared/scenario';
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
