import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '@volley/shared';
import { args } from '../cli-args.js';
import {
  countsFromSummary,
  freePort,
  sleep,
  spawnVolley,
  startCluster,
  stopAfterEach,
  volley,
  waitForOutput,
  waitForStatus,
} from '../helpers.js';

/** Opens a raw WebSocket to the coordinator; resolves with how it was closed (or refused). */
async function attack(
  url: string,
  token: string | undefined,
  act: (ws: WebSocket) => void | Promise<void>,
): Promise<{ code: number; reason: string }> {
  const ws = new WebSocket(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ code: res.statusCode ?? 0, reason: 'http' });
      ws.terminate();
    });
    ws.on('error', () => undefined);
  });
  ws.on('open', () => void act(ws));
  return closed;
}

const hello = (protocol = PROTOCOL_VERSION) =>
  JSON.stringify({ type: 'hello', protocol, name: 'intruder', cores: 1, pid: 1, version: 'x' });

describe('trust', () => {
  const owned = stopAfterEach();

  it('hostile connections are closed with a reason and the run in progress is unharmed', async () => {
    const server = await owned.didServer();
    const c = await startCluster(['a', 'b']);
    owned.track(...c.all);
    const { dir, api } = c;
    const ws = `ws://127.0.0.1:${c.port}`;
    const start = volley(
      args`start test/fixtures/fast-did.ts ${api} --expect-workers 2 --users 20 --spawn-rate 200 --run-time 8s --host ${server.url} --json ${join(dir, 's.json')}`,
    );
    await waitForStatus(api, /running/);

    const T = 'cluster-token';
    expect(await attack(ws, undefined, () => undefined)).toEqual({ code: 401, reason: 'http' });
    expect(await attack(ws, 'wrong', () => undefined)).toEqual({ code: 401, reason: 'http' });
    expect(await attack(ws, T, (s) => s.send('garbage'))).toEqual({ code: 1008, reason: 'frame is not JSON' });
    expect(await attack(ws, T, (s) => s.send(Buffer.from([1, 2, 3]), { binary: true }))).toMatchObject({ code: 1008, reason: /binary/ });
    expect(await attack(ws, T, (s) => s.send(hello(99)))).toMatchObject({ code: 1002, reason: /protocol 99 unsupported/ });
    expect(await attack(ws, T, (s) => s.send(JSON.stringify({ type: 'ready', runId: 'x' })))).toMatchObject({
      code: 1008,
      reason: 'expected hello first',
    });
    expect(
      await attack(ws, T, (s) => {
        s.send(hello());
        s.send(JSON.stringify({ type: 'launch-missiles' }));
      }),
    ).toMatchObject({ code: 1008, reason: /bad type/ });
    expect(
      await attack(ws, T, (s) => {
        s.send(hello());
        s.send(JSON.stringify({ type: 'heartbeat', now: 'soon' }));
      }),
    ).toMatchObject({ code: 1008, reason: /bad now/ });
    expect(await attack(ws, T, (s) => s.send('x'.repeat(9 * 1024 * 1024)))).toMatchObject({ code: 1009 });
    expect(
      await attack(ws, T, (s) => {
        s.send(hello());
        for (let i = 0; i < 2000; i++) s.send(JSON.stringify({ type: 'heartbeat', now: i }));
      }),
    ).toEqual({ code: 1008, reason: 'message flood' });
    // an intruder with the token is admitted to the run as a late joiner; its malformed window is refused
    expect(
      await attack(ws, T, (s) => {
        s.send(hello());
        s.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.type !== 'prepare') return;
          s.send(
            JSON.stringify({
              type: 'window',
              runId: m.config.runId,
              index: 1,
              vus: 1,
              series: [
                { kind: 'trend', metric: 'http_req_duration', tags: {}, count: 1, sum: 1, min: 1, max: 1, hist: 'SElTVEZBQUFBQ0I0bkpO' },
              ],
            }),
          );
        });
      }),
    ).toMatchObject({ code: 1008, reason: /malformed histogram/ });

    // an impostor claims a real worker's id: refused, and the real worker's windows still count
    const status = (await (await fetch(`http://127.0.0.1:${c.port}/api/status`, { headers: { authorization: `Bearer ${T}` } })).json()) as {
      workers: { id: string }[];
    };
    const victim = status.workers[0]!.id;
    expect(await attack(ws, T, (s) => s.send(JSON.stringify({ ...JSON.parse(hello()), workerId: victim })))).toEqual({
      code: 1008,
      reason: `worker id ${victim} is taken`,
    });
    expect(
      await attack(ws, T, (s) => s.send(JSON.stringify({ ...JSON.parse(hello()), workerId: victim, secret: 'f'.repeat(32) }))),
    ).toEqual({ code: 1008, reason: `worker id ${victim} is taken` });
    // an admitted intruder's absurd window: it is dropped from the run, and the report says so
    expect(
      await attack(ws, T, (s) => {
        s.send(hello());
        s.on('message', (data) => {
          const m = JSON.parse(data.toString());
          if (m.type === 'prepare')
            s.send(JSON.stringify({ type: 'window', runId: m.config.runId, index: 10_000_000, vus: 1, series: [] }));
        });
      }),
    ).toMatchObject({ code: 1008, reason: /implausible window: index 10000000 is past the run's end/ });

    const res = await start;
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(countsFromSummary(s)).toEqual(server.totals());
    expect(s.volley.total.count).toBeGreaterThan(1000);
    expect(s.volley.run.events).toContainEqual(
      expect.objectContaining({ kind: 'worker-lost', worker: 'intruder', detail: expect.stringMatching(/^dropped: implausible window/) }),
    );
  });

  it('the control API answers bad bodies with 4xx and a reason', async () => {
    const port = await freePort();
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, '--token', 'tok', '--max-duration', '10m']);
    owned.track(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    const call = async (method: string, path: string, body?: string, token = 'tok') => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        body,
        headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      });
      return { status: r.status, body: (await r.json()) as { error?: string } };
    };
    expect(await call('POST', '/api/runs', '{not json')).toEqual({ status: 400, body: { error: 'body is not JSON' } });
    expect(await call('POST', '/api/runs', '{}')).toMatchObject({ status: 400, body: { error: /^scenario: / } });
    expect(
      await call(
        'POST',
        '/api/runs',
        JSON.stringify({ scenario: { name: 'x', code: '' }, host: 'ftp://x', users: 1, spawnRate: 1, runTimeMs: 1000 }),
      ),
    ).toMatchObject({ status: 400, body: { error: /host/ } });
    expect(
      await call(
        'POST',
        '/api/runs',
        JSON.stringify({ scenario: { name: 'x', code: '' }, host: 'http://127.0.0.1:1', users: -1, spawnRate: 1, runTimeMs: 1000 }),
      ),
    ).toMatchObject({ status: 400, body: { error: /^users: / } });
    // what one start request may ask for is limited, and the refusal names the limit
    const run = (over: object) =>
      JSON.stringify({ scenario: { name: 'x', code: '' }, host: 'http://127.0.0.1:1', users: 1, spawnRate: 1, runTimeMs: 1000, ...over });
    expect(await call('POST', '/api/runs', run({ users: 10_000_000 }))).toEqual({
      status: 400,
      body: { error: "10000000 users is over this coordinator's limit of 1000000 (--max-users)" },
    });
    expect(await call('POST', '/api/runs', run({ runTimeMs: 3_600_000 }))).toEqual({
      status: 400,
      body: { error: "a run of 1h is over this coordinator's limit of 10m (--max-duration)" },
    });
    expect(await call('GET', '/api/status', undefined, 'nope')).toEqual({ status: 401, body: { error: 'missing or wrong token' } });
    expect(await call('POST', '/api/runs/current/stop')).toEqual({ status: 409, body: { error: 'no run in progress' } });
    expect((await call('GET', '/api/nothing')).status).toBe(404);
    expect(coordinator.exitCode).toBeNull();
  });

  it('runs end to end over TLS with a self-signed certificate; the worker token does not open the control API', async () => {
    const server = await owned.didServer();
    const dir = await mkdtemp(join(tmpdir(), 'volley-tls-'));
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')];
    execFileSync(
      'openssl',
      args`req -x509 -newkey rsa:2048 -nodes -keyout ${key} -out ${cert} -days 1 -subj /CN=volley-test -addext subjectAltName=IP:127.0.0.1`,
      { stdio: 'ignore' },
    );
    await writeFile(join(dir, 'control'), 'control-token');
    await writeFile(join(dir, 'worker'), 'worker-token');
    const port = await freePort();
    const coordinator = spawnVolley(
      args`coordinator --listen 127.0.0.1:${port} --token-file ${join(dir, 'control')} --worker-token-file ${join(dir, 'worker')} --tls-cert ${cert} --tls-key ${key} --journal-dir ${join(dir, 'j')}`,
    );
    owned.track(coordinator);
    await waitForOutput(coordinator, /coordinator listening on https:/);
    for (const name of ['t1', 't2']) {
      owned.track(
        spawnVolley(args`worker --coordinator wss://127.0.0.1:${port} --tls-ca ${cert} --token-file ${join(dir, 'worker')} --name ${name}`),
      );
    }
    const https = ['--coordinator', `https://127.0.0.1:${port}`, '--tls-ca', cert];
    const asWorker = await volley(['status', ...https, '--token-file', join(dir, 'worker')]);
    expect(asWorker.code).toBe(2);
    expect(asWorker.stderr).toMatch(/401/);
    const untrusted = await volley(['status', '--coordinator', `https://127.0.0.1:${port}`, '--token-file', join(dir, 'control')]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/certificate/i);
    const res = await volley(
      args`start examples/did-api/locustfile.ts ${https} --token-file ${join(dir, 'control')} --expect-workers 2 --users 20 --spawn-rate 20 --run-time 3s --host ${server.url} --json ${join(dir, 's.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(s.volley.run.workers).toHaveLength(2);
    expect(countsFromSummary(s)).toEqual(server.totals());
  });

  it('Ctrl-C ends a local run gracefully: the last windows are collected and reports written', async () => {
    const server = await owned.didServer();
    const dir = await mkdtemp(join(tmpdir(), 'volley-sigint-'));
    const run = spawnVolley(
      args`run test/fixtures/fast-did.ts --workers 2 --users 10 --spawn-rate 100 --run-time 60s --host ${server.url} --json ${join(dir, 's.json')} --journal-dir ${join(dir, 'j')}`,
    );
    owned.track(run);
    await sleep(4000);
    const t0 = Date.now();
    run.kill('SIGINT');
    const [code] = await once(run, 'exit');
    expect(code, run.output.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(run.output.stdout).toMatch(/Total requests:/);
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(countsFromSummary(s)).toEqual(server.totals());
  });
});
