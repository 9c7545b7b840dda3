import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';
import { args } from '../cli-args.js';

const listen = async (s: Server): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
};

describe('scenario data and per-VU HTTP state', () => {
  let did: DidServer;
  let dir: string;
  beforeAll(async () => {
    did = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-state-'));
  });
  afterAll(() => did.close());

  const run = (plan: string, args: string[]) =>
    volley(['run', 'test/fixtures/http-state.ts', '--workers', '2', '--json', join(dir, `${plan}.json`), ...args], { PLAN: plan });

  it('a CSV data file reaches every VU, parsed once and frozen', async () => {
    await writeFile(join(dir, 'wallets.csv'), 'wallet,hash\naddr_a,"h,1"\naddr_b,h2\n');
    const res = await run('data', ['--host', did.url, '--data', `wallets=${join(dir, 'wallets.csv')}`]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(did.counts()['POST /api/v1/did/enroll']).toEqual({ 201: 20 });
    const s = JSON.parse(await readFile(join(dir, 'data.json'), 'utf8'));
    expect(s.volley.checks).toEqual([{ name: 'rows are frozen', passes: 20, fails: 0 }]);
  });

  it('a data file that does not parse, and an unknown executor, are refused before any traffic', async () => {
    const before = JSON.stringify(did.counts());
    await writeFile(join(dir, 'broken.json'), '{"a": [1, 2,}');
    const bad = await run('data', ['--host', did.url, '--data', `wallets=${join(dir, 'broken.json')}`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--data .*broken\.json: does not parse as JSON/);
    const f = join(dir, 'unknown-executor.ts');
    await writeFile(f, "export const options = { scenarios: { x: { executor: 'warp-speed' } } };\nexport default async function () {}\n");
    const unknown = await volley(['run', f, '--workers', '1', '--host', did.url]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown-executor\.ts: options\.scenarios\.x: unknown executor "warp-speed"/);
    expect(JSON.stringify(did.counts())).toBe(before);
  });

  it('each VU keeps its own cookies; tags and groups reach the metrics', async () => {
    let n = 0;
    const server = createHttp((req, res) => {
      if (req.url === '/login') {
        res.writeHead(200, { 'set-cookie': `session=user-${++n}; Path=/; HttpOnly` }).end('ok');
      } else {
        const m = /session=([^;]+)/.exec(req.headers.cookie ?? '');
        res.writeHead(m ? 200 : 401).end(m ? m[1] : 'no session');
      }
    });
    const port = await listen(server);
    try {
      const res = await run('cookies', ['--host', `http://127.0.0.1:${port}`]);
      expect(res.code, res.stderr + res.stdout).toBe(0);
      const s = JSON.parse(await readFile(join(dir, 'cookies.json'), 'utf8'));
      // each login hands out a new session; every VU got back its own, not a neighbour's
      const me = s.volley.requests.find((r: any) => r.name === 'me');
      expect(me).toMatchObject({ count: 20, failures: 0 });
      expect(s.volley.checks).toEqual([{ name: 'my own session came back', passes: 20, fails: 0 }]);
      expect(s.metrics.group_duration.values.count).toBe(20);
      expect(s.metrics['http_req_duration{name:login}'].values.count).toBe(20);
    } finally {
      server.close();
    }
  });

  it("k6's request phases, the bytes on the wire, and one keep-alive connection per VU", async () => {
    // the server counts every byte of every connection: data_sent and data_received must equal them
    let connections = 0;
    let open = 0;
    const wire = { in: 0, out: 0 };
    const server = createHttp((_req, res) => res.end('x'.repeat(100)));
    server.on('connection', (socket) => {
      connections++;
      open++;
      socket.on('close', () => {
        open--;
        wire.in += socket.bytesRead;
        wire.out += socket.bytesWritten;
      });
    });
    const port = await listen(server);
    try {
      const res = await volley(
        ['run', 'test/fixtures/http-state.ts', '--workers', '2', '--json', join(dir, 'phases.json'), '--host', `http://127.0.0.1:${port}`],
        { PLAN: 'phases' },
      );
      expect(res.code, res.stderr + res.stdout).toBe(0);
      for (let i = 0; i < 50 && open > 0; i++) await new Promise((r) => setTimeout(r, 100)); // workers have exited: their sockets close
      const s = JSON.parse(await readFile(join(dir, 'phases.json'), 'utf8'));
      expect(s.volley.total).toMatchObject({ count: 20, failures: 0 });
      // 4 VUs doing one request at a time: 4 connections, each reused (as k6 and Locust give each user its own)
      expect(connections).toBe(4);
      expect(s.metrics.data_sent.values.count).toBe(wire.in);
      expect(s.metrics.data_received.values.count).toBe(wire.out);
      expect(wire.out).toBeGreaterThan(20 * 100); // heads as well as bodies
      const m = (k: string) => s.metrics[k].values;
      for (const k of [
        'http_req_blocked',
        'http_req_connecting',
        'http_req_tls_handshaking',
        'http_req_sending',
        'http_req_waiting',
        'http_req_receiving',
      ])
        expect(m(k).count, k).toBe(20);
      expect(m('http_req_connecting').max).toBeGreaterThan(0);
      expect(m('http_req_connecting').med).toBe(0); // 4 of 20 requests opened a connection
      expect(m('http_req_tls_handshaking').max).toBe(0);
      expect(m('http_req_waiting').avg).toBeLessThanOrEqual(m('http_req_duration').avg);
      // the tagged threshold was judged on its own series
      expect(s.volley.thresholds).toEqual([expect.objectContaining({ metric: 'http_req_waiting{name:tls}', ok: true })]);
      expect(s.metrics['http_req_waiting{name:tls}'].values.count).toBe(20);
    } finally {
      server.close();
    }
  });

  it('--connections caps each worker at N connections, shared by its users', async () => {
    let connections = 0;
    const server = createHttp((_req, res) => setTimeout(() => res.end('ok'), 5));
    server.on('connection', () => connections++);
    const port = await listen(server);
    try {
      const res = await volley(
        args`run test/fixtures/http-state.ts --workers 2 --connections 1 --json ${join(dir, 'capped.json')} --host http://127.0.0.1:${port}`,
        { PLAN: 'tls' },
      );
      expect(res.code, res.stderr + res.stdout).toBe(0);
      const capped = JSON.parse(await readFile(join(dir, 'capped.json'), 'utf8'));
      expect(capped.volley.total).toMatchObject({ count: 20, failures: 0 });
      expect(connections).toBe(2); // one per worker process, its 2 users taking turns
      // the turn waited for is in http_req_blocked, not in the duration (as k6 counts it)
      const m = (k: string) => capped.metrics[k].values;
      expect(m('http_req_blocked').avg).toBeGreaterThan(1);
      expect(m('http_req_duration').avg).toBeCloseTo(
        m('http_req_sending').avg + m('http_req_waiting').avg + m('http_req_receiving').avg,
        1,
      );
      const bad = await volley(
        ['run', 'test/fixtures/http-state.ts', '--workers', '1', '--connections', '0', '--host', `http://127.0.0.1:${port}`],
        { PLAN: 'tls' },
      );
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--connections must be a whole number ≥ 1, got 0/);
    } finally {
      server.close();
    }
  });

  it('requests still waiting when the graceful stop runs out are cut, and counted as interrupted', async () => {
    const held: import('node:http').ServerResponse[] = [];
    const server = createHttp((_req, res) => void held.push(res)); // never answers
    const port = await listen(server);
    try {
      const began = Date.now();
      const res = await volley(
        ['run', 'test/fixtures/executors.ts', '--workers', '1', '--json', join(dir, 'hang.json'), '--host', `http://127.0.0.1:${port}`],
        { PLAN: 'hang' },
      );
      expect(res.code, res.stderr + res.stdout).toBe(0);
      expect(Date.now() - began, res.stderr.slice(-2000)).toBeLessThan(15_000); // 2 s, 1 s of grace, then cut (not the 60 s request timeout)
      const s = JSON.parse(await readFile(join(dir, 'hang.json'), 'utf8')).volley;
      expect(held.length).toBe(3);
      expect(s.failures).toEqual([expect.objectContaining({ name: 'hang', error: 'INTERRUPTED', count: 3 })]);
    } finally {
      for (const r of held) r.destroy();
      server.close();
    }
  });

  it('an HTTPS target with a self-signed certificate: refused by default, trusted with its CA, or with skip-verify', async () => {
    const [cert, key] = [join(dir, 'c.pem'), join(dir, 'k.pem')];
    execFileSync(
      'openssl',
      args`req -x509 -newkey rsa:2048 -nodes -keyout ${key} -out ${cert} -days 1 -subj /CN=t -addext subjectAltName=IP:127.0.0.1`,
      { stdio: 'ignore' },
    );
    const server = createHttps({ cert: readFileSync(cert), key: readFileSync(key) }, (_req, res) => res.end('ok')) as unknown as Server;
    const port = await listen(server);
    try {
      const host = `https://127.0.0.1:${port}`;
      await run('tls', ['--host', host]);
      const r1 = JSON.parse(await readFile(join(dir, 'tls.json'), 'utf8')).volley;
      expect(r1.total).toMatchObject({ count: 20, failures: 20 });
      expect(r1.failures[0].error).toMatch(/SELF_SIGNED|CERT|UNABLE/i);
      await run('tls', ['--host', host, '--target-ca', cert]);
      expect(JSON.parse(await readFile(join(dir, 'tls.json'), 'utf8')).volley.total).toMatchObject({ count: 20, failures: 0 });
      await run('tls', ['--host', host, '--insecure-skip-tls-verify']);
      const ok = JSON.parse(await readFile(join(dir, 'tls.json'), 'utf8'));
      expect(ok.volley.total).toMatchObject({ count: 20, failures: 0 });
      // a handshake per VU connection, none on reuse
      expect(ok.metrics.http_req_tls_handshaking.values.max).toBeGreaterThan(0);
      expect(ok.metrics.http_req_tls_handshaking.values.med).toBe(0);
    } finally {
      server.close();
    }
  });

  it('a target that demands a client certificate: refused without one, served with --target-cert/--target-key', async () => {
    const f = (n: string): string => join(dir, n);
    const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=test-ca');
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      f('srv.key'),
      '-out',
      f('srv.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=srv',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    );
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('client.key'), '-out', f('client.csr'), '-subj', '/CN=volley-client');
    ssl(
      'x509',
      '-req',
      '-in',
      f('client.csr'),
      '-CA',
      f('ca.pem'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-out',
      f('client.pem'),
      '-days',
      '1',
    );
    const seen: string[] = [];
    const server = createHttps(
      {
        cert: readFileSync(f('srv.pem')),
        key: readFileSync(f('srv.key')),
        ca: readFileSync(f('ca.pem')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        seen.push((req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN as string);
        res.end('ok');
      },
    ) as unknown as Server;
    const port = await listen(server);
    try {
      const host = `https://127.0.0.1:${port}`;
      await run('tls', ['--host', host, '--target-ca', f('srv.pem')]);
      expect(JSON.parse(await readFile(join(dir, 'tls.json'), 'utf8')).volley.total).toMatchObject({ count: 20, failures: 20 });
      expect(seen).toEqual([]);
      await run('tls', ['--host', host, '--target-ca', f('srv.pem'), '--target-cert', f('client.pem'), '--target-key', f('client.key')]);
      expect(JSON.parse(await readFile(join(dir, 'tls.json'), 'utf8')).volley.total).toMatchObject({ count: 20, failures: 0 });
      expect(new Set(seen)).toEqual(new Set(['volley-client']));
    } finally {
      server.close();
    }
  });
});
