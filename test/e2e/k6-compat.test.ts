import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { volley } from '../helpers.js';
import { k6Fixtures } from '../k6-target.js';
import { args } from '../cli-args.js';

describe('k6 scripts run unchanged', () => {
  const f = k6Fixtures('volley-k6compat-');

  it('runs the guide’s script byte for byte on 2 workers: setup once, thresholds on the whole cluster, every request counted', async () => {
    const res = await volley(
      args`run --vus 20 --duration 4s examples/did-api/k6-test.js --workers 2 -e API_URL=${f.did.url} --out json=${join(f.dir, 'guide.jsonl')} --json ${join(f.dir, 'guide.json')}`,
      {},
      120_000,
    );
    // as in k6, the expected 401s and 409s count in http_req_failed (the script sets no expectedStatuses), so its threshold fails: 99
    expect(res.code, res.stderr).toBe(99);
    expect(res.stdout.match(/Starting k6 load test/g)).toHaveLength(1);
    expect(res.stdout.match(/Load test complete/g)).toHaveLength(1);
    expect(res.stdout).toContain(`setup: Target: ${f.did.url}`);
    const s = JSON.parse(await readFile(join(f.dir, 'guide.json'), 'utf8'));
    const served = Object.values(f.did.totals()).reduce((a, b) => a + b, 0);
    expect(s.metrics.http_reqs.values.count).toBe(served);
    expect(s.metrics.vus_max.values.max).toBe(20);
    for (const k of ['enrollment_duration', 'verification_duration']) expect(s.metrics[k].values.count, k).toBeGreaterThan(0);
    expect(s.metrics.verification_duration.values.count).toBe(f.did.totals()['POST /api/v1/did/verify']);
    const verdicts = Object.fromEntries(s.volley.thresholds.map((t: any) => [`${t.metric} ${t.threshold}`, t.ok]));
    expect(verdicts['http_req_failed rate<0.01']).toBe(false);
    expect(verdicts['errors rate<0.01']).toBe(true);
    expect((await readFile(join(f.dir, 'guide.jsonl'), 'utf8')).split('\n').length).toBeGreaterThan(3);
  });

  describe('k6’s modules and behaviours, in one run of test/fixtures/k6/api.js: 4 VUs × 2 iterations on 2 workers', () => {
    let res: Awaited<ReturnType<typeof volley>>;
    let s: any;
    const hits = new Map<string, number>();
    /** a named check of the script: run by every iteration, never failed */
    const passed = (name: string): void =>
      expect(
        s.volley.checks.find((c: { name: string }) => c.name === name),
        name,
      ).toEqual({ name, passes: 8, fails: 0 });
    beforeAll(async () => {
      const before = new Map(f.target.hits);
      res = await volley(
        ['run', 'test/fixtures/k6/api.js', '--workers', '2', '-e', `BASE_URL=${f.target.url}`, '--json', join(f.dir, 'api.json')],
        {},
        120_000,
      );
      for (const [k, v] of f.target.hits) hits.set(k, v - (before.get(k) ?? 0));
      s = JSON.parse(await readFile(join(f.dir, 'api.json'), 'utf8'));
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
      for (const v of f.target.vus) byVu.set(v.vu, [...(byVu.get(v.vu) ?? []), v.mine]);
      expect([...byVu.keys()].sort()).toEqual([1, 2, 3, 4]);
      for (const [vu, mine] of byVu) expect(mine.sort(), `VU ${vu}`).toEqual([1, 2]);
      expect(f.target.vus.every((v) => v.mine === v.iter + 1)).toBe(true);
    });

    it('k6/execution: the VU, its iterations, the scenario; iterationInTest unique across the cluster', () => {
      passed('execution knows the VU');
      expect(new Set(f.target.vus.map((v) => v.inTest)).size).toBe(8);
      expect(f.target.vus.every((v) => Number.isInteger(v.inTest) && v.inTest >= 0)).toBe(true);
    });

    it('setup() runs once, and its data reaches every iteration', () => {
      passed('setup data arrives');
      expect(f.target.vus).toHaveLength(8);
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
      for (const c of [
        'binary body both ways',
        'multipart upload',
        'canonical header names',
        'timings add up',
        'request headers sent',
        'default user agent',
      ])
        passed(c);
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
});
