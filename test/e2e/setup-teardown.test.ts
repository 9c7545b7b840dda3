import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';
import { args } from '../cli-args.js';

describe('setup() and teardown() run once for the whole cluster', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-setup-'));
  });
  afterAll(() => server.close());

  it('across 3 workers: one setup, its data in every iteration, one teardown', async () => {
    const res = await volley(args`run test/fixtures/setup-teardown.ts --workers 3 --host ${server.url} --json ${join(dir, 's.json')}`);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const counts = server.counts();
    expect(counts['POST /api/v1/did/enroll']).toEqual({ 201: 1 });
    expect(counts['GET /health']).toEqual({ 200: 1 });
    // every verify found the wallet setup() enrolled: the data reached every VU on every worker
    expect(Object.keys(counts['POST /api/v1/did/verify']!)).toEqual(['200']);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(s.volley.run.workers).toHaveLength(3);
    expect(s.volley.run.workers.every((w: any) => w.requests > 0)).toBe(true);
    const byName = Object.fromEntries(s.volley.requests.map((r: any) => [r.name, r.count]));
    expect(byName.setup_enroll).toBe(1);
    expect(byName.teardown_health).toBe(1);
    expect(byName.verify).toBe(counts['POST /api/v1/did/verify']![200]);
  });

  it('a setup() that throws fails the run before any iteration, and says why', async () => {
    const f = join(dir, 'bad-setup.ts');
    await writeFile(
      f,
      "export function setup() { throw new Error('no database'); }\nexport default async function () {}\nexport const options = { vus: 1, duration: '2s' };\n",
    );
    const res = await volley(['run', f, '--workers', '2', '--host', server.url]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/setup\(\) failed: no database/);
  });
});
