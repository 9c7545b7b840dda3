import { describe, expect, it } from 'vitest';
import { Recorder } from '@volley/worker';
import type { WindowMessage } from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize, type RunInfo } from '../aggregate/summary.js';
import { renderText } from './text.js';
import { renderK6Json } from './k6-json.js';
import { LOCUST_STATS_HEADER, renderLocustStatsCsv, csvCell } from './locust-csv.js';

const RUN: RunInfo = {
  id: 'run-1', scenario: 'locustfile.ts', host: 'http://127.0.0.1:8000', users: 10, spawnRate: 5, runTimeMs: 10_000,
  startedAt: '2026-11-26T00:00:00.000Z', durationMs: 10_000, events: [], shortMs: 0, executors: ['constant-arrival-rate'], workers: [{ id: 'w1', name: 'a', cores: 1 }, { id: 'w2', name: 'b', cores: 1 }],
};

function twoWorkers() {
  const agg = new Aggregator();
  const a = new Recorder();
  const b = new Recorder();
  for (let i = 1; i <= 100; i++) a.request('GET', 'health_check', i * 1000, true, 20);
  for (let i = 1; i <= 50; i++) b.request('POST', 'verify_biometric', i * 2000, i % 5 !== 0, 30, i % 5 === 0 ? 'Rate limited' : undefined);
  b.request('POST', 'verify_biometric', 500, false, 0, 'ECONNRESET');
  const win = (r: Recorder, vus: number): WindowMessage => ({ type: 'window', runId: 'run-1', index: 0, vus, series: r.cut() });
  agg.add('w1', win(a, 5));
  agg.add('w2', win(b, 5));
  return summarize(agg.totals, agg.windows, RUN);
}

describe('summary and renderers', () => {
  const s = twoWorkers();

  it('tables requests per name with failures, rates and percentiles', () => {
    expect(s.requests.map((r) => [r.method, r.name, r.count, r.failures])).toEqual([
      ['GET', 'health_check', 100, 0],
      ['POST', 'verify_biometric', 51, 11],
    ]);
    const h = s.requests[0]!;
    expect(h.avgMs).toBeCloseTo(50.5, 6);
    expect(h.minMs).toBe(1);
    expect(h.maxMs).toBe(100);
    expect(h.percentilesMs['50']).toBeCloseTo(50, 1);
    expect(h.rps).toBe(10);
    expect(h.avgContentSize).toBe(20);
    expect(s.total).toMatchObject({ count: 151, failures: 11, name: 'Aggregated' });
    expect(s.failures).toEqual([
      { method: 'POST', name: 'verify_biometric', error: 'Rate limited', count: 10 },
      { method: 'POST', name: 'verify_biometric', error: 'ECONNRESET', count: 1 },
    ]);
    expect(s.maxVus).toBe(10);
  });

  it('renders the terminal summary with the failures table and the guide’s closing lines', () => {
    const text = renderText(s);
    expect(text).toMatch(/verify_biometric\s+51\s+11\(21\.57%\)/);
    expect(text).toMatch(/10\s+POST\s+verify_biometric\s+Rate limited/);
    expect(text).toContain('Total requests: 151\nFailures: 11\n');
    expect(text).toMatch(/RPS: 15\.10/);
  });

  it('renders k6 summary JSON', () => {
    const doc = JSON.parse(renderK6Json(s));
    expect(doc.metrics.http_reqs).toEqual({ type: 'counter', contains: 'default', values: { count: 151, rate: 15.1 } });
    expect(doc.metrics.http_req_failed.values).toEqual({ rate: 11 / 151, passes: 11, fails: 140 });
    expect(doc.metrics['http_req_failed{name:verify_biometric}'].values.passes).toBe(11);
    expect(doc.metrics['http_req_duration{name:health_check}'].values.max).toBe(100);
    expect(doc.state.testRunDurationMs).toBe(10_000);
  });

  it('renders Locust’s stats CSV', () => {
    const lines = renderLocustStatsCsv(s).trim().split('\n');
    expect(lines[0]).toBe(LOCUST_STATS_HEADER.join(','));
    expect(lines[1]!.split(',').slice(0, 4)).toEqual(['GET', 'health_check', '100', '0']);
    expect(lines[3]!.split(',').slice(0, 4)).toEqual(['', 'Aggregated', '151', '11']);
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });
});
