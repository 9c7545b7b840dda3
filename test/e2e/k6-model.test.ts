import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { vusAt } from '@volley/shared';
import { countsFromSummary, volley } from '../helpers.js';
import { args } from '../cli-args.js';

describe('k6 model: options.stages, a default function, checks and custom metrics', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-k6-'));
  });
  afterAll(() => server.close());

  it('follows the stages within a window, and merges checks and custom metrics across 2 workers', async () => {
    const res = await volley(['run', 'test/fixtures/k6-stages.ts', '--workers', '2', '--host', server.url, '--json', join(dir, 'a.json')]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'a.json'), 'utf8'));
    const stages = [
      { durationMs: 3000, target: 10 },
      { durationMs: 2000, target: 10 },
      { durationMs: 2000, target: 0 },
    ];
    // a window's VU count is sampled when its timer fires, at its end or a few ms
    // later: it lies within the plan's range over the window (plus 100 ms of timer lateness)
    for (const p of s.volley.timeline.filter((x: any) => x.index < 7)) {
      const plan: number[] = [];
      for (let t = p.index * 1000; t <= (p.index + 1) * 1000 + 100; t += 5) plan.push(vusAt(stages, t));
      expect(p.vus, `window ${p.index}`).toBeGreaterThanOrEqual(Math.min(...plan));
      expect(p.vus, `window ${p.index}`).toBeLessThanOrEqual(Math.max(...plan));
    }
    const m = s.metrics;
    const requests = server.totals()['GET /health'];
    expect(countsFromSummary(s)).toEqual(server.totals());
    expect(m.iterations.values.count).toBe(requests);
    expect(m.iteration_duration.type).toBe('trend');
    expect(m.calls.values.count).toBe(requests);
    expect(m.healthy.values).toMatchObject({ rate: 1, passes: requests, fails: 0 });
    expect(m.body_bytes.values.count).toBe(requests);
    expect(m.body_bytes.values.max).toBe(20);
    expect(m.last_vu.type).toBe('gauge');
    expect(m.checks.values).toMatchObject({ passes: requests, fails: requests });
    expect(s.volley.checks).toEqual([
      { name: 'status is 200', passes: requests, fails: 0 },
      { name: 'never true', passes: 0, fails: requests },
    ]);
    expect(s.volley.thresholds.map((t: any) => t.ok)).toEqual([true, true, true]);
    expect(res.stdout).toMatch(/CHECKS\n {2}✓ status is 200 {2}100\.00% \(\d+ of \d+\)\n {2}✗ never true {2}0\.00% \(0 of \d+\)/);
    expect(res.stdout).toMatch(/stages up to 10 users/);
  });

  it('runs the guide’s k6 script with its stages shortened by --time-scale', async () => {
    const res = await volley(
      args`run examples/did-api/k6-test.ts --workers 2 --host http://127.0.0.1:9 --env API_URL=${server.url} --env UNUSED=1 --time-scale 0.01 --json ${join(dir, 'k6.json')}`,
      {},
      120_000,
    );
    // its thresholds decide: 0 when met, 99 when not (a loaded 2-core machine may miss p(95)<75)
    expect([0, 99], res.stderr).toContain(res.code);
    const s = JSON.parse(await readFile(join(dir, 'k6.json'), 'utf8'));
    expect(s.state.testRunDurationMs).toBeGreaterThan(7000);
    expect(s.metrics.vus_max.values.max).toBeGreaterThan(900);
    for (const k of ['errors', 'enrollment_duration', 'verification_duration', 'checks', 'iterations'])
      expect(s.metrics[k], k).toBeDefined();
    expect(s.volley.thresholds.map((t: any) => `${t.metric} ${t.threshold}`)).toEqual([
      'http_req_duration p(95)<150',
      'http_req_duration p(99)<300',
      'http_req_failed rate<0.01',
      'errors rate<0.01',
      'enrollment_duration p(95)<150',
      'verification_duration p(95)<75',
    ]);
    expect(res.stdout).toMatch(/THRESHOLDS/);
    // API_URL took the requests to the sample server, not to --host (and a second --env did not drop it)
    expect(s.volley.total.failures).toBe(0);
  });

  it('takes k6’s load flags in place of the script’s stages: --vus with --duration, --iterations, --stage', async () => {
    const before = server.totals()['GET /health'] ?? 0;
    const iters = await volley(
      args`run test/fixtures/k6-stages.ts --workers 2 --host ${server.url} --vus 4 --iterations 30 --json ${join(dir, 'i.json')}`,
    );
    expect(iters.code, iters.stderr + iters.stdout).toBe(0);
    const i = JSON.parse(await readFile(join(dir, 'i.json'), 'utf8'));
    // shared-iterations: exactly 30, by 4 VUs, across both workers
    expect(i.metrics.iterations.values.count).toBe(30);
    expect(server.totals()['GET /health']).toBe(before + 30);
    expect(iters.stdout).toMatch(/up to 4 users/);

    const constant = await volley(
      args`run test/fixtures/k6-stages.ts --workers 2 --host ${server.url} --vus 3 -d 2s --json ${join(dir, 'c.json')}`,
    );
    expect(constant.code, constant.stderr).toBe(0);
    const c = JSON.parse(await readFile(join(dir, 'c.json'), 'utf8'));
    // all three at once for 2 s (the script's stages would have lasted 7 s and reached 10)
    expect(c.metrics.vus_max.values.max).toBe(3);
    expect(c.volley.timeline[0].vus).toBe(3);
    expect(c.state.testRunDurationMs).toBeLessThan(4000);

    // and k6's --summary-trend-stats: these statistics, in this order, on every trend's line and in the JSON
    const staged = await volley(
      args`run test/fixtures/k6-stages.ts --workers 1 --host ${server.url} -s 1s:6 --stage 1s:6 -s 1s:0 --json ${join(dir, 's.json')} --summary-trend-stats med,p(99.9),count`,
    );
    expect(staged.stdout).toMatch(/^ {2}http_req_duration\.+: med=[\d.]+ms p\(99\.9\)=[\d.]+ms count=\d+$/m);
    expect(staged.stdout).toMatch(/^ {2}body_bytes\.+: med=[\d.]+ p\(99\.9\)=[\d.]+ count=\d+$/m);
    expect(staged.code, staged.stderr).toBe(0);
    const st = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
    expect(st.metrics.vus_max.values.max).toBe(6);
    expect(st.options.summaryTrendStats).toEqual(['med', 'p(99.9)', 'count']);
    // the journal keeps them: a summary rebuilt from it shows the same statistics
    const rebuilt = await volley(['report', /journal: (\S+)/.exec(staged.stdout)![1]!]);
    expect(rebuilt.stdout).toMatch(/^ {2}http_req_duration\.+: med=[\d.]+ms p\(99\.9\)=[\d.]+ms count=\d+$/m);
    expect(st.metrics.http_req_duration.values['p(99.9)']).toBeGreaterThanOrEqual(st.metrics.http_req_duration.values['p(99)']);
    expect(st.state.testRunDurationMs).toBeLessThan(5000);
  });

  it('gives a script k6’s __ENV, at its top level too: --env over the environment', async () => {
    const before = server.totals()['GET /health'] ?? 0;
    const res = await volley(
      args`run test/fixtures/k6-env.ts --workers 2 --host http://127.0.0.1:9 --env API_URL=${server.url} --json ${join(dir, 'env.json')}`,
      { REQUEST_NAME: 'named_by_env' },
    );
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(dir, 'env.json'), 'utf8'));
    expect(s.volley.requests.map((r: any) => r.name)).toEqual(['named_by_env']);
    expect(s.volley.total.count).toBe(5);
    expect(server.totals()['GET /health']).toBe(before + 5);
  });

  it('hands the summary to the script’s handleSummary(), prints and writes what it returns instead of the default', async () => {
    const file = join(dir, 'from-handler', 'summary.json');
    const res = await volley(
      ['run', 'test/fixtures/k6-handle-summary.ts', '--workers', '2', '--host', server.url, '--json', join(dir, 'h.json')],
      { SUMMARY_FILE: file },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/custom summary: 10 requests, p\(95\) [0-9.]+ ms/);
    expect(res.stdout).not.toMatch(/METRICS|Total requests:/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ requests: 10 });
    expect(res.stdout).toContain(`report: ${file}`);
    // the reports asked for on the command line are still written
    expect(JSON.parse(await readFile(join(dir, 'h.json'), 'utf8')).metrics.http_reqs.values.count).toBe(10);

    const failed = await volley(['run', 'test/fixtures/k6-handle-summary.ts', '--workers', '1', '--host', server.url], {
      HANDLER_FAILS: '1',
    });
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stderr).toMatch(/handleSummary\(\) threw: boom; the default summary follows/);
    expect(failed.stdout).toMatch(/Total requests: 10/);
  });

  it('volley inspect prints the run a scenario would make, as k6 inspect does, and checks it without running it', async () => {
    const guide = await volley(['inspect', 'examples/did-api/k6-test.ts', '--time-scale', '0.05']);
    expect(guide.code, guide.stderr).toBe(0);
    const g = JSON.parse(guide.stdout);
    expect(g).toMatchObject({ scenario: 'k6-test.ts', durationMs: 36_000, maxVUs: 1000, setup: false, teardown: false });
    expect(g.scenarios[0].executor.stages.map((st: { durationMs: number }) => st.durationMs)).toEqual([6000, 9000, 9000, 6000, 6000]);
    expect(g.thresholds.http_req_duration).toEqual(['p(95)<150', 'p(99)<300']);
    const flags = JSON.parse((await volley(['inspect', 'test/fixtures/k6-stages.ts', '--vus', '3', '-d', '2s'])).stdout);
    expect(flags.scenarios.map((sc: { executor: { type: string } }) => sc.executor.type)).toEqual(['constant-vus']);
    const bad = await volley(['inspect', 'test/fixtures/k6-stages.ts', '--vus', '3']);
    expect(bad.stderr).toMatch(/--vus needs --duration, --iterations or --stage/);
    expect(bad.code).toBe(2);
  });

  it('refuses k6’s load flags mixed with Locust’s, or without how long to run, naming them', async () => {
    const cases: [string[], RegExp][] = [
      [['--vus', '3', '--users', '3'], /--vus sets the load as k6 does and --users as Locust does/],
      [['--vus', '3'], /--vus needs --duration, --iterations or --stage/],
      [['-s', '3x:3'], /--stage 3x:3: "3x" is not a duration/],
      [['-s', '3s'], /--stage 3s: write DURATION:TARGET/],
      [['--stage', '3s:3', '-d', '3s'], /--stage goes without --duration and --iterations/],
      [['--vus', '0', '-d', '1s'], /--vus must be a whole number ≥ 1, got 0/],
      [
        ['-f', 'test/fixtures/fast-did.ts', '-d', '1s'],
        /two scenario files: test\/fixtures\/k6-stages.ts and -f test\/fixtures\/fast-did.ts/,
      ],
      [
        ['--summary-trend-stats', 'avg,p95'],
        /--summary-trend-stats: p95 is not one of avg, min, med, max, count, p\(N\) with N from 0 to 100/,
      ],
    ];
    for (const [flags, message] of cases) {
      const res = await volley(['run', 'test/fixtures/k6-stages.ts', '--workers', '1', '--host', server.url, ...flags]);
      expect(res.code, flags.join(' ')).toBe(2);
      expect(res.stderr, flags.join(' ')).toMatch(message);
    }
  });
});
