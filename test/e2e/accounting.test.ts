import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { countsFromSummary, volley } from '../helpers.js';
import { validateSummary } from '../schema.js';
import { args } from '../cli-args.js';

/**
 * The real thing: `volley run` as a process, its in-process coordinator,
 * 2 worker processes over WebSockets, the real sample server. What the
 * report counts per route must equal what the server answered, exactly.
 */
describe('volley run with 2 worker processes', () => {
  let server: DidServer;
  let dir: string;
  let result: Awaited<ReturnType<typeof volley>>;
  let summary: any;

  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-e2e-'));
    // spelled as the guide runs Locust, with `locust` changed to `volley run`
    result = await volley(
      args`run -f test/fixtures/fast-did.ts --workers 2 --users 30 --spawn-rate 20 --run-time 5s --host=${server.url} --headless --json ${join(dir, 'summary.json')} --csv ${join(dir, 'run')}`,
    );
    if (result.code === 0) summary = JSON.parse(await readFile(join(dir, 'summary.json'), 'utf8'));
  });
  afterAll(() => server?.close());

  it('exits 0 and prints the summary with the guide’s closing lines', () => {
    expect(result.stderr).not.toMatch(/"level":50/);
    expect(result.code).toBe(0);
    for (const line of ['Total requests:', 'Failures:', 'Average response time:', 'P95 response time:', 'P99 response time:', 'RPS:']) {
      expect(result.stdout).toContain(line);
    }
    expect(result.stdout).toMatch(/health_check/);
  });

  it('counts per route exactly what the server answered', () => {
    const fromServer = server.totals();
    const fromReport = countsFromSummary(summary);
    expect(Object.values(fromServer).reduce((a, b) => a + b, 0)).toBeGreaterThan(500);
    expect(fromReport).toEqual(fromServer);
  });

  it('spreads the users over both workers and reaches the peak', () => {
    expect(summary.volley.run.workers).toHaveLength(2);
    expect(summary.metrics.vus_max.values.max).toBe(30);
  });

  it('writes k6-shaped JSON with sub-metrics by name, valid against docs/summary.schema.json', () => {
    expect(validateSummary(summary)).toEqual([]);
    const m = summary.metrics;
    expect(m.http_req_duration.type).toBe('trend');
    for (const k of ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)']) expect(typeof m.http_req_duration.values[k]).toBe('number');
    expect(m.http_reqs.values.count).toBe(summary.volley.total.count);
    expect(m['http_req_duration{name:verify_biometric}'].values.count).toBe(server.totals()['POST /api/v1/did/verify']);
    expect(m.http_req_failed.values).toMatchObject({ rate: 0, passes: 0 });
    expect(summary.state.testRunDurationMs).toBeGreaterThan(4000);
  });

  it('writes Locust’s stats CSV with an Aggregated row', async () => {
    const csv = (await readFile(join(dir, 'run_stats.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe(
      'Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%',
    );
    const last = csv[csv.length - 1]!.split(',');
    expect(last[1]).toBe('Aggregated');
    expect(Number(last[2])).toBe(summary.volley.total.count);
    expect(csv).toHaveLength(5);
    const history = (await readFile(join(dir, 'run_stats_history.csv'), 'utf8')).trim().split('\n');
    expect(history[0]!.startsWith('Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%')).toBe(true);
    expect(history.length).toBeGreaterThanOrEqual(6);
    expect(Number(history[history.length - 1]!.split(',')[17])).toBe(summary.volley.total.count);
    expect((await readFile(join(dir, 'run_failures.csv'), 'utf8')).trim()).toBe('Method,Name,Error,Occurrences');
  });
});

describe('on the public fallback parser (http-parser-js)', () => {
  it('a run counts exactly what the server answered, and each worker says which parser it used', async () => {
    const server = await startDidServer();
    try {
      const dir = await mkdtemp(join(tmpdir(), 'volley-js-parser-'));
      const res = await volley(
        args`run test/fixtures/fast-did.ts --workers 2 --users 20 --spawn-rate 40 --run-time 3s --host ${server.url} --json ${join(dir, 's.json')} -L info`,
        { VOLLEY_HTTP_PARSER: 'js' },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr.match(/"parser":"http-parser-js \(asked for\)","msg":"http parser"/g)).toHaveLength(2);
      const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
      expect(countsFromSummary(s)).toEqual(server.totals());
      expect(s.volley.total.count).toBeGreaterThan(100);
    } finally {
      await server.close();
    }
  });
});
