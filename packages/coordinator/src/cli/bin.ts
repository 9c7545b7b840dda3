import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debuglog } from 'node:util';
import { Script } from 'node:vm';
import { openCodeCache, roleOf } from './code-cache.js';

/** the build's hash of dist/cli.cjs (scripts/build.mjs) */
declare const VOLLEY_CLI_HASH: string;

// The bin (dist/volley.js loads this, built into dist/bin.cjs): runs the
// CLI, bundled as one CommonJS file (dist/cli.cjs), as a vm.Script with
// V8's code cache of the functions this command ran last time
// (code-cache.ts). Node's compile cache, made as each module compiles,
// holds only top-level code, so every function a start called was
// compiled again on every start.
const debug = debuglog('volley');
const dist = dirname(fileURLToPath(import.meta.url));
const file = join(dist, 'cli.cjs');
const role = roleOf(process.argv[2]);
const fd = openSync(file, 'r');
// the file as well as the build: V8 checks a cache against its source's length only, so an
// edit of the same length (say, by hand, in node_modules) would run the old bytecode
const { size, mtimeMs } = fstatSync(fd);
const source = readFileSync(fd, 'utf8');
closeSync(fd);
const cache = openCodeCache({
  command: process.argv[2],
  build: `${VOLLEY_CLI_HASH}:${size}:${mtimeMs}`,
  env: process.env,
  tmpdir: tmpdir(),
  uid: process.getuid?.(),
  runtime: `${process.version} ${process.platform} ${process.arch} ${process.execArgv.join(' ')}`,
});
const cachedData = cache?.read();
// the wrapper on a line of its own, so that a stack trace's lines are the file's
const script = new Script(`(function (exports, require, module, __filename, __dirname, __volleyImport) {\n${source}\n})`, {
  filename: file,
  lineOffset: -1,
  cachedData,
});
const accepted = cachedData !== undefined && !script.cachedDataRejected;
debug('code cache for %s: %s', role, cache ? (accepted ? 'accepted' : cachedData ? 'rejected' : 'none') : 'off');
// made as the process exits, so that it holds all this command compiled; never while it runs, where it would stall a run
if (cache && !accepted)
  process.once('exit', () => {
    const data = script.createCachedData();
    cache.write(data);
    debug('code cache for %s: wrote %d bytes', role, data.length);
  });
const module = { exports: {} };
// a function V8 deserialized from a cache has no loader behind its import() (not even with vm's
// importModuleDynamically): the CLI's one import() of code outside it, a scenario's, is this module's
const importModule = (specifier: string): Promise<unknown> => import(specifier);
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, dist, importModule);
