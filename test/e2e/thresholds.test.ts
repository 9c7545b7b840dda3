import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';
import { XMLValidator } from 'fast-xml-parser';
import { args } from '../cli-args.js';

describe('thresholds judged on merged data', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-thr-'));
  });
  afterAll(() => server.close());

  it('a failed threshold exits 99 and names the threshold and the observed value', async () => {
    const res = await volley(
      args`run test/fixtures/thresholds.ts --workers 2 --users 4 --spawn-rate 100 --run-time 3s --host ${server.url} --json ${join(dir, 'a.json')} --junit ${join(dir, 'a.xml')}`,
    );
    expect(res.code, res.stderr).toBe(99);
    const junit = await readFile(join(dir, 'a.xml'), 'utf8');
    expect(XMLValidator.validate(junit)).toBe(true);
    expect(junit).toMatch(/<testsuites name="volley" tests="3" failures="1"/);
    expect(res.stdout).toMatch(
      /THRESHOLDS\n {2}http_req_duration\{name:health_check\}\n {2}✗ 'p\(95\)<0\.001' p\(95\)=\d+\.\d+ms\n {2}✓ 'max<60000' max=/,
    );
    expect(res.stdout).toMatch(/✓ 'rate<0\.01' rate=0\.00%/);
    expect(res.stdout).toMatch(/✗ 1 of 3 thresholds failed/);
    const s = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    expect(s.metrics['http_req_duration{name:health_check}'].thresholds).toEqual({
      'p(95)<0.001': { ok: false },
      'max<60000': { ok: true },
    });
    expect(s.metrics.http_req_failed.thresholds).toEqual({ 'rate<0.01': { ok: true } });
  });

  it('abortOnFail stops every worker within 2 s of the failing window', async () => {
    const before = server.totals()['GET /health'] ?? 0;
    const res = await volley(
      args`run test/fixtures/thresholds.ts --workers 2 --users 4 --spawn-rate 100 --run-time 60s --host ${server.url} --json ${join(dir, 'b.json')}`,
      { ABORT: '1' },
    );
    expect(res.code, res.stderr).toBe(99);
    const s = JSON.parse(await readFile(join(dir, 'b.json'), 'utf8'));
    const abort = s.volley.run.events.find((e: any) => e.kind === 'threshold-abort');
    expect(abort.detail).toMatch(/http_reqs 'count<50' failed/);
    const firstFailingWindowEnd = (() => {
      let n = 0;
      for (const p of s.volley.timeline) if ((n += p.requests) >= 50) return Date.parse(s.volley.run.startedAt) + (p.index + 1) * 1000;
      throw new Error('never reached 50 requests');
    })();
    expect(server.lastRequestAt() - firstFailingWindowEnd).toBeLessThan(2000);
    expect(s.state.testRunDurationMs).toBeLessThan(10_000);
    expect((server.totals()['GET /health'] ?? 0) - before).toBe(s.volley.total.count);
  });

  it('a malformed threshold is refused before any traffic, naming the file', async () => {
    const f = join(dir, 'bad-threshold.ts');
    await writeFile(
      f,
      "import { defineScenario } from 'volley';\nexport default defineScenario({ thresholds: { http_req_duration: ['p95<150'] }, users: [{ tasks: [{ run() {} }] }] });\n",
    );
    const before = JSON.stringify(server.totals());
    const res = await volley(['run', f, '--workers', '1', '--users', '1', '--run-time', '1s', '--host', server.url]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/bad-threshold\.ts: threshold "p95<150": write e\.g\. p\(95\)<150/);
    expect(JSON.stringify(server.totals())).toBe(before);
  });
});
