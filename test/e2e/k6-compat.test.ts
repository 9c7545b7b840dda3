import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDidServer, type DidServer } from '@volley/examples/did-api/server';
import { startCluster, stopProcess, volley } from '../helpers.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** A target for k6's HTTP behaviours: echo, redirects, cookies, basic and digest auth; it counts what it answers. */
async function startTarget(): Promise<{ url: string; hits: Map<string, number>; vus: { vu: number; iter: number; mine: number; inTest: number }[]; conns: { opened: number; slowPeak: number }; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const conns = { opened: 0, slowPeak: 0 };
  let slow = 0;
  const vus: { vu: number; iter: number; mine: number; inTest: number }[] = [];
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url!, 'http://x');
    hits.set(u.pathname, (hits.get(u.pathname) ?? 0) + 1);
    const json = (status: number, v: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-custom-thing': 'yes', ...headers }).end(JSON.stringify(v));
    };
    const redirect = /^\/redirect\/(\d+)$/.exec(u.pathname);
    if (u.pathname === '/echo') return json(200, { method: req.method, query: Object.fromEntries(u.searchParams), headers: req.headers, body: body.toString() });
    if (u.pathname === '/slow') {
      conns.slowPeak = Math.max(conns.slowPeak, ++slow);
      await new Promise((r) => setTimeout(r, 30));
      slow--;
      return json(200, { i: u.searchParams.get('i') });
    }
    if (u.pathname === '/raw') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    if (u.pathname === '/vu') {
      vus.push({ vu: Number(u.searchParams.get('vu')), iter: Number(u.searchParams.get('iter')), mine: Number(u.searchParams.get('mine')), inTest: Number(u.searchParams.get('inTest')) });
      return json(200, {});
    }
    if (u.pathname === '/login') {
      const form = new URLSearchParams(body.toString());
      const ok = req.headers['content-type'] === 'application/x-www-form-urlencoded' && form.get('pass')?.length === 2;
      return json(ok ? 200 : 400, {}, ok ? { 'set-cookie': `session=${form.get('user')}; Path=/; HttpOnly` } : {});
    }
    if (u.pathname === '/whoami') return json(200, { cookie: req.headers.cookie ?? null });
    if (redirect) return void res.writeHead(302, { location: Number(redirect[1]) > 1 ? `/redirect/${Number(redirect[1]) - 1}` : '/final' }).end();
    if (u.pathname === '/final') return json(200, {});
    if (u.pathname === '/redirect-303') return void res.writeHead(303, { location: '/echo' }).end();
    if (u.pathname === '/basic') return json(req.headers.authorization === `Basic ${Buffer.from('ann:secret').toString('base64')}` ? 200 : 401, {});
    if (u.pathname === '/digest') {
      const auth = req.headers.authorization ?? '';
      const p = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1]!, m[2]!]));
      const expected = md5(`${md5('ann:volley:secret')}:n0nce:${p.nc}:${p.cnonce}:auth:${md5(`GET:${p.uri}`)}`);
      if (auth.startsWith('Digest ') && p.response === expected && p.opaque === 'op') return json(200, {});
      return json(401, {}, { 'www-authenticate': 'Digest realm="volley", nonce="n0nce", qop="auth", opaque="op"' });
    }
    const status = /^\/status\/(\d+)$/.exec(u.pathname);
    if (status) return json(Number(status[1]), {});
    json(404, {});
  };
  const server: Server = createServer((req, res) => void answer(req, res));
  server.on('connection', () => void conns.opened++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, hits, vus, conns, close: () => new Promise((r) => server.close(() => r())) };
}

