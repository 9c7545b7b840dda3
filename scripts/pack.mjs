// `npm run pack [-- --out DIR] [--no-build]`: the tarball users install
// (`npm install -g ./volley-<version>.tgz`). The built CLI bundles the
// workspace packages and every pure-JavaScript dependency, and ships the
// scenario API, the example scenarios and uPlot beside itself (build.mjs),
// so the package is dist/ and a package.json naming only what cannot be
// bundled: esbuild (a native binary, which bundles scenarios) and ws's
// optional native addon. No workspace links.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outAt = process.argv.indexOf('--out');
const out = resolve(outAt > 0 ? process.argv[outAt + 1] : root);

// --no-build: pack the dist/ there is (the tests, which built it already)
if (!process.argv.includes('--no-build'))
  execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });

const coordinator = JSON.parse(readFileSync(join(root, 'packages/coordinator/package.json'), 'utf8'));
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'volley-pack-'));
try {
  cpSync(join(root, 'packages/coordinator/dist'), join(stage, 'dist'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  cpSync(join(root, 'README.md'), join(stage, 'README.md'));
  const pkg = {
    name: coordinator.name,
    version: coordinator.version,
    description: rootPkg.description,
    type: 'module',
    license: rootPkg.license,
    engines: rootPkg.engines,
    bin: { volley: 'dist/volley.js' },
    // a scenario's `import … from 'volley'` is resolved by the CLI's bundler; this is for editors
    exports: { '.': './dist/scenario-api.js' },
    files: ['dist'],
    dependencies: { esbuild: coordinator.dependencies.esbuild },
    optionalDependencies: { bufferutil: coordinator.dependencies.bufferutil },
  };
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const name = execFileSync('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: stage, encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1);
  console.log(join(out, name));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
