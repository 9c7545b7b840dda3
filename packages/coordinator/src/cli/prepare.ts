import { loadScenario } from '@volley/worker/scenario-loader';
import type { ScenarioBundle } from '@volley/shared';
import type { HandleSummary } from '@volley/shared/scenario';
import { StartRunBodySchema, type StartRunBody } from '../api/schema.js';
import { applyScenarioPlan, scenarioThresholds, scenarioTrendStats, type LoadPlan } from './scenario-options.js';

/** A checked start request, and the scenario's handleSummary (k6's), which runs here when the run ends. */
export interface Prepared {
  body: ReturnType<typeof StartRunBodySchema.parse>;
  handleSummary?: HandleSummary;
}

/**
 * A start request for a scenario file: bundled, loaded once here (a bad
 * scenario fails before any worker or traffic), its thresholds, hooks and
 * (unless the command line set the load) its own plan applied.
 */
export async function prepareStart(
  scenarioFile: string | ScenarioBundle,
  given: Omit<StartRunBody, 'scenario'>,
  plan: LoadPlan,
): Promise<Prepared> {
  // esbuild loads only when there is a scenario file to bundle
  const scenario = typeof scenarioFile === 'string' ? await (await import('../bundle.js')).bundleScenario(scenarioFile) : scenarioFile;
  const name = typeof scenarioFile === 'string' ? scenarioFile : scenarioFile.name;
  const def = await loadScenario(scenario, `check-${process.pid}`, given.env);
  const withPlan = applyScenarioPlan(given, def, name, plan);
  const body = StartRunBodySchema.parse({
    ...withPlan, scenario, thresholds: scenarioThresholds(def, name), setup: !!def.setup, teardown: !!def.teardown,
    summaryTrendStats: given.summaryTrendStats ?? scenarioTrendStats(def, name),
  });
  return { body, handleSummary: def.handleSummary };
}
