// A coordinator's dashboard runs the scenarios of its catalog, which it did
// not write: their code runs only in a child with a time and memory limit,
// so one that exits, hangs or allocates without end harms nothing.
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, freePort, spawnVolley, stopAfterEach, waitForOutput } from '../helpers.js';

const HOSTILE: Record<string, string> = {
  'exits.ts': 'process.exit(3);\nexport default async function () {}\n',
  'hangs.ts': 'for (;;) {}\nexport default async function () {}\n',
  'allocates.ts':
    'const hoard: unknown[] = [];\nfor (;;) hoard.push(new Array(1e6).fill(hoard.length));\nexport default async function () {}\n',
  'throws.ts': "throw new Error('no such luck');\nexport default async function () {}\n",
};

describe('catalog scenarios are checked in a child process', () => {
  const owned = stopAfterEach();

  it('one that exits, hangs, allocates or throws is refused with why; the coordinator answers on and starts the good one', async () => {
    const server = await owned.didServer();
    const dir = await mkdtemp(join(tmpdir(), 'volley-catalog-'));
    for (const [name, code] of Object.entries(HOSTILE)) await writeFile(join(dir, name), code);
    await copyFile(join(ROOT, 'test/fixtures/fast-did.ts'), join(dir, 'good.ts'));
    const port = await freePort();
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, '--scenarios', dir]);
    owned.track(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    owned.track(spawnVolley(['worker', '--coordinator', `ws://127.0.0.1:${port}`, '--name', 'w', '--cores', '1']));
    const start = async (file: string) => {
      const r = await fetch(`http://127.0.0.1:${port}/api/runs/from-dashboard`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ file, users: 2, spawnRate: 10, runTimeMs: 2000, host: server.url }),
      });
      return { status: r.status, body: (await r.json()) as { error?: string; id?: string } };
    };
    const t0 = Date.now();
    const answers = await Promise.all(Object.keys(HOSTILE).map(start));
    console.info(`hostile catalog scenarios refused in ${Date.now() - t0} ms`);
    expect(answers[0]).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/exits\.ts: loading it ended the process \(exit code 3\) before it answered/) },
    });
    expect(answers[1]).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/hangs\.ts: loading it took more than 15 s; it was stopped/) },
    });
    expect(answers[2]).toEqual({
      status: 400,
      body: { error: expect.stringMatching(/allocates\.ts: loading it used more than 256 MB; it was stopped/) },
    });
    expect(answers[3]).toEqual({ status: 400, body: { error: expect.stringMatching(/throws\.ts: failed to load: no such luck/) } });
    expect(coordinator.exitCode).toBeNull();

    const good = await start('good.ts');
    expect(good.status, good.body.error).toBe(202);
    for (let i = 0; i < 100; i++) {
      const s = (await (await fetch(`http://127.0.0.1:${port}/api/status`)).json()) as { run?: { state: string } };
      if (s.run?.state === 'finished') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(Object.values(server.totals()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
