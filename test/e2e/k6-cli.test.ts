import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster, stopProcess, volley } from '../helpers.js';
import { k6Fixtures } from '../k6-target.js';
import { args } from '../cli-args.js';

describe('k6 scripts through the CLI: refusals, options, abort, --host, the demo, remote workers', () => {
  const f = k6Fixtures('volley-k6cli-');

  it('refuses, before any traffic, a request it cannot make wait as k6 does, and a module it does not run: file and line, exit 2', async () => {
    const before = [...f.target.hits.values()].reduce((a, b) => a + b, 0);
    const ctor = await volley(
      args`run test/fixtures/k6/refused-constructor.js --workers 1 -e BASE_URL=${f.target.url} --vus 1 --iterations 1`,
    );
    expect(ctor.code).toBe(2);
    expect(ctor.stderr).toMatch(/refused-constructor\.js:5:\d+: http\.get\(\) is reached from a class constructor/);
    const mod = await volley(args`run test/fixtures/k6/refused-module.js --workers 1 -e BASE_URL=${f.target.url} --vus 1 --iterations 1`);
    expect(mod.code).toBe(2);
    expect(mod.stderr).toMatch(/refused-module\.js:2:\d+: k6\/ws is not supported by Volley/);
    expect([...f.target.hits.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it("follows k6's options: noConnectionReuse, batchPerHost, userAgent, tags; and setupTimeout", async () => {
    const opened = f.target.conns.opened;
    const res = await volley(
      args`run test/fixtures/k6/options.js --workers 1 -e BASE_URL=${f.target.url} --json ${join(f.dir, 'options.json')}`,
    );
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const s = JSON.parse(await readFile(join(f.dir, 'options.json'), 'utf8'));
    expect(s.volley.checks.every((c: { fails: number; passes: number }) => c.fails === 0 && c.passes === 2)).toBe(true);
    // 2 iterations of 7 requests, each on a connection of its own
    expect(f.target.conns.opened - opened).toBe(14);
    expect(f.target.conns.slowPeak).toBe(2);
    expect(s.volley.thresholds.map((t: { ok: boolean }) => t.ok)).toEqual([true, true]);
    expect(res.stderr).not.toMatch(/not supported by Volley/);
    const slow = await volley(['run', 'test/fixtures/k6/setup-timeout.js', '--workers', '1']);
    expect(slow.code).toBe(1);
    expect(slow.stderr).toMatch(/setup\(\) did not finish within 1 s/);
  });

  it('stops the whole run when the script calls test.abort(): exit 108, said at the top', async () => {
    const began = Date.now();
    const res = await volley(
      ['run', 'test/fixtures/k6/abort.js', '--workers', '2', '-e', `BASE_URL=${f.target.url}`, '--json', join(f.dir, 'abort.json')],
      {},
      60_000,
    );
    expect(res.code, res.stderr + res.stdout).toBe(108);
    expect(Date.now() - began).toBeLessThan(30_000);
    expect(res.stdout).toMatch(/note: the script called test\.abort\(\) \(enough seen\)/);
    const s = JSON.parse(await readFile(join(f.dir, 'abort.json'), 'utf8'));
    expect(s.metrics.task_errors).toBeUndefined();
  });

  it('needs no --host for absolute URLs, and names --host when a script asks for a relative one', async () => {
    const script = join(f.dir, 'relative.js');
    await writeFile(
      script,
      "import http from 'k6/http';\nimport { check } from 'k6';\nexport default function () {\n  check(http.get('/echo'), { ok: (r) => r.status === 200 });\n}\n",
    );
    const res = await volley(['run', script, '--workers', '1', '--vus', '1', '--iterations', '1', '--json', join(f.dir, 'relative.json')]);
    const s = JSON.parse(await readFile(join(f.dir, 'relative.json'), 'utf8'));
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.stringify(s.volley.failures ?? []) + res.stdout).toMatch(/a relative URL needs the run's base URL; give --host/);
    const withHost = await volley(
      args`run ${script} --workers 1 --vus 1 --iterations 1 --host ${f.target.url} --json ${join(f.dir, 'relative2.json')}`,
    );
    expect(withHost.code, withHost.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(f.dir, 'relative2.json'), 'utf8')).volley.checks).toEqual([{ name: 'ok', passes: 1, fails: 0 }]);
  });

  it('volley demo --k6 runs the guide’s script as it is against the sample server, and the counts agree', async () => {
    const res = await volley(
      args`demo --k6 --vus 6 --duration 3s --json ${join(f.dir, 'demo.json')} --csv ${join(f.dir, 'demo')} --html ${join(f.dir, 'demo.html')}`,
      {},
      90_000,
    );
    expect([0, 99], res.stderr).toContain(res.code);
    expect(res.stderr).toMatch(/the guide's k6 script as it is, 6 VUs for 3s/);
    // which routes a short run reaches is random (the script draws them); whichever it reached, the counts agree
    expect(res.stdout).toMatch(/(GET|POST) \/\S+\s+server\s+\d+\s+report\s+\d+\s+equal/);
    expect(res.stdout).not.toMatch(/DIFFERENT/);
  });

  it('runs the guide’s script on a coordinator with remote workers (volley start), setup once, counts equal', async () => {
    const cluster = await startCluster(['k6-a', 'k6-b']);
    try {
      const before = Object.values(f.did.totals()).reduce((a, b) => a + b, 0);
      const res = await volley(
        args`start examples/did-api/k6-test.js ${cluster.api} --vus 8 --duration 3s -e API_URL=${f.did.url} --json ${join(f.dir, 'start.json')}`,
        {},
        90_000,
      );
      expect([0, 99], res.stderr).toContain(res.code);
      expect(res.stdout.match(/Starting k6 load test/g)).toHaveLength(1);
      const s = JSON.parse(await readFile(join(f.dir, 'start.json'), 'utf8'));
      expect(s.metrics.http_reqs.values.count).toBe(Object.values(f.did.totals()).reduce((a, b) => a + b, 0) - before);
      expect(s.volley.run.workers.map((w: { name: string }) => w.name).sort()).toEqual(['k6-a', 'k6-b']);
      for (const w of s.volley.run.workers) expect(w.requests, w.name).toBeGreaterThan(0);
    } finally {
      await Promise.all(cluster.all.map((p) => stopProcess(p)));
    }
  });
});
