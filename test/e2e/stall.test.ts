import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDidServer, type DidServer } from 'volley/did-server';
import { args } from '../cli-args.js';
import { CPU_SHARED, volley } from '../helpers.js';

/**
 * A target that stops answering for 1 s in every 5 s. The truth: a fifth
 * of the due requests fall in a stall and wait 0–1 s for it, so p90 is
 * about 500 ms and p99 about 950 ms, whatever the connection count.
 */
describe('a stalled target, with few users', () => {
  let server: DidServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const stalled = async () => (server = await startDidServer({ stall: { everyMs: 5000, forMs: 1000 } }));

  // after each stall, what waited drains through 50 connections: how fast is this machine's CPU, worker and target both
  it.skipIf(CPU_SHARED)(
    '--url --rate with 50 users: a request due while all are busy waits, timed from when it was due, wrk2 (measures its own CPU)',
    async () => {
      const { url } = await stalled();
      const dir = await mkdtemp(join(tmpdir(), 'volley-stall-'));
      const res = await volley(
        args`run --url ${url}/health --users 50 --rate 1000 --run-time 10s --workers 1 --json ${join(dir, 's.json')}`,
      );
      expect(res.code, res.stderr + res.stdout).toBe(0);
      const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8'));
      const d = s.metrics.http_req_duration.values;
      console.info(
        `stall, 50 users: ${s.volley.total.count} requests; p50 ${d.med.toFixed(1)} ms, p90 ${d['p(90)'].toFixed(1)} ms, p99 ${d['p(99)'].toFixed(1)} ms`,
      );
      expect(s.volley.total.count).toBeGreaterThanOrEqual(9900);
      expect(d.med).toBeLessThan(5);
      expect(d['p(90)']).toBeGreaterThanOrEqual(400);
      expect(d['p(90)']).toBeLessThanOrEqual(600);
      expect(d['p(99)']).toBeGreaterThanOrEqual(850);
      expect(d['p(99)']).toBeLessThanOrEqual(1050);
      // the wait for a connection is its own series
      expect(s.metrics.http_req_blocked.values['p(99)']).toBeGreaterThan(500);
      expect(s.metrics.dropped_iterations).toBeUndefined();
      expect(s.volley.warnings).toEqual([]);
    },
  );

  it("k6's constant-arrival-rate with too few VUs drops, as k6, and says so before the numbers; its queue option waits instead", async () => {
    const { url } = await stalled();
    const dir = await mkdtemp(join(tmpdir(), 'volley-stall-'));
    const run = async (plan: string) => {
      const res = await volley(args`run test/fixtures/executors.ts --workers 1 --host ${url} --json ${join(dir, `${plan}.json`)}`, {
        PLAN: plan,
      });
      expect(res.code, res.stderr + res.stdout).toBe(0);
      return { res, s: JSON.parse(await readFile(join(dir, `${plan}.json`), 'utf8')) };
    };
    const dropped = await run('stallFewVus');
    const warning = /WARNING: (\d+) of (\d+) due iterations \(([\d.]+) %\) were dropped: .*The response times exclude them/;
    const m = warning.exec(dropped.res.stdout);
    expect(m, dropped.res.stdout).not.toBeNull();
    // at the top: before the thresholds, the metrics and the requests table
    expect(dropped.res.stdout.indexOf('WARNING:')).toBeLessThan(dropped.res.stdout.indexOf('http_req_duration'));
    expect(Number(m![3])).toBeGreaterThan(1);
    expect(dropped.s.volley.warnings).toEqual([expect.stringMatching(/due iterations .* were dropped/)]);
    expect(dropped.s.metrics.dropped_iterations.values.count).toBe(Number(m![1]));

    const queued = await run('stallFewVusQueued');
    expect(queued.s.volley.warnings).toEqual([]);
    expect(queued.s.metrics.dropped_iterations).toBeUndefined();
    expect(queued.s.volley.total.count).toBeGreaterThanOrEqual(1190);
    expect(queued.s.metrics.http_req_duration.values['p(99)']).toBeGreaterThan(800);
  });
});
