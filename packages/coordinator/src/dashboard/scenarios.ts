import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VolleyError } from '@volley/shared';
import { loadScenario } from '@volley/worker/scenario-loader';
import { bundleScenario } from '../bundle.js';
import { StartRunBodySchema, type StartRunBody } from '../api/schema.js';
import { scenarioThresholds, applyScenarioPlan } from '../cli/scenario-options.js';

/** The scenario files a coordinator offers on its dashboard (those in --scenarios DIR). */
export async function listScenarios(dir: string | undefined): Promise<string[]> {
  if (!dir) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.(ts|js|mjs)$/.test(n) && !n.endsWith('.d.ts') && !n.includes('.test.')).sort();
}

/**
 * A start request for one of those files, as the dashboard form gives it:
 * the file is bundled and checked here, its thresholds and (unless the form
 * sets the load) its own plan apply.
 */
export async function startBodyFromForm(dir: string | undefined, form: { file: string; users: number; spawnRate: number; runTimeMs: number; host: string }): Promise<StartRunBody> {
  const files = await listScenarios(dir);
  if (!dir || !files.includes(form.file)) throw new VolleyError('VOLLEY_BAD_OPTION', `no scenario "${form.file}" here; choose one of: ${files.join(', ') || '(none: start the coordinator with --scenarios DIR)'}`);
  const path = resolve(join(dir, form.file));
  const scenario = await bundleScenario(path);
  const def = await loadScenario(scenario, `dashboard-${Date.now()}`);
  const body = StartRunBodySchema.parse({
    scenario, host: form.host, users: form.users, spawnRate: form.spawnRate, runTimeMs: form.runTimeMs,
    thresholds: scenarioThresholds(def, form.file), setup: !!def.setup, teardown: !!def.teardown,
  });
  return applyScenarioPlan(body, def, form.file, true, 1);
}
