import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeHistogram, METRIC, newHistogram, percentile, type WindowMessage } from '@volley/shared';
import { Recorder, totalOnly } from '@volley/worker';
import { Aggregator } from './aggregator.js';

const PERCENTILES = [50, 90, 95, 99, 99.9];
const KEY = 'http_req_duration{method:GET,name:r}';

/** Deterministic pseudo-random latencies (µs) with a long tail. */
function samples(n: number, seed: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const u = x / 2 ** 32;
    out.push(Math.max(1, Math.round(200 + 50_000 * u ** 6 + (i % 97) * 13)));
  }
  return out;
}

/**
 * Splits samples across `workers` simulated workers and `windowsPerWorker`
 * windows, recording each with the worker's real Recorder and sending the
 * window through JSON (encode → decode) as the wire does.
 */
function windowsFor(values: number[], workers: number, windowsPerWorker: number): { worker: string; msg: WindowMessage }[] {
  const out: { worker: string; msg: WindowMessage }[] = [];
  const per = Math.ceil(values.length / workers);
  for (let w = 0; w < workers; w++) {
    const mine = values.slice(w * per, (w + 1) * per);
    const rec = new Recorder();
    const perWin = Math.ceil(mine.length / windowsPerWorker) || 1;
    for (let i = 0; i < windowsPerWorker; i++) {
      for (const v of mine.slice(i * perWin, (i + 1) * perWin)) rec.request('GET', 'r', totalOnly(v, 100), v % 10 !== 0);
      const msg: WindowMessage = { type: 'window', runId: 'r', index: i, vus: 1, series: rec.cut() };
      out.push({ worker: `w${w}`, msg: JSON.parse(JSON.stringify(msg)) as WindowMessage });
    }
  }
  return out;
}

describe('merging is exact', () => {
  const values = samples(20_000, 42);
  const single = newHistogram();
  for (const v of values) single.recordValue(v);

  it.each([1, 2, 7, 32])('split across %d workers gives the single histogram’s count, min, max and percentiles', (workers) => {
    const agg = new Aggregator();
    for (const { worker, msg } of windowsFor(values, workers, 5)) expect(agg.add(worker, msg)).toBe('added');
    const t = agg.totals.get(KEY);
    if (t?.kind !== 'trend') throw new Error('no trend');
    expect(t.count).toBe(values.length);
    expect(t.min).toBe(Math.min(...values));
    expect(t.max).toBe(Math.max(...values));
    expect(t.sum).toBe(values.reduce((a, b) => a + b, 0));
    for (const p of PERCENTILES) expect(percentile(t.hist, p)).toBe(percentile(single, p));
    const failed = agg.totals.get(`${METRIC.httpReqFailed}{method:GET,name:r}`);
    expect(failed).toMatchObject({ passes: values.filter((v) => v % 10 === 0).length });
  });

  it('is independent of the order windows arrive in, and ignores a resent window', () => {
    const wins = windowsFor(values, 7, 4);
    const reference = new Aggregator();
    for (const { worker, msg } of wins) reference.add(worker, msg);
    const ref = reference.totals.get(KEY);
    if (ref?.kind !== 'trend') throw new Error('no trend');
    fc.assert(
      fc.property(
        fc.shuffledSubarray(wins, { minLength: wins.length, maxLength: wins.length }),
        fc.integer({ min: 0, max: wins.length - 1 }),
        (order, dup) => {
          const agg = new Aggregator();
          for (const { worker, msg } of order) agg.add(worker, msg);
          expect(agg.add(order[dup]!.worker, order[dup]!.msg)).toBe('duplicate');
          const t = agg.totals.get(KEY);
          if (t?.kind !== 'trend') return false;
          return (
            t.count === ref.count &&
            t.sum === ref.sum &&
            t.min === ref.min &&
            t.max === ref.max &&
            PERCENTILES.every((p) => percentile(t.hist, p) === percentile(ref.hist, p))
          );
        },
      ),
      { numRuns: 25 },
    );
  });

  it('applies nothing of a window with a malformed histogram', () => {
    const agg = new Aggregator();
    const h = newHistogram();
    h.recordValue(10);
    const bad: WindowMessage = {
      type: 'window',
      runId: 'r',
      index: 0,
      vus: 1,
      series: [
        { kind: 'trend', metric: 'a', tags: {}, count: 1, sum: 10, min: 10, max: 10, hist: encodeHistogram(h) },
        { kind: 'trend', metric: 'b', tags: {}, count: 1, sum: 10, min: 10, max: 10, hist: 'bm90IGEgaGlzdG9ncmFt' },
      ],
    };
    expect(() => agg.add('w', bad)).toThrow(/malformed histogram/);
    expect(agg.totals.size).toBe(0);
    expect(agg.windows.size).toBe(0);
  });
});
