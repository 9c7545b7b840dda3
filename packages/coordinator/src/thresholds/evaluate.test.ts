import { describe, expect, it } from 'vitest';
import { parseThreshold, type WindowMessage } from '@volley/shared';
import { Recorder, totalOnly } from '@volley/worker';
import { Aggregator } from '../aggregate/aggregator.js';
import { abortingThreshold, evaluateThresholds, parseThresholds } from './evaluate.js';

function data() {
  const agg = new Aggregator();
  const r = new Recorder();
  for (let i = 1; i <= 100; i++) r.request('POST', 'verify', totalOnly(i * 1000, 10), i <= 98, i > 98 ? 'Rate limited' : undefined); // 1..100 ms
  for (let i = 1; i <= 100; i++) r.request('GET', 'health', totalOnly(500, 10), true);
  const msg: WindowMessage = { type: 'window', runId: 'r', index: 0, vus: 7, series: r.cut() };
  agg.add('w', msg);
  return agg;
}

describe('threshold grammar', () => {
  it.each([
    ['p(95)<150', { aggregation: { kind: 'p', p: 95 }, operator: '<', value: 150 }],
    ['p(99.9) <= 300', { aggregation: { kind: 'p', p: 99.9 }, operator: '<=', value: 300 }],
    ['rate<0.01', { aggregation: { kind: 'rate' }, operator: '<', value: 0.01 }],
    ['count>=1e3', { aggregation: { kind: 'count' }, operator: '>=', value: 1000 }],
    ['avg != 5', { aggregation: { kind: 'avg' }, operator: '!=', value: 5 }],
  ])('parses %s', (src, want) => expect(parseThreshold(src)).toMatchObject(want));

  it.each(['p95<150', 'p(101)<1', 'avg<', 'mean<3', 'rate < 1 2', ''])('refuses %j with an example', (src) => {
    expect(() => parseThreshold(src)).toThrow(/threshold ".*": (write e\.g\.|a percentile)/);
  });

  it('refuses a malformed metric key', () => {
    expect(() => parseThresholds({ 'http_req_duration{name}': ['p(95)<1'] })).toThrow(/tag "name" is not tag:value/);
    expect(() => parseThresholds({ 'bad metric': ['p(95)<1'] })).toThrow(/write a metric name/);
  });
});

describe('threshold evaluation on merged data', () => {
  const agg = data();
  const all = [...agg.totals.values()];
  const judge = (specs: Record<string, string[]>) => evaluateThresholds(parseThresholds(specs), all, agg.windows, 10);

  it('judges percentiles, rates and counts, with sub-metrics by tag', () => {
    const r = judge({
      'http_req_duration{name:verify}': ['p(95)<100', 'p(95)<90', 'max<=100', 'med<51'],
      http_req_failed: ['rate<0.01', 'rate<0.02'],
      http_reqs: ['count==200', 'rate>19'],
      vus: ['value==7'],
    });
    expect(r.map((x) => [x.metric, x.threshold, x.ok])).toEqual([
      ['http_req_duration{name:verify}', 'p(95)<100', true],
      ['http_req_duration{name:verify}', 'p(95)<90', false],
      ['http_req_duration{name:verify}', 'max<=100', true],
      ['http_req_duration{name:verify}', 'med<51', true],
      ['http_req_failed', 'rate<0.01', false],
      ['http_req_failed', 'rate<0.02', true],
      ['http_reqs', 'count==200', true],
      ['http_reqs', 'rate>19', true],
      ['vus', 'value==7', true],
    ]);
    expect(r[1]!.observed).toBeCloseTo(95, 0);
    expect(r[4]!.observed).toBe(0.01);
  });

  it('fails what it cannot judge, and says why', () => {
    const r = judge({ nothing_here: ['count>0'], http_req_failed: ['p(95)<1'] });
    expect(r.map((x) => [x.ok, x.note])).toEqual([
      [false, 'no data'],
      [false, 'p(95) does not apply to a rate'],
    ]);
  });

  it('aborts only on data, and only past the delay', () => {
    const sets = parseThresholds({
      http_req_failed: [{ threshold: 'rate<0.001', abortOnFail: true, delayAbortEvalMs: 5000 }],
      ghost: [{ threshold: 'count>1', abortOnFail: true }],
    });
    const r = evaluateThresholds(sets, all, agg.windows, 10);
    expect(abortingThreshold(r, 4999)).toBeUndefined();
    expect(abortingThreshold(r, 5000)?.threshold).toBe('rate<0.001');
  });
});
