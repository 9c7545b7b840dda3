import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { build, type Message } from 'esbuild';
import { VolleyError, type ScenarioBundle } from '@volley/shared';
import { shipped } from './shipped.js';
import { k6Bundle, k6Imports } from './k6/k6-bundle.js';

/** Scenarios import `volley`; it resolves to the scenario API wherever the file lives: the built one the CLI ships, or the workspace's source. */
const scenarioApi = (): string => shipped('scenario-api.js') ?? createRequire(import.meta.url).resolve('@volley/shared/scenario');

function describe(m: Message): string {
  const at = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${at}${m.text}`;
}

/**
 * Bundles a scenario file (TypeScript or JavaScript) and what it imports
 * into one ESM module, so a worker needs nothing but the coordinator. A
 * file that imports k6's modules is a k6 script: it is bundled as k6 runs
 * it (k6/k6-bundle.ts).
 */
export async function bundleScenario(file: string): Promise<ScenarioBundle> {
  const path = resolve(file);
  if (!existsSync(path)) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: no such file`);
  const seen = { k6: false };
  // the map's paths are relative to this (never written) output file
  const outfile = join(dirname(path), '.volley-bundle.js');
  let code: string;
  let map: string;
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      write: false,
      outfile,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      alias: { volley: scenarioApi() },
      plugins: [k6Imports(seen)],
      sourcemap: 'external',
      charset: 'utf8',
      logLevel: 'silent',
      legalComments: 'none',
    });
    code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const detail = errors?.length ? errors.slice(0, 5).map(describe).join('\n  ') : String(err);
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: cannot bundle:\n  ${detail}`, { cause: err });
  }
  return { name: basename(file), code: seen.k6 ? k6Bundle(file, code, map, dirname(outfile)) : code };
}