describe('k6 scripts run unchanged', () => {
  let did: DidServer;
  let target: Awaited<ReturnType<typeof startTarget>>;
  let dir: string;
  beforeAll(async () => {
    did = await startDidServer();
    target = await startTarget();
    dir = await mkdtemp(join(tmpdir(), 'volley-k6compat-'));
  });
  afterAll(async () => {
    await did.close();
    await target.close();
  });

  it('runs the guide’s script byte for byte on 2 workers: setup once, thresholds on the whole cluster, every request counted', async () => {
    const res = await volley(['run', '--vus', '20', '--duration', '4s', 'examples/did-api/k6-test.js', '--workers', '2', '-e', `API_URL=${did.url}`,
      '--out', `json=${join(dir, 'guide.jsonl')}`, '--json', join(dir, 'guide.json')], {}, 120_000);
    // as in k6, the expected 401s and 409s count in http_req_failed (the script sets no expectedStatuses), so its threshold fails: 99
    expect(res.code, res.stderr).toBe(99);
    expect(res.stdout.match(/Starting k6 load test/g)).toHaveLength(1);
    expect(res.stdout.match(/Load test complete/g)).toHaveLength(1);
    expect(res.stdout).toContain(`setup: Target: ${did.url}`);
    const s = JSON.parse(await readFile(join(dir, 'guide.json'), 'utf8'));
    const served = Object.values(did.totals()).reduce((a, b) => a + b, 0);
    expect(s.metrics.http_reqs.values.count).toBe(served);
    expect(s.metrics.vus_max.values.max).toBe(20);
    for (const k of ['enrollment_duration', 'verification_duration']) expect(s.metrics[k].values.count, k).toBeGreaterThan(0);
    expect(s.metrics.verification_duration.values.count).toBe(did.totals()['POST /api/v1/did/verify']);
    const verdicts = Object.fromEntries(s.volley.thresholds.map((t: any) => [`${t.metric} ${t.threshold}`, t.ok]));
    expect(verdicts['http_req_failed rate<0.01']).toBe(false);
    expect(verdicts['errors rate<0.01']).toBe(true);
    expect((await readFile(join(dir, 'guide.jsonl'), 'utf8')).split('\n').length).toBeGreaterThan(3);
  });

  describe('k6’s modules and behaviours, in one run of test/fixtures/k6/api.js: 4 VUs × 2 iterations on 2 workers', () => {
    let res: Awaited<ReturnType<typeof volley>>;
    let s: any;
    const hits = new Map<string, number>();
    /** a named check of the script: run by every iteration, never failed */
    const passed = (name: string): void => expect(s.volley.checks.find((c: { name: string }) => c.name === name), name).toEqual({ name, passes: 8, fails: 0 });
    beforeAll(async () => {
      const before = new Map(target.hits);
      res = await volley(['run', 'test/fixtures/k6/api.js', '--workers', '2', '-e', `BASE_URL=${target.url}`, '--json', join(dir, 'api.json')], {}, 120_000);
      for (const [k, v] of target.hits) hits.set(k, v - (before.get(k) ?? 0));
      s = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8'));
    }, 150_000);

    it('runs: exit 0, every one of its 25 checks in every iteration, none failed', () => {
      expect(res.code, res.stderr + res.stdout).toBe(0);
      expect(s.volley.checks.filter((c: { fails: number }) => c.fails > 0)).toEqual([]);
      expect(s.volley.checks).toHaveLength(25);
      for (const c of s.volley.checks) expect(c.passes, c.name).toBe(8);
    });

    it('module state is per VU, and __VU is unique across the cluster (1..4 on 2 workers)', () => {
      passed('module state is per VU');
      const byVu = new Map<number, number[]>();
      for (const v of target.vus) byVu.set(v.vu, [...(byVu.get(v.vu) ?? []), v.mine]);
      expect([...byVu.keys()].sort()).toEqual([1, 2, 3, 4]);
      for (const [vu, mine] of byVu) expect(mine.sort(), `VU ${vu}`).toEqual([1, 2]);
      expect(target.vus.every((v) => v.mine === v.iter + 1)).toBe(true);
    });

    it('k6/execution: the VU, its iterations, the scenario; iterationInTest unique across the cluster', () => {
      passed('execution knows the VU');
      expect(new Set(target.vus.map((v) => v.inTest)).size).toBe(8);
      expect(target.vus.every((v) => Number.isInteger(v.inTest) && v.inTest >= 0)).toBe(true);
    });

    it('setup() runs once, and its data reaches every iteration', () => {
      passed('setup data arrives');
      expect(target.vus).toHaveLength(8);
    });

    it("options.scenarios: the scenario's env and tags", () => {
      passed("the scenario's env over the run's");
      const verdicts = Object.fromEntries(s.volley.thresholds.map((x: any) => [`${x.metric} ${x.threshold}`, x.ok]));
      expect(verdicts['http_req_duration{team:id} count>0']).toBe(true);
      expect(verdicts['checks{team:id} rate==1']).toBe(true);
    });

    it('redirects: followed (each hop a request), limited by params.redirects, 303 as GET', () => {
      for (const c of ['follows redirects', 'stops at the redirect limit', '303 turns into GET']) passed(c);
      expect(hits.get('/redirect/3')).toBe(16);
      expect(hits.get('/redirect/2')).toBe(16);
      expect(hits.get('/final')).toBe(8);
    });

    it('cookies: a form POST sets the session, the VU’s jar sends it back; a jar of its own is refused, not ignored', () => {
      passed('login by POST form and cookie');
      passed("requests go with the VU's own jar; another is refused");
    });

    it('basic auth from the URL, and digest auth (both legs are requests)', () => {
      passed('basic auth from the URL');
      passed('digest auth');
      expect(hits.get('/digest')).toBe(16);
    });

    it('http.batch in its array and object forms', () => {
      for (const c of ['batch array GET', 'batch object POST', 'batch by key']) passed(c);
    });

    it('bodies: binary both ways, multipart with http.file; responses: canonical headers, timings, request', () => {
      for (const c of ['binary body both ways', 'multipart upload', 'canonical header names', 'timings add up', 'request headers sent', 'default user agent']) passed(c);
    });

    it('statuses: a 404 is a response, expectedStatuses makes it no failure; tags.name names requests', () => {
      passed('404 is a status, not an error');
      expect(s.metrics.good.values.rate).toBe(1);
      expect(s.volley.requests.map((r: any) => r.name)).toEqual(expect.arrayContaining(['vu', 'echo', 'mapped', 'expected404']));
      const expected404 = s.volley.requests.find((r: any) => r.name === 'expected404');
      expect(expected404.failures).toBe(0);
    });

    it('k6/data SharedArray and open() (text and binary), shipped with the bundle', () => {
      passed('login by POST form and cookie'); // its users come from the SharedArray of open()'s JSON
      passed('binary body both ways'); // its body is open()'s binary file
    });

    it('k6/encoding, k6/crypto and jslib’s k6-utils', () => {
      for (const c of ['encoding', 'crypto', 'k6-utils']) passed(c);
    });

    it('requests inside array callbacks run in order and answer responses, not Promises', () => {
      passed('requests inside array callbacks');
      expect(s.volley.requests.find((r: any) => r.name === 'mapped').count).toBe(16);
    });

    it('k6/metrics: a Counter, a Trend, a Rate and a Gauge, merged across workers', () => {
      expect(s.metrics.pages.values.count).toBe(8);
      expect(s.metrics.sizes.values.count).toBe(8);
      expect(s.metrics.good.values).toMatchObject({ passes: 8, fails: 0 });
      expect(s.metrics.last_vu.type).toBe('gauge');
    });

    it('every request is counted as the target counted it', () => {
      expect(s.metrics.http_reqs.values.count).toBe([...hits.values()].reduce((a, b) => a + b, 0));
    });

    it("handleSummary prints jslib's textSummary in place of the default summary", () => {
      expect(res.stdout).toMatch(/ {3}✓ follows redirects\n/);
      expect(res.stdout).toMatch(/ ✓ checks\.+: 100\.00% ✓ 200 ✗ 0\n/);
      expect(res.stdout).toMatch(/ {3}http_req_duration\.+: avg=/);
      expect(res.stdout).not.toMatch(/THRESHOLDS/);
    });
  });

  it('refuses, before any traffic, a request it cannot make wait as k6 does, and a module it does not run: file and line, exit 2', async () => {
    const before = [...target.hits.values()].reduce((a, b) => a + b, 0);
    const ctor = await volley(['run', 'test/fixtures/k6/refused-constructor.js', '--workers', '1', '-e', `BASE_URL=${target.url}`, '--vus', '1', '--iterations', '1']);
    expect(ctor.code).toBe(2);
    expect(ctor.stderr).toMatch(/refused-constructor\.js:5:\d+: http\.get\(\) is reached from a class constructor/);
    const mod = await volley(['run', 'test/fixtures/k6/refused-module.js', '--workers', '1', '-e', `BASE_URL=${target.url}`, '--vus', '1', '--iterations', '1']);
    expect(mod.code).toBe(2);
    expect(mod.stderr).toMatch(/refused-module\.js:2:\d+: k6\/ws is not supported by Volley/);
    expect([...target.hits.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it("follows k6's options: noConnectionReuse, batchPerHost, userAgent, tags; and setupTimeout", async () => {
    const opened = target.conns.opened;
    const res = await volley(['run', 'test/fixtures/k6/options.js', '--workers', '1', '-e', `BASE_URL=${target.url}`, '--json', join(dir, 'options.json')]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'options.json'), 'utf8'));
    expect(s.volley.checks.every((c: { fails: number; passes: number }) => c.fails === 0 && c.passes === 2)).toBe(true);
    // 2 iterations of 7 requests, each on a connection of its own
    expect(target.conns.opened - opened).toBe(14);
    expect(target.conns.slowPeak).toBe(2);
    expect(s.volley.thresholds.map((t: { ok: boolean }) => t.ok)).toEqual([true, true]);
    expect(res.stderr).not.toMatch(/not supported by Volley/);
    const slow = await volley(['run', 'test/fixtures/k6/setup-timeout.js', '--workers', '1']);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toMatch(/setup\(\) did not finish within 1 s/);
  });

  it('stops the whole run when the script calls test.abort(): exit 108, said at the top', async () => {
    const began = Date.now();
    const res = await volley(['run', 'test/fixtures/k6/abort.js', '--workers', '2', '-e', `BASE_URL=${target.url}`, '--json', join(dir, 'abort.json')], {}, 60_000);
    expect(res.code, res.stderr + res.stdout).toBe(108);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(res.stdout).toMatch(/note: the script called test\.abort\(\) \(enough seen\)/);
    const s = JSON.parse(await readFile(join(dir, 'abort.json'), 'utf8'));
    expect(s.metrics.task_errors).toBeUndefined();
  });

  it('needs no --host for absolute URLs, and names --host when a script asks for a relative one', async () => {
    const script = join(dir, 'relative.js');
    await writeFile(script, "import http from 'k6/http';\nimport { check } from 'k6';\nexport default function () {\n  check(http.get('/echo'), { ok: (r) => r.status === 200 });\n}\n");
    const res = await volley(['run', script, '--workers', '1', '--vus', '1', '--iterations', '1', '--json', join(dir, 'relative.json')]);
    const s = JSON.parse(await readFile(join(dir, 'relative.json'), 'utf8'));
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.stringify(s.volley.failures ?? []) + res.stdout).toMatch(/a relative URL needs the run's base URL; give --host/);
    const withHost = await volley(['run', script, '--workers', '1', '--vus', '1', '--iterations', '1', '--host', target.url, '--json', join(dir, 'relative2.json')]);
    expect(withHost.code, withHost.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'relative2.json'), 'utf8')).volley.checks).toEqual([{ name: 'ok', passes: 1, fails: 0 }]);
  });

  it('volley demo --k6 runs the guide’s script as it is against the sample server, and the counts agree', async () => {
    const res = await volley(['demo', '--k6', '--vus', '6', '--duration', '3s', '--json', join(dir, 'demo.json'), '--csv', join(dir, 'demo'), '--html', join(dir, 'demo.html')], {}, 90_000);
    expect([0, 99], res.stderr).toContain(res.code);
    expect(res.stderr).toMatch(/the guide's k6 script as it is, 6 VUs for 3s/);
    // which routes a short run reaches is random (the script draws them); whichever it reached, the counts agree
    expect(res.stdout).toMatch(/(GET|POST) \/\S+\s+server\s+\d+\s+report\s+\d+\s+equal/);
    expect(res.stdout).not.toMatch(/DIFFERENT/);
  });

  it('runs the guide’s script on a coordinator with remote workers (volley start), setup once, counts equal', async () => {
    const cluster = await startCluster(['k6-a', 'k6-b']);
    try {
      const before = Object.values(did.totals()).reduce((a, b) => a + b, 0);
      const res = await volley(['start', 'examples/did-api/k6-test.js', ...cluster.api, '--vus', '8', '--duration', '3s', '-e', `API_URL=${did.url}`, '--json', join(dir, 'start.json')], {}, 90_000);
      expect([0, 99], res.stderr).toContain(res.code);
      expect(res.stdout.match(/Starting k6 load test/g)).toHaveLength(1);
      const s = JSON.parse(await readFile(join(dir, 'start.json'), 'utf8'));
      expect(s.metrics.http_reqs.values.count).toBe(Object.values(did.totals()).reduce((a, b) => a + b, 0) - before);
      expect(s.volley.run.workers.map((w: { name: string }) => w.name).sort()).toEqual(['k6-a', 'k6-b']);
      for (const w of s.volley.run.workers) expect(w.requests, w.name).toBeGreaterThan(0);
    } finally {
      await Promise.all(cluster.all.map((p) => stopProcess(p)));
    }
  });
});
