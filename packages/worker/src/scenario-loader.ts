import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VolleyError, errorMessage, type ScenarioBundle } from '@volley/shared';
import { importModule } from './import-module.js';
import { privateTempDir } from './private-temp.js';
import { isK6Script, k6Definition } from './k6/script.js';
import { EXECUTORS, type IterationFunction, type K6Options, type ScenarioDefinition, type UserDefinition } from '@volley/shared/scenario';

/**
 * Loads a bundled scenario (one ESM module from the coordinator) and checks
 * its shape, so a bad scenario fails at prepare — before any traffic.
 */
let loads = 0;

export async function loadScenario(
  bundle: ScenarioBundle,
  runId: string,
  runEnv: Readonly<Record<string, string>> = {},
): Promise<ScenarioDefinition> {
  // k6's __ENV, for a script's top level as much as its functions: the run's --env over this process's environment (as ctx.env)
  (globalThis as { __ENV?: unknown }).__ENV = Object.freeze({ ...process.env, ...runEnv });
  // a new file name for every load: Node caches ES modules by URL, so a
  // second load of the same name would return the first scenario
  const file = join(await privateTempDir(), `${runId}-${++loads}.mjs`);
  await writeFile(file, bundle.code, { mode: 0o600, flag: 'wx' });
  let mod: { default?: unknown; options?: unknown };
  try {
    mod = (await importModule(pathToFileURL(file).href)) as { default?: unknown; options?: unknown };
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${bundle.name}: failed to load: ${errorMessage(err)}`, { cause: err });
  } finally {
    await rm(file, { force: true });
  }
  if (isK6Script(mod.default))
    return k6Definition(mod.default, bundle.name, (globalThis as { __ENV: Record<string, string | undefined> }).__ENV);
  const exec: Record<string, IterationFunction> = {};
  for (const [k, v] of Object.entries(mod))
    if (!['default', 'setup', 'teardown', 'handleSummary'].includes(k) && typeof v === 'function') exec[k] = v as IterationFunction;
  const def =
    typeof mod.default === 'function'
      ? fromK6Module(mod.default as IterationFunction, mod.options, bundle.name)
      : validateScenario(mod.default, bundle.name);
  const hooks = mod as { setup?: unknown; teardown?: unknown; handleSummary?: unknown };
  for (const h of ['setup', 'teardown', 'handleSummary'] as const) {
    if (hooks[h] !== undefined && typeof hooks[h] !== 'function')
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `${bundle.name}: export ${h} must be a function`);
  }
  return {
    ...def,
    exec,
    setup: def.setup ?? (hooks.setup as ScenarioDefinition['setup']),
    teardown: def.teardown ?? (hooks.teardown as ScenarioDefinition['teardown']),
    handleSummary: def.handleSummary ?? (hooks.handleSummary as ScenarioDefinition['handleSummary']),
  };
}

/**
 * A k6-style module — `export default function` and `export const options`
 * — as a scenario: one user running the function back to back (it does its
 * own sleeping), with the options' thresholds and stages.
 */
export function fromK6Module(iteration: IterationFunction, options: unknown, file: string): ScenarioDefinition {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: \`options\` must be an object`);
  }
  const o = (options ?? {}) as K6Options;
  if (o.scenarios !== undefined) {
    if (typeof o.scenarios !== 'object' || o.scenarios === null)
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: options.scenarios must be an object of named scenarios`);
    for (const [name, sc] of Object.entries(o.scenarios)) {
      if (!EXECUTORS.includes(sc?.executor as (typeof EXECUTORS)[number])) {
        throw new VolleyError(
          'VOLLEY_BAD_SCENARIO',
          `${file}: options.scenarios.${name}: unknown executor "${String(sc?.executor)}"; use one of ${EXECUTORS.join(', ')}`,
        );
      }
    }
  }
  if (o.stages !== undefined) {
    if (!Array.isArray(o.stages) || o.stages.length === 0)
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: options.stages must be a non-empty list of { duration, target }`);
    o.stages.forEach((st, i) => {
      if (typeof st?.duration !== 'string' || !Number.isInteger(st.target) || st.target < 0) {
        throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: options.stages[${i}] must be { duration: '30s', target: 10 }`);
      }
    });
  }
  return {
    volley: 1,
    options: o,
    thresholds: o.thresholds,
    users: [{ name: 'default', tasks: [{ name: 'default', run: (ctx) => iteration(ctx as never) }] }],
  };
}

export function validateScenario(value: unknown, file: string): ScenarioDefinition {
  const bad = (what: string): never => {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: ${what}`);
  };
  if (typeof value !== 'object' || value === null)
    bad(
      'has no default export; write `export default defineScenario({ users: [...] })` or, as k6, `export default async function ({ http }) { … }`',
    );
  const def = value as Partial<ScenarioDefinition>;
  if (def.volley !== 1) bad('the default export is not made by defineScenario() from "volley"');
  if (!Array.isArray(def.users) || def.users.length === 0) bad('defineScenario needs at least one user in `users`');
  def.users!.forEach((u: UserDefinition<unknown>, i) => {
    const where = `users[${i}]${u?.name ? ` (${u.name})` : ''}`;
    if (typeof u !== 'object' || u === null) bad(`${where} is not an object`);
    if (u.weight !== undefined && (!Number.isInteger(u.weight) || u.weight < 1)) bad(`${where}.weight must be a whole number ≥ 1`);
    if (!Array.isArray(u.tasks) || u.tasks.length === 0) bad(`${where} has no tasks`);
    u.tasks.forEach((t, j) => {
      if (typeof t?.run !== 'function') bad(`${where}.tasks[${j}] has no run() function`);
      if (t.weight !== undefined && !(t.weight > 0)) bad(`${where}.tasks[${j}].weight must be above 0`);
    });
    for (const hook of ['onStart', 'onStop'] as const) {
      if (u[hook] !== undefined && typeof u[hook] !== 'function') bad(`${where}.${hook} must be a function`);
    }
  });
  return def as ScenarioDefinition;
}
