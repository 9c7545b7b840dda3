import { describe, expect, it } from 'vitest';
import { Recorder, totalOnly } from '@volley/worker';
import type { WindowMessage } from '@volley/shared';
import { Aggregator } from './aggregator.js';

function feed(aggs: Aggregator[], windows: number): void {
  const recs = [new Recorder(), new Recorder()];
  let x = 7;
  for (let i = 0; i < windows; i++) {
    recs.forEach((r, w) => {
      for (let k = 0; k < 50; k++) {
        x = (x * 48271) % 2147483647;
        r.request('GET', k % 2 ? 'a' : 'b', totalOnly(100 + (x % 200_000), 20), x % 17 !== 0, x % 17 === 0 ? 'boom' : undefined);
      }
      const msg = JSON.parse(JSON.stringify({ type: 'window', runId: 'r', index: i, vus: 10 + w, series: r.cut() })) as WindowMessage;
      for (const a of aggs) a.add(`w${w}`, msg);
    });
  }
}

describe('the timeline of a long run', () => {
  it('settled windows keep their point and drop their histograms; the timeline is the same as with every histogram kept', () => {
    const bounded = new Aggregator(10);
    const full = new Aggregator(Infinity);
    feed([bounded, full], 60);
    expect(bounded.timeline()).toEqual(full.timeline());
    const settled = [...bounded.windows.values()].filter((w) => w.point);
    expect(settled).toHaveLength(50);
    for (const w of settled) expect([...w.series.values()].some((s) => s.kind === 'trend')).toBe(false);
    expect([...full.windows.values()].every((w) => !w.point)).toBe(true);
  });

  it('a late window for a settled second still counts exactly', () => {
    const agg = new Aggregator(2);
    const r = new Recorder();
    const win = (index: number, n: number): WindowMessage => {
      for (let k = 0; k < n; k++) r.request('GET', 'a', totalOnly(1000, 1), true);
      return JSON.parse(JSON.stringify({ type: 'window', runId: 'r', index, vus: 1, series: r.cut() })) as WindowMessage;
    };
    for (let i = 0; i < 6; i++) agg.add('w1', win(i, 10));
    agg.add('w2', win(0, 5)); // settled long ago
    const tl = agg.timeline();
    expect(tl[0]).toMatchObject({ requests: 15, workers: 2, vus: 2 });
    const t = agg.totals.get('http_req_duration{method:GET,name:a}');
    expect(t?.kind === 'trend' && t.count).toBe(65);
  });
});
