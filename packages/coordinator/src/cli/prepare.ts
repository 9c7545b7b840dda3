import { loadScenario } from '@volley/worker/scenario-loader';
import { hasHost, parseDuration, VolleyError, type ScenarioBundle } from '@volley/shared';
import { StartRunBodySchema, type StartRunBody } from '../api/schema.js';
import { renderK6Json } from '../report/k6-json.js';
import { runHandleSummary, type SummaryHandler } from './handle-summary.js';
import { factsIsolated, handleSummaryIsolated, type ScenarioFacts } from './scenario-child.js';
import { applyScenarioPlan, scenarioThresholds, scenarioTrendStats, type LoadPlan } from './scenario-options.js';

/** A checked start request, and the scenario's handleSummary (k6's), which runs when the run ends. */
export interface Prepared {
  body: ReturnType<typeof StartRunBodySchema.parse>;
  handleSummary?: SummaryHandler;
}

/**
 * A start request for a scenario file: bundled, loaded once (a bad
 * scenario fails before any worker or traffic), its thresholds, hooks and
 * (unless the command line set the load) its own plan applied. `isolated`:
 * the scenario's code runs only in a child process with a time and memory
 * limit (scenario-child.ts), as a coordinator's dashboard must; else here,
 * as the user's own command runs their own file.
 */
export async function prepareStart(
  scenarioFile: string | ScenarioBundle,
  given: Omit<StartRunBody, 'scenario'>,
  plan: LoadPlan,
  o: { isolated?: boolean; warn?: (line: string) => void } = {},
): Promise<Prepared> {
  // esbuild loads only when there is a scenario file to bundle
  const scenario = typeof scenarioFile === 'string' ? await (await import('../bundle.js')).bundleScenario(scenarioFile) : scenarioFile;
  const name = typeof scenarioFile === 'string' ? scenarioFile : scenarioFile.name;
  const env = given.env ?? {};
  let facts: ScenarioFacts;
  let handleSummary: SummaryHandler | undefined;
  if (o.isolated) {
    facts = await factsIsolated(scenario, env);
    if (facts.handleSummary) handleSummary = (summary) => handleSummaryIsolated(scenario, env, renderK6Json(summary));
  } else {
    const def = await loadScenario(scenario, `check-${process.pid}`, env);
    facts = {
      options: def.options,
      thresholds: def.thresholds,
      setup: !!def.setup,
      teardown: !!def.teardown,
      handleSummary: !!def.handleSummary,
      ...(def.perVu ? { k6: { ignored: def.k6Ignored ?? [] } } : {}),
    };
    const hs = def.handleSummary;
    if (hs) handleSummary = (summary) => runHandleSummary(hs, JSON.parse(renderK6Json(summary)) as Record<string, unknown>);
  }
  if (!hasHost(given.host) && !facts.k6)
    throw new VolleyError('VOLLEY_BAD_OPTION', '--host is required: the base URL of the system under test, e.g. http://localhost:8000');
  for (const k of facts.k6?.ignored ?? [])
    (o.warn ?? ((l: string) => void process.stderr.write(`warning: ${l}\n`)))(
      `${name}: options.${k} is not supported by Volley and has no effect`,
    );
  // k6's insecureSkipTLSVerify option, as --insecure-skip-tls-verify
  if ((facts.options as { insecureSkipTLSVerify?: unknown } | undefined)?.insecureSkipTLSVerify === true)
    given = { ...given, targetTls: { ...given.targetTls, insecure: true } };
  const withPlan = applyScenarioPlan(given, facts, name, plan);
  const k6Timeout = (key: 'setupTimeout' | 'teardownTimeout'): number | undefined => {
    const v = (facts.options as Record<string, unknown> | undefined)?.[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number')
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `${name}: options.${key} must be a duration, e.g. '60s'`);
    return parseDuration(v, `${name}: options.${key}`);
  };
  const timeouts = { setupTimeoutMs: k6Timeout('setupTimeout'), teardownTimeoutMs: k6Timeout('teardownTimeout') };
  const body = StartRunBodySchema.parse({
    ...withPlan,
    ...timeouts,
    scenario,
    thresholds: scenarioThresholds(facts, name),
    setup: facts.setup,
    teardown: facts.teardown,
    summaryTrendStats: given.summaryTrendStats ?? scenarioTrendStats(facts, name),
  });
  return { body, handleSummary };
}
