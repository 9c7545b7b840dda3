import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { build, type Message } from 'esbuild';
import { VolleyError, type ScenarioBundle } from '@volley/shared';
import { shipped } from './shipped.js';

/** Scenarios import `volley`; it resolves to the scenario API wherever the file lives: the built one the CLI ships, or the workspace's source. */
const scenarioApi = (): string => shipped('scenario-api.js') ?? createRequire(import.meta.url).resolve('@volley/shared/scenario');

function describe(m: Message): string {
  const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${at}${m.text}`;
}

/**
 * Bundles a scenario file (TypeScript or JavaScript) and what it imports
 * into one ESM module, so a worker needs nothing but the coordinator.
 */
export async function bundleScenario(file: string): Promise<ScenarioBundle> {
  const path = resolve(file);
  if (!existsSync(path)) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: no such file`);
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      alias: { volley: scenarioApi() },
      logLevel: 'silent',
      legalComments: 'none',
    });
    return { name: basename(file), code: result.outputFiles[0]!.text };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const detail = errors?.length ? errors.slice(0, 5).map(describe).join('\n  ') : String(err);
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: cannot bundle:\n  ${detail}`, { cause: err });
  }
}
