// Bundles the `volley` CLI into packages/coordinator/dist/cli.cjs, one
// CommonJS file, and its bin, dist/volley.js (src/cli/bin.ts, built into
// bin.cjs), which runs it with V8's code cache of what the command ran
// last time. The npm dependencies are bundled too: a Node process's start
// is mostly loading and compiling code, and one file instead of hundreds
// (zod alone opens 99) costs the module loader nothing per file. What a
// command does not run costs little in one file: a module that only some
// commands load (`await import`) is wrapped to run at that import, and
// with the cache V8 parses none of it. Left outside: what is not
// JavaScript (esbuild's binary, ws's optional native addons) and what is
// read as a file (uPlot).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const external = ['esbuild', 'bufferutil', 'utf-8-validate', 'uplot', 'uplot/*'];

// string-width measures text for yargs's usage layout, and what it builds
// as it loads costs every command's start: an Intl.Segmenter (ICU's
// segmentation data, ~14 ms on Node 26) and Unicode-set patterns (the RGI
// emoji one alone ~15 ms), for text that only --help shows. Each import of
// it gets a stub that loads the real module at the first call.
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (a) => {
      if (a.pluginData?.real) return undefined; // its own resolve, below
      const real = await b.resolve(a.path, { resolveDir: a.resolveDir, kind: a.kind, importer: a.importer, pluginData: { real: true } });
      if (real.errors.length > 0) return undefined;
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (a) => ({
      contents: `let real;
export default function stringWidth(string, options) {
  real ??= require(${JSON.stringify(a.path)}).default;
  return real(string, options);
}`,
      loader: 'js',
      resolveDir: dirname(a.path),
    }));
  },
};
// ws loads node:https and node:tls as it loads (~12 ms of each process's
// start on Node 26), though a ws:// link, every local run's, uses neither;
// here they are loaded at a wss:// link's first use.
const lazyWsTls = {
  name: 'lazy-ws-tls',
  setup(b) {
    b.onLoad({ filter: /[\\/]ws[\\/]lib[\\/]websocket\.js$/ }, async (a) => {
      let text = await readFile(a.path, 'utf8');
      const swaps = [
        ["const https = require('https');", "const https = { get request() { return require('https').request; } };"],
        ["const tls = require('tls');", "const tls = { connect: (options) => require('tls').connect(options) };"],
      ];
      for (const [eager, lazy] of swaps) {
        if (!text.includes(eager)) {
          // another ws: bundled as it is, which costs start-up time, not correctness
          console.warn(`build: ${a.path} has no "${eager}"; its TLS modules load at start`);
          return undefined;
        }
        text = text.replace(eager, lazy);
      }
      return { contents: text, loader: 'js' };
    });
  },
};
const outdir = 'packages/coordinator/dist';
// an older build's: the CLI split into ES modules, and before that the bin as the bundle
for (const old of ['chunks', 'cli.js', 'cli.js.map', 'volley.js.map']) rmSync(`${outdir}/${old}`, { recursive: true, force: true });
// The CLI and its bin are CommonJS: a vm.Script runs a script, not a
// module; and in CommonJS a named import of Node's modules is a property
// read, where an ES import builds a module's facade, which reads every
// export (node:http's load Node's own undici, 50 ms of a start on Node
// 26; node:util's getters load modules, ~10 ms). The few modules that
// find files beside themselves (shipped.ts) ask import.meta.url.
const commonJs = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: "const __volleyUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};
const importMetaUrl = { 'import.meta.url': '__volleyUrl' };
const cli = await build({
  ...commonJs,
  entryPoints: ['packages/coordinator/src/cli/entry.ts'],
  outfile: `${outdir}/cli.cjs`,
  external,
  plugins: [lazyStringWidth, lazyWsTls],
  define: importMetaUrl,
  sourcemap: 'linked',
  // every start reads the whole text, and parses each function that is not
  // in the code cache at its first call: without whitespace and comments
  // (names kept, for stack traces and profiles) a local run reached its
  // first request with 4–8 ms less of the main thread's CPU and 5–20 ms
  // less of the process's (bench/README.md)
  minifyWhitespace: true,
  minifySyntax: true,
  // licences in cli.cjs.LEGAL.txt: one non-ASCII letter in one of them made the whole text a two-byte string
  legalComments: 'linked',
  metafile: true,
});
// The CLI runs from V8's code cache (src/cli/bin.ts), where an import() has
// no module loader: what it loads at run time must be a require (Node's
// modules, esbuild), or go through the bin (worker/src/import-module.ts).
const dynamic = Object.values(cli.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import'));
if (dynamic.length > 0) throw new Error(`build: the CLI may not import() ${dynamic.map((i) => i.path).join(', ')}: require it`);
// The bin. The CLI's hash is the cache's key: V8 checks a cache against
// its source's length only, and running bytecode made from other code
// would be wrong in ways no error names.
const cliHash = createHash('sha256')
  .update(readFileSync(`${outdir}/cli.cjs`))
  .digest('hex')
  .slice(0, 16);
await build({
  ...commonJs,
  entryPoints: ['packages/coordinator/src/cli/bin.ts'],
  outfile: `${outdir}/bin.cjs`,
  define: { ...importMetaUrl, VOLLEY_CLI_HASH: JSON.stringify(cliHash) },
});
// the package is ES modules, so the bin's name is an ES module's
writeFileSync(
  `${outdir}/volley.js`,
  `#!/usr/bin/env -S node --max-semi-space-size=64
import { createRequire } from 'node:module';
createRequire(import.meta.url)('./bin.cjs');
`,
);
chmodSync(`${outdir}/volley.js`, 0o755);

// What the CLI ships beside itself (src/shipped.ts), so that an installed
// package needs nothing from this workspace: the scenario API that a
// scenario's `volley` import resolves to, the guide's example scenarios
// (volley demo), and uPlot for the HTML report.
await build({
  entryPoints: ['packages/shared/src/scenario/index.ts'],
  outfile: `${outdir}/scenario-api.js`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  logLevel: 'warning',
});
// the pages' scripts (src/browser/), typed modules bundled for the browser
await build({
  entryPoints: ['packages/coordinator/src/browser/dashboard.ts', 'packages/coordinator/src/browser/report-charts.ts'],
  outdir: `${outdir}/assets`,
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  format: 'iife',
  minify: true,
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
const copies = [
  ['examples/did-api/locustfile.ts', `${outdir}/examples/did-api/locustfile.ts`],
  ['examples/did-api/k6-test.ts', `${outdir}/examples/did-api/k6-test.ts`],
  ['examples/did-api/k6-test.js', `${outdir}/examples/did-api/k6-test.js`],
  [require.resolve('uplot/dist/uPlot.iife.min.js', { paths: ['packages/coordinator'] }), `${outdir}/assets/uPlot.iife.min.js`],
  [require.resolve('uplot/dist/uPlot.min.css', { paths: ['packages/coordinator'] }), `${outdir}/assets/uPlot.min.css`],
];
rmSync(`${outdir}/examples`, { recursive: true, force: true });
for (const [from, to] of copies) {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}
console.log(`built ${outdir}/volley.js and cli.cjs`);
