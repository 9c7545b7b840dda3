import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir, openCodeCache, roleOf, type CodeCacheOptions } from './code-cache.js';

describe('the CLI’s code cache', () => {
  let dir: string;
  let o: CodeCacheOptions;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'volley-code-cache-test-'));
    o = { command: 'run', build: 'b1', env: {}, tmpdir: dir, uid: process.getuid?.(), runtime: 'v26.0.0 linux x64' };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what was written, for the same build, runtime and command only', () => {
    const cache = openCodeCache(o)!;
    expect(cache.read()).toBeUndefined();
    cache.write(Buffer.from('bytecode'));
    expect(openCodeCache(o)!.read()?.toString()).toBe('bytecode');
    expect(openCodeCache({ ...o, build: 'b2' })!.read()).toBeUndefined();
    expect(openCodeCache({ ...o, runtime: 'v24.0.0 linux x64' })!.read()).toBeUndefined();
    expect(openCodeCache({ ...o, command: 'worker' })!.read()).toBeUndefined();
  });

  it('gives V8 no cache whose bytes changed: V8 checks only the length, and aborts on a flipped byte', () => {
    const data = Buffer.alloc(4096, 7);
    openCodeCache(o)!.write(data);
    const file = join(codeCacheDir(o)!, readdirSync(codeCacheDir(o)!)[0]!);
    const stored = readFileSync(file);
    stored[stored.length - 100]! ^= 0x10;
    writeFileSync(file, stored);
    expect(openCodeCache(o)!.read()).toBeUndefined();
    writeFileSync(file, stored.subarray(0, 20)); // cut short
    expect(openCodeCache(o)!.read()).toBeUndefined();
    openCodeCache(o)!.write(data);
    expect(openCodeCache(o)!.read()).toEqual(data);
  });

  it('keeps one file per command and runtime: a new build’s cache replaces the last', () => {
    openCodeCache(o)!.write(Buffer.from('one'));
    openCodeCache({ ...o, build: 'b2' })!.write(Buffer.from('two'));
    const files = readdirSync(codeCacheDir(o)!);
    expect(files).toHaveLength(1); // and no temporary file left
    expect(
      openCodeCache({ ...o, build: 'b2' })!
        .read()
        ?.toString(),
    ).toBe('two');
    expect(openCodeCache(o)!.read()).toBeUndefined();
  });

  it('makes its directory closed to others, and refuses one that others may write', () => {
    const cache = openCodeCache(o);
    expect(cache).toBeDefined();
    const made = codeCacheDir(o)!;
    expect(made).toBe(join(dir, `volley-code-cache-${o.uid}`));
    chmodSync(made, 0o777);
    expect(openCodeCache(o)).toBeUndefined();
    // another user's directory
    chmodSync(made, 0o700);
    if (o.uid !== undefined) expect(openCodeCache({ ...o, uid: o.uid + 1 })).toBeUndefined();
    // a file where the directory should be
    rmSync(made, { recursive: true });
    writeFileSync(made, '');
    expect(openCodeCache(o)).toBeUndefined();
  });

  it('follows NODE_COMPILE_CACHE, and is off with NODE_DISABLE_COMPILE_CACHE', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    expect(codeCacheDir({ ...o, env: { NODE_COMPILE_CACHE: shared } })).toBe(join(shared, 'volley'));
    expect(openCodeCache({ ...o, env: { NODE_COMPILE_CACHE: shared } })).toBeDefined();
    expect(openCodeCache({ ...o, env: { NODE_DISABLE_COMPILE_CACHE: '1' } })).toBeUndefined();
  });

  it('names a cache for the command, with options and odd names sharing one', () => {
    expect(roleOf('run')).toBe('run');
    expect(roleOf('local-worker')).toBe('local-worker');
    for (const odd of [undefined, '--help', '-v', 'Run', '../x', 'a'.repeat(40)]) expect(roleOf(odd)).toBe('cli');
  });
});
