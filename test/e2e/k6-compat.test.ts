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
async function startTarget(): Promise<{ url: string; hits: Map<string, number>; vus: { vu: number; iter: number; mine: number; inTest: number }[]; close(): Promise<void> }> {
  const hits = new Map<string, number>();
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, hits, vus, close: () => new Promise((r) => server.close(() => r())) };
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

  it('runs k6’s modules as k6 does: per-VU state, __VU across workers, redirects, cookies, auth, batch, open, SharedArray', async () => {
    const res = await volley(['run', 'test/fixtures/k6/api.js', '--workers', '2', '-e', `BASE_URL=${target.url}`, '--json', join(dir, 'api.json')], {}, 120_000);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'api.json'), 'utf8'));
    const checks = s.volley.checks as { name: string; passes: number; fails: number }[];
    expect(checks.filter((c) => c.fails > 0)).toEqual([]);
    expect(checks.length).toBe(24);
    for (const c of checks) expect(c.passes, c.name).toBe(8);
    // 4 VUs on 2 workers, numbered 1..4 across the cluster, each with its own module state
    const byVu = new Map<number, number[]>();
    for (const v of target.vus) byVu.set(v.vu, [...(byVu.get(v.vu) ?? []), v.mine]);
    expect([...byVu.keys()].sort()).toEqual([1, 2, 3, 4]);
    for (const [vu, mine] of byVu) expect(mine.sort(), `VU ${vu}`).toEqual([1, 2]);
    expect(target.vus.every((v) => v.mine === v.iter + 1)).toBe(true);
    // k6's scenario.iterationInTest: no two iterations of the cluster share one
    expect(new Set(target.vus.map((v) => v.inTest)).size).toBe(8);
    expect(target.vus.every((v) => Number.isInteger(v.inTest) && v.inTest >= 0)).toBe(true);
    // every hop of a redirect and both legs of digest auth are requests, counted as the target counted them
    const served = [...target.hits.values()].reduce((a, b) => a + b, 0);
    expect(s.metrics.http_reqs.values.count).toBe(served);
    expect(target.hits.get('/redirect/3')).toBe(16);
    expect(target.hits.get('/final')).toBe(8);
    expect(target.hits.get('/digest')).toBe(16);
    expect(s.metrics.pages.values.count).toBe(8);
    expect(s.metrics.good.values.rate).toBe(1);
    expect(s.volley.requests.map((r: any) => r.name)).toEqual(expect.arrayContaining(['vu', 'echo', 'mapped', 'expected404']));
    // handleSummary printed jslib's textSummary in place of the default summary
    expect(res.stdout).toMatch(/ {3}✓ follows redirects\n/);
    expect(res.stdout).toMatch(/ ✓ checks\.+: 100\.00% ✓ 192 ✗ 0\n/);
    expect(res.stdout).toMatch(/ {3}http_req_duration\.+: avg=/);
    expect(res.stdout).not.toMatch(/THRESHOLDS/);
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
