import { describe, expect, it } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { countsFromSummary, sleep, spawnVolley, startCluster, startProxy, stopAfterEach, volley, waitForStatus } from '../helpers.js';
import { args } from '../cli-args.js';

describe('faults', () => {
  const owned = stopAfterEach();
  /** A cluster of two workers, a 60 s run of 20 users started on it (detached) and running. */
  const runningOnTwoWorkers = async (host: string) => {
    const c = await startCluster(['alpha', 'beta']);
    owned.track(...c.all);
    const started = await volley(
      args`start test/fixtures/fast-did.ts ${c.api} --expect-workers 2 --users 20 --spawn-rate 200 --run-time 60s --host ${host} --detach`,
    );
    expect(started.code, started.stderr).toBe(0);
    await waitForStatus(c.api, /running/);
    return c;
  };

  it('a worker killed mid-run: its users move to the others within 5 s and the run goes on', async () => {
    const server = await owned.didServer();
    const c = await startCluster(['alpha', 'beta', 'gamma']);
    owned.track(...c.all);
    const start = volley(
      args`start test/fixtures/fast-did.ts ${c.api} --expect-workers 3 --users 30 --spawn-rate 300 --run-time 12s --host ${server.url} --json ${join(c.dir, 's.json')}`,
    );
    await waitForStatus(c.api, /running/);
    await sleep(3000);
    const killAt = Date.now();
    c.workers.get('beta')!.kill('SIGKILL');
    const res = await start;
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 's.json'), 'utf8')).volley;
    const startedAt = Date.parse(s.run.startedAt);
    const lost = s.run.events.find((e: any) => e.kind === 'worker-lost');
    const rebalanced = s.run.events.find((e: any) => e.kind === 'rebalanced');
    expect(lost.worker).toBe('beta');
    expect(rebalanced.detail).toMatch(/^2 worker\(s\): /);
    expect(rebalanced.detail.split(': ')[1].split(', ').sort()).toEqual(['alpha', 'gamma']);
    const movedAfterMs = startedAt + rebalanced.atMs - killAt;
    console.info(`worker killed: its share moved after ${movedAfterMs} ms; the cluster ran short for ${s.run.shortMs} ms`);
    expect(movedAfterMs).toBeLessThan(5000);
    // the coordinator's own series: the VU total dips, then is whole again
    const after = s.timeline.filter((p: any) => startedAt + (p.index + 1) * 1000 > killAt && p.index < 11);
    expect(after.some((p: any) => p.vus === 20)).toBe(true);
    const restored = after.find((p: any) => p.vus === 30 && startedAt + p.index * 1000 > killAt);
    expect(startedAt + (restored.index + 1) * 1000 - killAt).toBeLessThanOrEqual(6000); // within 5 s, at window granularity
    expect(s.run.shortMs).toBeGreaterThan(2000);
    expect(s.run.shortMs).toBeLessThan(5000);
    expect(res.stdout).toMatch(/worker-lost beta/);
  });

  it('a worker killed mid-run: its unfinished iterations move to the others, so every one runs', async () => {
    const server = await owned.didServer();
    const c = await startCluster(['alpha', 'beta', 'gamma']);
    owned.track(...c.all);
    const start = volley(
      ['start', 'test/fixtures/executors.ts', ...c.api, '--expect-workers', '3', '--host', server.url, '--json', join(c.dir, 'i.json')],
      { PLAN: 'loss' },
    );
    await waitForStatus(c.api, /running/);
    await sleep(2000);
    c.workers.get('beta')!.kill('SIGKILL');
    const res = await start;
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 'i.json'), 'utf8')).volley;
    const rebalanced = s.run.events.find((e: any) => e.kind === 'rebalanced');
    expect(rebalanced.detail).toMatch(/unfinished iteration\(s\) of pooled moved/);
    expect(rebalanced.detail).toMatch(/unfinished iteration\(s\) of each moved/);
    // the server's count is the truth: every iteration ran; at most the lost worker's last second again
    const t = server.totals();
    console.info(
      `iterations after a loss: pooled ${t['GET /health']} of 90, each ${t['POST /api/v1/did/verify']} of 36; ${rebalanced.detail}`,
    );
    expect(t['GET /health']).toBeGreaterThanOrEqual(90);
    expect(t['GET /health']).toBeLessThanOrEqual(90 + 12); // its 2 pooled VUs: in flight, plus up to a second unreported
    expect(t['POST /api/v1/did/verify']).toBeGreaterThanOrEqual(36);
    expect(t['POST /api/v1/did/verify']).toBeLessThanOrEqual(36 + 6);
  });

  it('the coordinator killed mid-run: traffic stops within 5 s, and the journal rebuilds the reports', async () => {
    const server = await owned.didServer();
    const c = await runningOnTwoWorkers(server.url);
    await sleep(3000);
    c.coordinator.kill('SIGKILL');
    const killAt = Date.now();
    const atKill = server.totals();
    await sleep(6500);
    const stoppedAfterMs = server.lastRequestAt() - killAt;
    console.info(`coordinator killed: the last request reached the target ${stoppedAfterMs} ms later`);
    expect(stoppedAfterMs).toBeLessThan(5000);

    const [journal] = await readdir(join(c.dir, 'journal'));
    const rebuilt = await volley(['report', join(c.dir, 'journal', journal!), '--json', join(c.dir, 'rebuilt.json')]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toMatch(/no end record/);
    const s = JSON.parse(await readFile(join(c.dir, 'rebuilt.json'), 'utf8')).volley;
    const fromJournal = countsFromSummary({ volley: s });
    const perSecond = Math.max(...s.timeline.map((p: any) => p.requests));
    expect(s.total.count).toBeGreaterThan(0);
    // equal to the server's counts up to the kill, within the last second's traffic
    console.info(
      `journal rebuild: ${s.total.count} requests; the server had answered ${Object.values(atKill).reduce((a, b) => a + b, 0)} at the kill; peak ${perSecond}/s`,
    );
    for (const route of Object.keys(atKill)) {
      const missing = atKill[route]! - (fromJournal[route] ?? 0);
      expect(missing, route).toBeGreaterThanOrEqual(0);
      expect(missing, route).toBeLessThanOrEqual(perSecond);
    }
  });

  it('the coordinator killed mid-run and restarted on its port: within 15 s every worker is back, and a new run on them is exact', async () => {
    const first = await owned.didServer();
    const c = await runningOnTwoWorkers(first.url);
    await sleep(2000);
    c.coordinator.kill('SIGKILL');
    await sleep(500);
    // a new coordinator on the same port: the workers' windows of the dead run mean nothing to it
    const restarted = spawnVolley(
      args`coordinator --listen 127.0.0.1:${c.port} --token-file ${c.tokenFile} --journal-dir ${join(c.dir, 'journal')}`,
    );
    owned.track(restarted);
    const restartAt = Date.now();
    await waitForStatus(c.api, /workers: 2 connected/, 15_000);
    console.info(`coordinator restarted: both workers back after ${Date.now() - restartAt} ms`);
    expect(Date.now() - restartAt).toBeLessThan(15_000);

    const second = await owned.didServer();
    const res = await volley(
      args`start test/fixtures/fast-did.ts ${c.api} --expect-workers 2 --expect-workers-timeout 5s --users 10 --spawn-rate 100 --run-time 3s --host ${second.url} --json ${join(c.dir, 'after.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 'after.json'), 'utf8'));
    expect(s.volley.run.workers.map((w: { name: string }) => w.name).sort()).toEqual(['alpha', 'beta']);
    expect(countsFromSummary(s)).toEqual(second.totals());
    expect(s.volley.total.count).toBeGreaterThan(0);
    // no link was closed on a worker for what it resent
    expect(restarted.output.stderr).not.toMatch(/bad message/);
    expect(restarted.exitCode).toBeNull();
  });

  it('a worker’s link cut for 3 s and restored: windows are resent, totals are whole', async () => {
    const server = await owned.didServer();
    const proxies: Awaited<ReturnType<typeof startProxy>>[] = [];
    const c = await startCluster(['direct', 'proxied'], async (name, port) => {
      if (name !== 'proxied') return port;
      const p = await startProxy(port);
      proxies.push(p);
      return p.port;
    });
    owned.track(...c.all);
    const start = volley(
      args`start test/fixtures/fast-did.ts ${c.api} --expect-workers 2 --users 20 --spawn-rate 200 --run-time 10s --host ${server.url} --json ${join(c.dir, 's.json')}`,
    );
    await waitForStatus(c.api, /running/);
    await sleep(2500);
    proxies[0]!.cut();
    await sleep(3000);
    proxies[0]!.restore();
    const res = await start;
    await proxies[0]!.close();
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 's.json'), 'utf8')).volley;
    expect(s.run.events.filter((e: any) => e.kind === 'worker-lost')).toEqual([]);
    expect(countsFromSummary({ volley: s })).toEqual(server.totals());
    // the proxied worker kept sending through the cut: its windows came late, none is missing
    expect(s.timeline.filter((p: any) => p.index < 9).every((p: any) => p.workers === 2)).toBe(true);
  });

  it('a worker that joins mid-run gets a share at once, and the totals stay exact', async () => {
    const server = await owned.didServer();
    const c = await startCluster(['first']);
    owned.track(...c.all);
    const start = volley(
      args`start test/fixtures/fast-did.ts ${c.api} --expect-workers 1 --users 20 --spawn-rate 200 --run-time 12s --host ${server.url} --json ${join(c.dir, 's.json')}`,
    );
    await waitForStatus(c.api, /running/);
    await sleep(2000);
    const tokenFile = c.api[c.api.indexOf('--token-file') + 1]!;
    const coordinatorWs = c.api[c.api.indexOf('--coordinator') + 1]!.replace('http', 'ws');
    const late = spawnVolley(['worker', '--coordinator', coordinatorWs, '--token-file', tokenFile, '--name', 'late', '--cores', '1']);
    owned.track(late);
    const res = await start;
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 's.json'), 'utf8')).volley;
    const joined = s.run.events.find((e: any) => e.kind === 'worker-joined');
    expect(joined.worker).toBe('late');
    expect(s.run.workers.map((w: any) => w.name).sort()).toEqual(['first', 'late']);
    // the whole seconds from one after the join to the ramp-down (a worker's start takes 1-3 s under a loaded suite)
    const afterJoin = s.timeline.filter((p: any) => p.index * 1000 > joined.atMs + 1000 && p.index < 11);
    expect(afterJoin.length).toBeGreaterThan(2);
    for (const p of afterJoin) expect(p).toMatchObject({ workers: 2, vus: 20 });
    expect(countsFromSummary({ volley: s })).toEqual(server.totals());
  });
});
