import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { coordinatorOnBarredPort, countsFromSummary, freePort, spawnVolley, stopProcess, volley, waitForOutput } from '../helpers.js';
import { args } from '../cli-args.js';

/** Coordinator, workers and client as separate `volley` processes, as across machines. */
describe('volley coordinator / worker / start', () => {
  let server: DidServer;
  let dir: string;
  let tokenFile: string;
  let api: string;
  const procs: ReturnType<typeof spawnVolley>[] = [];

  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-dist-'));
    tokenFile = join(dir, 'token');
    await writeFile(tokenFile, 's3cret-token\n', { mode: 0o600 });
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, '--token-file', tokenFile]);
    procs.push(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
  });
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p)));
    await server?.close();
  });

  it('refuses a worker with a wrong token, and the control API without one', async () => {
    const bad = join(dir, 'bad-token');
    await writeFile(bad, 'wrong');
    const worker = await volley(['worker', '--coordinator', api.replace('http', 'ws'), '--token-file', bad], {}, 20_000);
    expect(worker.code).toBe(2);
    expect(worker.stderr).toMatch(/refused our token/);
    const status = await volley(['status', '--coordinator', api], { VOLLEY_TOKEN: '' }, 20_000);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/401/);
  });

  it('waits for the expected workers, runs across them, and reports what the server saw', async () => {
    const ws = api.replace('http', 'ws');
    const start = volley(
      args`start examples/did-api/locustfile.ts --coordinator ${api} --token-file ${tokenFile} --expect-workers 2 --users 40 --spawn-rate 40 --run-time 4s --host ${server.url} --json ${join(dir, 's.json')}`,
    );
    // the workers join after the run was asked for: it must wait for both
    await new Promise((r) => setTimeout(r, 1500));
    for (const name of ['alpha', 'beta'])
      procs.push(spawnVolley(['worker', '--coordinator', ws, '--token-file', tokenFile, '--name', name]));
    const status = await (async () => {
      for (let i = 0; i < 100; i++) {
        const s = await volley(['status', '--coordinator', api, '--token-file', tokenFile], {}, 20_000);
        if (/running/.test(s.stdout)) return s;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error('the run never showed as running');
    })();
    expect(status.stdout).toMatch(/workers: 2 connected/);
    // Prometheus sees the live run (with the token; without it, 401)
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect((await fetch(`${api}/metrics`)).status).toBe(401);
    let metrics = '';
    // each worker's health comes with its windows: wait for alpha's too
    const complete = (m: string): boolean =>
      /volley_request_duration_seconds\{name="health_check",quantile="0.95"\} [0-9.e-]+/.test(m) &&
      /volley_worker_wake_late_seconds\{worker="[\w-]+",name="alpha"\}/.test(m);
    for (let i = 0; i < 50 && !complete(metrics); i++) {
      metrics = await (await fetch(`${api}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(metrics).toMatch(/^volley_workers\{connected="true"\} 2$/m);
    expect(metrics).toMatch(/^volley_worker_up\{worker="w-[0-9a-f]{8}",name="alpha"\} 1$/m);
    expect(metrics).toMatch(/^volley_run_active\{run="run-[\w-]+",state="running"\} 1$/m);
    expect(metrics).toMatch(/^volley_request_duration_seconds\{name="health_check",quantile="0.95"\} [0-9.e-]+$/m);
    expect(Number(/^volley_run_vus (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^volley_worker_wake_late_seconds\{worker="w-[0-9a-f]{8}",name="alpha"\} [0-9.e-]+$/m);
    const res = await start;
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/2 worker\(s\), 40 users/);
    const summary = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(summary.volley.run.workers.map((w: { name: string }) => w.name).sort()).toEqual(['alpha', 'beta']);
    expect(countsFromSummary(summary)).toEqual(server.totals());
  });

  it('says clearly when the expected workers do not come', async () => {
    const res = await volley(
      args`start examples/did-api/locustfile.ts --coordinator ${api} --token-file ${tokenFile} --expect-workers 5 --expect-workers-timeout 1s --users 1 --run-time 1s --host ${server.url}`,
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/only 2 of 5 expected worker\(s\) joined within 1 s/);
  });

  it('reaches a coordinator on a port the fetch standard bars (10080, 6665–6669, …)', async () => {
    const { coordinator, port } = await coordinatorOnBarredPort(['--token-file', tokenFile]);
    procs.push(coordinator);
    await waitForOutput(coordinator, new RegExp(`browsers refuse port ${port} .*the dashboard will not open there`));
    const status = await volley(['status', '--coordinator', `http://127.0.0.1:${port}`, '--token-file', tokenFile], {}, 20_000);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/workers: 0 connected/);
    await stopProcess(coordinator);
  });

  it('volley stop ends the run early and the summary still comes', async () => {
    const started = Date.now();
    const start = volley(
      args`start examples/did-api/locustfile.ts --coordinator ${api} --token-file ${tokenFile} --expect-workers 2 --users 10 --spawn-rate 10 --run-time 60s --host ${server.url} --json ${join(dir, 'stopped.json')}`,
    );
    for (let i = 0; i < 100; i++) {
      const s = await volley(['status', '--coordinator', api, '--token-file', tokenFile], {}, 20_000);
      if (/running/.test(s.stdout)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const stop = await volley(['stop', '--coordinator', api, '--token-file', tokenFile]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/stopping run-/);
    const res = await start;
    expect(res.code, res.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    const summary = JSON.parse(await readFile(join(dir, 'stopped.json'), 'utf8'));
    expect(summary.state.testRunDurationMs).toBeLessThan(20_000);
  });
});
