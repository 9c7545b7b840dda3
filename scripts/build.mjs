// Bundles the `volley` CLI (workspace sources included, npm dependencies
// left external) into packages/coordinator/dist/volley.js.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

const pkgs = ['packages/shared', 'packages/worker', 'packages/coordinator', 'examples'];
const external = new Set();
for (const p of pkgs) {
  const deps = JSON.parse(readFileSync(`${p}/package.json`, 'utf8')).dependencies ?? {};
  for (const d of Object.keys(deps)) if (!d.startsWith('@volley/') && d !== 'volley') external.add(d), external.add(`${d}/*`);
}
const outfile = 'packages/coordinator/dist/volley.js';
await build({
  entryPoints: ['packages/coordinator/src/cli/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: [...external],
  sourcemap: 'linked',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(`built ${outfile}`);
