// Bundles the `volley` CLI (workspace sources included, npm dependencies
// left external) into packages/coordinator/dist/volley.js, with what only
// some commands load (`await import`) split into dist/chunks/.
import { build } from 'esbuild';
import { readFileSync, chmodSync, rmSync } from 'node:fs';

const pkgs = ['packages/shared', 'packages/worker', 'packages/coordinator', 'examples'];
const external = new Set();
for (const p of pkgs) {
  const deps = JSON.parse(readFileSync(`${p}/package.json`, 'utf8')).dependencies ?? {};
  for (const d of Object.keys(deps)) if (!d.startsWith('@volley/') && d !== 'volley') external.add(d), external.add(`${d}/*`);
}
const outdir = 'packages/coordinator/dist';
const outfile = `${outdir}/volley.js`;
rmSync(`${outdir}/chunks`, { recursive: true, force: true });
await build({
  entryPoints: ['packages/coordinator/src/cli/main.ts'],
  outdir,
  entryNames: 'volley',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
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
