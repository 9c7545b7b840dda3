// Copies what `volley` needs at run time into DIR (the image's first stage
// runs it): the bundle, the scenario API's source (scenarios are bundled
// against it), the examples (demo-target, demo), and the production
// packages listed in package-lock.json — no dev dependencies, no npm needed.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const out = process.argv[2];
if (!out) throw new Error('usage: node scripts/stage-runtime.mjs DIR');
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const copy = (p) => {
  if (!existsSync(p)) return;
  mkdirSync(dirname(join(out, p)), { recursive: true });
  cpSync(p, join(out, p), { recursive: true, dereference: false, verbatimSymlinks: true });
};
for (const [path, meta] of Object.entries(lock.packages)) {
  if (!path.startsWith('node_modules/') || meta.dev || meta.devOptional) continue;
  copy(path);
}
for (const p of [
  'packages/coordinator/dist',
  'packages/coordinator/package.json',
  'packages/shared/src',
  'packages/shared/package.json',
  'packages/worker/package.json',
  'packages/worker/src',
  'examples',
  'package.json',
])
  copy(p);
writeFileSync(join(out, 'STAGED'), `${new Date().toISOString()}\n`);
console.log(`staged the runtime into ${out}`);
