import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VolleyError } from '@volley/shared';
import type { StartRunBody } from '../api/schema.js';
import { prepareStart } from '../cli/prepare.js';

/** The scenario files a coordinator offers on its dashboard (those in --scenarios DIR). */
export async function listScenarios(dir: string | undefined): Promise<string[]> {
  if (!dir) return [];
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.(ts|js|mjs)$/.test(n) && !n.endsWith('.d.ts') && !n.includes('.test.')).sort();
}

/**
 * A start request for one of those files, as the dashboard form gives it:
 * prepared as the CLI prepares one (bundled, checked, its thresholds and
 * hooks); the form sets the load.
 */
export async function startBodyFromForm(dir: string | undefined, form: { file: string; users: number; spawnRate: number; runTimeMs: number; host: string }): Promise<StartRunBody> {
  const files = await listScenarios(dir);
  if (!dir || !files.includes(form.file)) throw new VolleyError('VOLLEY_BAD_OPTION', `no scenario "${form.file}" here; choose one of: ${files.join(', ') || '(none: start the coordinator with --scenarios DIR)'}`);
  const { file, ...load } = form;
  return (await prepareStart(resolve(join(dir, file)), load, { explicitLoad: true, timeScale: 1 })).body;
}
