import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startDidServer, type DidServer } from 'volley/did-server';
import { CPU_SHARED, volley } from '../helpers.js';
import { args } from '../cli-args.js';

describe('volley run --url (ad-hoc, as autocannon and hey)', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-adhoc-'));
  });
  afterAll(() => server.close());

  it('closed model: N users back to back', async () => {
    const res = await volley(args`run --url ${server.url}/health --users 4 --run-time 2s --workers 2 --json ${join(dir, 'a.json')}`);
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    expect(s.volley.requests.map((r: any) => r.name)).toEqual(['/health']);
    expect(s.volley.total.count).toBe(server.totals()['GET /health']);
    expect(s.volley.total.count).toBeGreaterThan(100);
  });

  it('--rate: a constant arrival rate, within 2 %', async () => {
    const before = server.totals()['GET /health'] ?? 0;
    const res = await volley(
      args`run --url ${server.url}/health --rate 200 --users 20 --run-time 3s --workers 2 --json ${join(dir, 'b.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8'));
    expect(Math.abs(s.volley.total.count - 600) / 600).toBeLessThanOrEqual(0.02);
    expect(server.totals()['GET /health']! - before).toBe(s.volley.total.count);
    expect(res.stdout).not.toMatch(/closed model/);
  });

  it('--method, --header and --body, as hey and autocannon take them', async () => {
    const seen = new Map<string, number>();
    const echo = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        const key = `${req.method} ${req.url} ${req.headers['content-type']} ${req.headers['x-tenant']} ${body}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        res.end('{}');
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/api/v1/did/verify?x=1`;
      const res = await volley(
        args`run --url ${url} -m post --header ${'Content-Type: application/json'} --header x-tenant:acme --body ${'{"did":"did:ex:1"}'} --users 2 --run-time 1s --workers 1 --json ${join(dir, 'm.json')}`,
      );
      expect(res.code, res.stderr).toBe(0);
      const s = JSON.parse(await readFile(join(dir, 'm.json'), 'utf8'));
      expect(s.volley.requests.map((r: any) => [r.method, r.name])).toEqual([['POST', '/api/v1/did/verify?x=1']]);
      // every request the server saw was the one asked for, and the report counts them all
      expect([...seen.keys()]).toEqual(['POST /api/v1/did/verify?x=1 application/json acme {"did":"did:ex:1"}']);
      expect(seen.values().next().value).toBe(s.volley.total.count);

      // k6's --http-debug: each exchange on the worker's stderr; =full with the bodies
      const heads = await volley(
        args`run --url ${url} -m post --header x-tenant:acme --body ${'{"did":"did:ex:2"}'} --users 1 --run-time 1s --workers 1 --http-debug`,
      );
      expect(heads.code, heads.stderr).toBe(0);
      expect(heads.stderr).toContain(`> POST ${url}\n> x-tenant: acme\n< 200 (`);
      expect(heads.stderr).toMatch(/^< content-length: 2$/m);
      expect(heads.stderr).not.toContain('did:ex:2');
      const full = await volley(
        args`run --url ${url} -m post --body ${'{"did":"did:ex:3"}'} --users 1 --run-time 1s --workers 1 --http-debug=full`,
      );
      expect(full.stderr).toMatch(/^> \{"did":"did:ex:3"\}\n< 200 \([\d.]+ ms\)\n(< [\w-]+: .+\n)+<\n< \{\}$/m);
    } finally {
      echo.close();
    }
  });

  it('says what is wrong with the arguments', async () => {
    expect((await volley(['run', '--url', 'http://127.0.0.1:9/', '--header', 'no colon here'])).stderr).toMatch(
      /--header "no colon here": expected "Name: value"/,
    );
    expect((await volley(['run', '--url', 'http://127.0.0.1:9/', '--method', 'GE T'])).stderr).toMatch(
      /--method "GE T": not an HTTP method/,
    );
    expect((await volley(['run', 'x.ts', '--body', 'b'])).stderr).toMatch(/--body goes with --url/);
    expect((await volley(['run', '--run-time', '1s'])).stderr).toMatch(/name a scenario file, or give --url URL/);
    expect((await volley(['run', '--url', 'ftp://x/y'])).stderr).toMatch(/--url ftp:\/\/x\/y: only http and https/);
    expect((await volley(['run', '--url', 'http://127.0.0.1:9/', '--http-debug=bodies'])).stderr).toMatch(
      /--http-debug bodies: write --http-debug \(the heads\) or --http-debug=full/,
    );
  });

  it('runs its one worker in the CLI’s own process; a scenario file’s runs in a process of its own', async () => {
    // who logged what: the coordinator's "listening" and the worker's "connected", each with its pid
    const pids = (stderr: string): { coordinator?: number; worker?: number } => {
      const lines = stderr.split('\n').flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as { msg: string; pid: number }] : []));
      return {
        coordinator: lines.find((l) => l.msg === 'coordinator listening')?.pid,
        worker: lines.find((l) => l.msg === 'connected')?.pid,
      };
    };
    const adhoc = await volley(args`run --url ${server.url}/health --users 2 --run-time 1s --workers 1 -L info`);
    expect(adhoc.code, adhoc.stderr).toBe(0);
    expect(adhoc.stdout).toMatch(/http_reqs\.+: [1-9]/);
    const one = pids(adhoc.stderr);
    expect(one.coordinator).toBeDefined();
    expect(one.worker).toBe(one.coordinator);
    const file = await volley(
      args`run examples/did-api/locustfile.ts --users 2 --spawn-rate 2 --run-time 1s --workers 1 --host ${server.url} -L info`,
    );
    expect(file.code, file.stderr).toBe(0);
    const apart = pids(file.stderr);
    expect(apart.worker).toBeDefined();
    expect(apart.worker).not.toBe(apart.coordinator);
  });

  it("Locust's --exit-code-on-error: that code when a request failed, 0 when none did; -L takes Locust's level names", async () => {
    // the sample server answers 404 to a path it does not know
    const failing = await volley(args`run --url ${server.url}/nope --users 1 --run-time 1s --workers 1 --exit-code-on-error 3 -L WARNING`);
    expect(failing.code, failing.stderr).toBe(3);
    expect(failing.stdout).toMatch(/Failures: [1-9]/);
    const fine = await volley(
      args`run --url ${server.url}/health --users 1 --run-time 1s --workers 1 --exit-code-on-error 3 --stop-timeout 5`,
    );
    expect(fine.code, fine.stderr).toBe(0);
    // without it, as k6: failed requests alone do not fail the run
    const plain = await volley(['run', '--url', `${server.url}/nope`, '--users', '1', '--run-time', '1s', '--workers', '1']);
    expect(plain.code, plain.stderr).toBe(0);
    expect((await volley(['run', '--url', `${server.url}/health`, '--exit-code-on-error', '300'])).stderr).toMatch(
      /--exit-code-on-error must be a whole number from 0 to 255, got 300/,
    );
    expect((await volley(['run', '--url', `${server.url}/health`, '-L', 'LOUD'])).stderr).toMatch(
      /--log-level LOUD: use trace, debug, info, warn, error, fatal or silent/,
    );
  });

  it('a worker whose event loop stalled once says so, with how long', async () => {
    const res = await volley(
      args`run test/fixtures/stalling-worker.ts --users 2 --spawn-rate 2 --run-time 3s --workers 1 --host ${server.url} --json ${join(dir, 'e.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const health = JSON.parse(await readFile(join(dir, 'e.json'), 'utf8')).volley.run.workers[0].health;
    expect(health.lagMaxMs).toBeGreaterThanOrEqual(250);
    // a second's p99 holds the stall only if it came early in that second: either way it is said
    const said = /note: worker local-1's event loop (?:stalled once for|lagged up to) (\d+) ms/.exec(res.stdout);
    expect(said, res.stdout).not.toBeNull();
    expect(Number(said![1])).toBeGreaterThanOrEqual(250);
  });

  it.skipIf(CPU_SHARED)(
    'a worker at its limit is reported as the likely bottleneck; a light run is not (measures its own CPU)',
    async () => {
      // a worker busy with its users' own code: since its connections are lean, a URL alone no longer saturates it before the sample server
      const busy = await volley(
        args`run test/fixtures/busy-worker.ts --users 16 --spawn-rate 16 --run-time 4s --workers 1 --host ${server.url} --json ${join(dir, 'c.json')}`,
      );
      expect(busy.code, busy.stderr).toBe(0);
      const c = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8')).volley;
      expect(c.run.workers[0].health.cpuMax).toBeGreaterThan(0.9);
      expect(busy.stdout).toMatch(/note: worker local-1 used \d+% of a core at its busiest .* may have limited this run/);
      const light = await volley(
        args`run examples/did-api/locustfile.ts --users 5 --spawn-rate 5 --run-time 3s --workers 1 --host ${server.url} --json ${join(dir, 'd.json')}`,
      );
      expect(light.code, light.stderr).toBe(0);
      const d = JSON.parse(await readFile(join(dir, 'd.json'), 'utf8')).volley;
      expect(d.run.workers[0].health.cpuAvg).toBeLessThan(0.5);
      // its users slept 1–3 s between tasks and woke on time
      expect(d.run.workers[0].health.wakeLateMaxMs).toBeLessThan(50);
      expect(light.stdout).not.toMatch(/may have limited this run|woke from their think time/);
    },
  );
});
