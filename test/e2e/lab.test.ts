import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { buildLab, canBuildLab, CLI, type Lab } from '../lab/netns.js';
import { ROOT, ROUTE_OF, sleep } from '../helpers.js';
import { args } from '../cli-args.js';

const can = canBuildLab();
if (!can.ok) console.warn(`lab tests skipped: ${can.why} (run the tests as root to build the network-namespace lab)`);

type Proc = ChildProcess & { out: string };

/**
 * Volley across real (namespaced) hosts: coordinator, three workers and the
 * sample server on five addresses of 198.18.0.0/15; every process, the
 * client included, inside a lab namespace.
 */
describe.skipIf(!can.ok)('a lab of network namespaces', () => {
  let lab: Lab;
  let dir: string;
  const procs: Proc[] = [];
  const api = ['--coordinator', 'http://198.18.0.1:7000'];

  function volleyIn(host: string, args: string[]): Proc {
    const child = lab.spawnIn(host, process.execPath, [CLI, ...args], { VOLLEY_LOG_LEVEL: 'warn' }) as Proc;
    child.out = '';
    child.stdout!.on('data', (d: Buffer) => (child.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (child.out += d.toString()));
    procs.push(child);
    return child;
  }

  async function finished(p: Proc): Promise<number | null> {
    const [code] = (await once(p, 'exit')) as [number | null];
    return code;
  }

  /** The sample server's counts per route, read from inside the lab. */
  function serverCounts(): Record<string, number> {
    const js = "fetch('http://198.18.0.10:8000/_counts').then(r => r.json()).then(c => console.log(JSON.stringify(c)))";
    const counts = JSON.parse(lab.execIn('coord', process.execPath, ['-e', js])) as Record<string, Record<string, number>>;
    return Object.fromEntries(
      Object.entries(counts).map(([route, byStatus]) => [route, Object.values(byStatus).reduce((a, b) => a + b, 0)]),
    );
  }

  const reportCounts = (s: any): Record<string, number> =>
    Object.fromEntries(s.volley.requests.map((r: any) => [ROUTE_OF[r.name], r.count]));
  const minus = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v - (b[k] ?? 0)]));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'volley-lab-'));
    await writeFile(join(dir, 'token'), 'lab-token');
    api.push('--token-file', join(dir, 'token'));
    lab = buildLab({ coord: '198.18.0.1', w1: '198.18.0.2', w2: '198.18.0.3', w3: '198.18.0.4', target: '198.18.0.10' });
    volleyIn('target', ['demo-target', '--host', '198.18.0.10', '--port', '8000']);
    const coordinator = volleyIn(
      'coord',
      args`coordinator --listen 198.18.0.1:7000 --token-file ${join(dir, 'token')} --journal-dir ${join(dir, 'j')}`,
    );
    for (let i = 0; i < 100 && !/listening/.test(coordinator.out); i++) await sleep(100);
    for (const w of ['w1', 'w2', 'w3'])
      volleyIn(w, ['worker', '--coordinator', 'ws://198.18.0.1:7000', '--token-file', join(dir, 'token'), '--name', w, '--cores', '1']);
  });
  afterAll(() => lab?.destroy());

  it('runs across five hosts; the report counts what the server answered, per route', async () => {
    const start = volleyIn(
      'coord',
      args`start ${join(ROOT, 'test/fixtures/fast-did.ts')} ${api} --expect-workers 3 --users 30 --spawn-rate 300 --run-time 5s --host http://198.18.0.10:8000 --json ${join(dir, 'a.json')}`,
    );
    expect(await finished(start), start.out).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    expect(s.volley.run.workers.map((w: any) => w.name).sort()).toEqual(['w1', 'w2', 'w3']);
    expect(s.volley.total.count).toBeGreaterThan(500);
    expect(reportCounts(s)).toEqual(serverCounts());
  });

  it('a worker’s link dropped by iptables for 3 s and restored: the totals are whole', async () => {
    const before = serverCounts();
    const start = volleyIn(
      'coord',
      args`start ${join(ROOT, 'test/fixtures/fast-did.ts')} ${api} --expect-workers 3 --users 30 --spawn-rate 300 --run-time 12s --host http://198.18.0.10:8000 --json ${join(dir, 'b.json')}`,
    );
    await sleep(4000);
    const rules = [
      ['INPUT', '-s'],
      ['OUTPUT', '-d'],
    ];
    for (const [chain, dirFlag] of rules) lab.execIn('w2', 'iptables', ['-I', chain!, dirFlag!, '198.18.0.1', '-j', 'DROP']);
    await sleep(3000);
    for (const [chain, dirFlag] of rules) lab.execIn('w2', 'iptables', ['-D', chain!, dirFlag!, '198.18.0.1', '-j', 'DROP']);
    expect(await finished(start), start.out).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8'));
    expect(reportCounts(s)).toEqual(minus(serverCounts(), before));
    // whether w2 rode out the cut or its dead-man switch stopped it (TCP's
    // retransmission backoff can stretch a 3 s drop past 4 s), the cluster
    // holds all 30 users again by the end
    const lastFull = s.volley.timeline.filter((p: any) => p.index >= 9 && p.index <= 10);
    expect(lastFull.map((p: any) => p.vus)).toEqual([30, 30]);
    const lost = s.volley.run.events.filter((e: any) => e.kind === 'worker-lost');
    if (lost.length) expect(s.volley.run.events.map((e: any) => e.kind)).toEqual(['worker-lost', 'rebalanced']);
  });
});
