import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';

/** Bad input: a clear message naming what and where, exit 2, and no traffic. */
describe('bad input', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-bad-'));
  });
  afterAll(async () => {
    expect(server.totals()).toEqual({}); // nothing reached the target
    await server.close();
  });

  const run = (scenario: string, ...extra: string[]) =>
    volley(['run', scenario, '--workers', '1', '--users', '1', '--run-time', '1s', '--host', server.url, ...extra], {}, 30_000);

  it('a syntax error names the file and the line', async () => {
    const f = join(dir, 'syntax.ts');
    await writeFile(f, "import { defineScenario } from 'volley';\nexport default defineScenario({ users: [ }\n");
    const res = await run(f);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/syntax\.ts:2:\d+/);
  });

  it('a missing default export says how to write one', async () => {
    const f = join(dir, 'noexport.ts');
    await writeFile(f, 'export const x = 1;\n');
    const res = await run(f);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/noexport\.ts: has no default export/);
  });

  it('a user without tasks is named', async () => {
    const f = join(dir, 'notasks.ts');
    await writeFile(
      f,
      "import { defineScenario } from 'volley';\nexport default defineScenario({ users: [{ name: 'idle', tasks: [] }] });\n",
    );
    const res = await run(f);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/notasks\.ts: users\[0\] \(idle\) has no tasks/);
  });

  it('a missing file, a bad duration, a missing host and an unknown option', async () => {
    expect((await run(join(dir, 'nope.ts'))).stderr).toMatch(/nope\.ts: no such file/);
    const dur = await run('examples/did-api/locustfile.ts', '--run-time', '10x');
    expect(dur.code).toBe(2);
    expect(dur.stderr).toMatch(/--run-time: "10x" is not a duration/);
    const host = await volley(['run', 'examples/did-api/locustfile.ts', '--run-time', '1s'], {}, 30_000);
    expect(host.code).toBe(2);
    expect(host.stderr).toMatch(/--host is required/);
    const unknown = await volley(['run', 'x.ts', '--userz', '3'], {}, 30_000);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown argument: userz/);
  });

  it('leaves no local worker behind: those the bin starts before the CLI checks the command line go with it', async () => {
    // marked in their environment, which the workers inherit, so that other tests' workers are not counted
    const mark = `VOLLEY_TEST_MARK=${process.pid}-${Date.now()}`;
    const marked = (): number[] =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return readFileSync(`/proc/${p}/environ`, 'latin1').split('\0').includes(mark);
          } catch {
            return false; // gone, or not ours to read
          }
        })
        .map(Number);
    const env = { VOLLEY_TEST_MARK: mark.split('=')[1]! };
    const bad = await volley(['run', join(dir, 'nope.ts'), '--workers', '3'], env, 30_000);
    expect(bad.code).toBe(2);
    const unknown = await volley(['run', '--url', server.url, '--workers', '2', '--userz', '3'], env, 30_000);
    expect(unknown.code).toBe(2);
    await expect.poll(marked, { timeout: 10_000 }).toEqual([]);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    const res = await volley(['coordinator', '--listen', '0.0.0.0:0'], { VOLLEY_TOKEN: '' }, 30_000);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a token/);
  });
});
