import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';

/** Each executor with 2 worker processes: the shape that matters. */
describe('executors across 2 workers', () => {
  let server: DidServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function run(plan: string, opts: { stall?: boolean } = {}) {
    server = await startDidServer(opts.stall ? { stall: { everyMs: 5000, forMs: 1000 } } : {});
    const dir = await mkdtemp(join(tmpdir(), 'volley-exec-'));
    const res = await volley(['run', 'test/fixtures/executors.ts', '--workers', '2', '--host', server.url, '--json', join(dir, 's.json')], {
      PLAN: plan,
    });
    expect(res.code, res.stderr + res.stdout).toBe(0);
    return { res, s: JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) };
  }

  it('constant-arrival-rate achieves its rate within 2 %, evenly over time and across the workers', async () => {
    const { s } = await run('constant');
    const total = s.volley.total.count;
    expect(Math.abs(total - 1000) / 1000).toBeLessThanOrEqual(0.02);
    expect(s.metrics.dropped_iterations).toBeUndefined();
    for (const p of s.volley.timeline.filter((x: any) => x.index >= 0 && x.index < 5))
      expect(Math.abs(p.requests - 200), `window ${p.index}`).toBeLessThanOrEqual(10);
    const [a, b] = s.volley.run.workers.map((w: any) => w.requests);
    expect(Math.abs(a - b)).toBeLessThanOrEqual(2);
  });

  it('ramping-arrival-rate follows its ramp', async () => {
    const { s } = await run('ramping');
    const total = s.volley.total.count; // 0→200/s over 3 s (300) + 200/s for 2 s (400)
    expect(Math.abs(total - 700) / 700).toBeLessThanOrEqual(0.02);
    const [w0, , w2, w3] = s.volley.timeline.map((p: any) => p.requests);
    expect(w0).toBeLessThan(w2);
    expect(Math.abs(w3 - 200)).toBeLessThanOrEqual(10);
  });

  it('shared-iterations runs exactly N iterations across the workers', async () => {
    const { s } = await run('shared');
    expect(s.metrics.iterations.values.count).toBe(137);
    expect(server!.totals()['GET /health']).toBe(137);
    expect(s.state.testRunDurationMs).toBeLessThan(10_000); // ends when the work is done, not at maxDuration
  });

  it('per-vu-iterations runs iterations × VUs', async () => {
    const { s } = await run('pervu');
    expect(s.metrics.iterations.values.count).toBe(40);
    expect(server!.totals()['GET /health']).toBe(40);
  });

  it('several scenarios with exec functions and a start time', async () => {
    const { s } = await run('two');
    const byName = Object.fromEntries(s.volley.requests.map((r: any) => [r.name, r.count]));
    expect(byName.second).toBe(20);
    expect(byName.first).toBeGreaterThan(40);
  });

  it('coordinated omission: against a target that stalls 1 s in every 5 s, the open model reports the stall', async () => {
    const { s, res } = await run('stall', { stall: true });
    const d = s.metrics.http_req_duration.values;
    // correct answer: 20 % of the due times fall in a stall and wait 0–1 s: p90 ≈ 500 ms, p99 ≈ 950 ms
    console.info(
      `stall test: ${s.volley.total.count} requests; p50 ${d.med.toFixed(1)} ms, p90 ${d['p(90)'].toFixed(1)} ms, p99 ${d['p(99)'].toFixed(1)} ms`,
    );
    expect(s.volley.total.count).toBeGreaterThanOrEqual(1980);
    expect(Math.abs(d['p(90)'] - 500) / 500).toBeLessThanOrEqual(0.1);
    expect(Math.abs(d['p(99)'] - 950) / 950).toBeLessThanOrEqual(0.1);
    expect(d.med).toBeLessThan(20);
    expect(res.stdout).not.toMatch(/note: closed model/);
  });

  it('a closed model under the same stall says its latencies can hide it', async () => {
    const { res, s } = await run('stallClosed', { stall: true });
    expect(res.stdout).toMatch(/note: closed model \(constant-vus\).*can hide the stall/);
    expect(s.volley.notes[0]).toMatch(/coordinated omission/);
  });
});
