import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { args } from '../cli-args.js';
import { CLI, volley } from '../helpers.js';

// The bin keeps V8's code cache of each command in the temporary
// directory (cli/code-cache.ts); NODE_DEBUG=volley says what it did.
describe('the CLI’s code cache', () => {
  let tmp: string;
  let url: string;
  let served = 0;
  const server = createServer((_req, res) => {
    served++;
    res.end('ok');
  });
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'volley-code-cache-e2e-'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.close();
    await rm(tmp, { recursive: true, force: true });
  });
  const env = (): Record<string, string> => ({ TMPDIR: tmp, NODE_DEBUG: 'volley' });
  const cacheDir = async (): Promise<string> => join(tmp, (await readdir(tmp)).find((d) => d.startsWith('volley-code-cache-'))!);

  it('is made by a command’s first run and used by the next, whose results are the same', async () => {
    const first = await volley(args`run --url ${url} --rate 50 --users 2 --run-time 1s --workers 1 --json ${join(tmp, '1.json')}`, env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/code cache for run: none/);
    expect(first.stderr).toMatch(/code cache for run: wrote \d+ bytes/);
    const second = await volley(args`run --url ${url} --rate 50 --users 2 --run-time 1s --workers 1 --json ${join(tmp, '2.json')}`, env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/code cache for run: accepted/);
    expect(second.stderr).not.toMatch(/wrote/);
    for (const n of ['1', '2']) expect(JSON.parse(await readFile(join(tmp, `${n}.json`), 'utf8')).volley.total.count).toBe(50);
    expect(served).toBe(100);
  });

  it('is not given to V8 once a byte of it has changed, and is made again', async () => {
    const first = await volley(['--version'], env());
    expect(first.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const dir = await cacheDir();
    const file = join(dir, (await readdir(dir)).find((f) => f.startsWith('cli-'))!);
    const stored = await readFile(file);
    // a flipped byte in V8's data: V8 itself would abort the process on it
    stored[stored.length >> 1]! ^= 0x5a;
    await writeFile(file, stored);
    const flipped = await volley(['--version'], env());
    expect(flipped.code, flipped.stderr).toBe(0);
    expect(flipped.stdout).toBe(first.stdout);
    expect(flipped.stderr).toMatch(/code cache for cli: none/);
    expect(flipped.stderr).toMatch(/code cache for cli: wrote/);
    expect((await volley(['--version'], env())).stderr).toMatch(/code cache for cli: accepted/);
  });

  it('is made again when the CLI’s file is edited, even at the same length', async () => {
    // a copy of the built CLI to edit, as a user might in node_modules
    const copy = join(tmp, 'dist');
    await mkdir(copy);
    for (const f of ['volley.js', 'bin.cjs', 'cli.cjs']) await copyFile(join(dirname(CLI), f), join(copy, f));
    await writeFile(join(copy, 'package.json'), '{"type":"module"}');
    const run = async (): Promise<{ stdout: string; stderr: string }> => {
      const child = spawn(process.execPath, [join(copy, 'volley.js'), '--version'], { env: { ...process.env, ...env() } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const [code] = await once(child, 'exit');
      expect(code, stderr).toBe(0);
      return { stdout, stderr };
    };
    await run();
    expect((await run()).stderr).toMatch(/code cache for cli: accepted/);
    const text = await readFile(join(copy, 'cli.cjs'), 'latin1');
    const version = /VERSION="(\d+)\.(\d+)\.(\d+)"/.exec(text)!;
    const edited = `VERSION="${version[1]}.${version[2]}.${(Number(version[3]) + 1) % 10}"`;
    expect(edited).toHaveLength(version[0].length);
    await writeFile(join(copy, 'cli.cjs'), text.replace(version[0], edited), 'latin1');
    // V8 checks a cache against the source's length only: the old bytecode would print the old version
    const after = await run();
    expect(after.stdout.trim()).toBe(edited.slice('VERSION="'.length, -1));
    expect(after.stderr).toMatch(/code cache for cli: none/);
  });

  it('is off with NODE_DISABLE_COMPILE_CACHE, as Node’s own is', async () => {
    const off = await volley(['--version'], { ...env(), NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.code).toBe(0);
    expect(off.stderr).toMatch(/code cache for cli: off/);
    expect(off.stderr).not.toMatch(/wrote/);
  });
});
