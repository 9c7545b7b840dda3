import { describe, expect, it } from 'vitest';
import { Recorder, totalOnly } from '@volley/worker';
import type { WindowMessage } from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize, type RunInfo } from '../aggregate/summary.js';
import { renderText } from './text.js';
import { renderK6Json } from './k6-json.js';
import { LOCUST_STATS_HEADER, renderLocustStatsCsv, csvCell, renderLocustFailuresCsv, renderLocustHistoryCsv } from './locust-csv.js';
import { renderJunit } from './junit.js';
import { runSections } from './html.js';
import { parseThresholds } from '../thresholds/evaluate.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const RUN: RunInfo = {
  id: 'run-1',
  scenario: 'locustfile.ts',
  host: 'http://127.0.0.1:8000',
  users: 10,
  spawnRate: 5,
  runTimeMs: 10_000,
  startedAt: '2026-11-26T00:00:00.000Z',
  durationMs: 10_000,
  events: [],
  shortMs: 0,
  executors: ['constant-arrival-rate'],
  workers: [
    { id: 'w1', name: 'a', cores: 1 },
    { id: 'w2', name: 'b', cores: 1 },
  ],
};

function twoWorkers() {
  const agg = new Aggregator();
  const a = new Recorder();
  const b = new Recorder();
  for (let i = 1; i <= 100; i++) a.request('GET', 'health_check', totalOnly(i * 1000, 20), true);
  for (let i = 1; i <= 50; i++)
    b.request('POST', 'verify_biometric', totalOnly(i * 2000, 30), i % 5 !== 0, i % 5 === 0 ? 'Rate limited' : undefined);
  b.request('POST', 'verify_biometric', totalOnly(500, 0), false, 'ECONNRESET');
  const win = (r: Recorder, vus: number): WindowMessage => ({ type: 'window', runId: 'run-1', index: 0, vus, series: r.cut() });
  agg.add('w1', win(a, 5));
  agg.add('w2', win(b, 5));
  for (let i = 1; i <= 10; i++) a.request('GET', 'health_check', totalOnly(2000, 20), true);
  agg.add('w1', { type: 'window', runId: 'run-1', index: 1, vus: 5, series: a.cut() });
  return summarize(
    agg,
    RUN,
    parseThresholds({ http_req_duration: ['p(95)<1000', 'max<50'], 'http_req_failed{name:verify_biometric}': ['rate<0.01'] }),
  );
}

describe('summary and renderers', () => {
  const s = twoWorkers();

  it('tables requests per name with failures, rates and percentiles', () => {
    expect(s.requests.map((r) => [r.method, r.name, r.count, r.failures])).toEqual([
      ['GET', 'health_check', 110, 0],
      ['POST', 'verify_biometric', 51, 11],
    ]);
    const h = s.requests[0]!; // 1..100 ms in window 0, ten of 2 ms in window 1
    expect(h.avgMs).toBeCloseTo(5070 / 110, 6);
    expect(h.minMs).toBe(1);
    expect(h.maxMs).toBe(100);
    expect(h.percentilesMs['50']).toBeCloseTo(45, 1);
    expect(h.rps).toBe(11);
    expect(h.avgContentSize).toBe(20);
    expect(s.total).toMatchObject({ count: 161, failures: 11, name: 'Aggregated' });
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
    expect(text).toContain('Total requests: 161\nFailures: 11\n');
    expect(text).toMatch(/RPS: 16\.10/);
  });

  it('renders k6 summary JSON', () => {
    const doc = JSON.parse(renderK6Json(s));
    expect(doc.metrics.http_reqs).toEqual({ type: 'counter', contains: 'default', values: { count: 161, rate: 16.1 } });
    expect(doc.metrics.http_req_failed.values).toEqual({ rate: 11 / 161, passes: 11, fails: 150 });
    expect(doc.metrics['http_req_failed{name:verify_biometric}'].values.passes).toBe(11);
    expect(doc.metrics['http_req_duration{name:health_check}'].values.max).toBe(100);
    expect(doc.state.testRunDurationMs).toBe(10_000);
  });

  it('renders Locust’s stats CSV', () => {
    const lines = renderLocustStatsCsv(s).trim().split('\n');
    expect(lines[0]).toBe(LOCUST_STATS_HEADER.join(','));
    expect(lines[1]!.split(',').slice(0, 4)).toEqual(['GET', 'health_check', '110', '0']);
    expect(lines[3]!.split(',').slice(0, 4)).toEqual(['', 'Aggregated', '161', '11']);
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
  });

  it('renders Locust’s failures and history CSVs', () => {
    expect(renderLocustFailuresCsv(s).trim().split('\n')).toEqual([
      'Method,Name,Error,Occurrences',
      'POST,verify_biometric,Rate limited,10',
      'POST,verify_biometric,ECONNRESET,1',
    ]);
    const h = renderLocustHistoryCsv(s)
      .trim()
      .split('\n')
      .map((l) => l.split(','));
    expect(h[0]).toEqual([
      'Timestamp',
      'User Count',
      'Type',
      'Name',
      'Requests/s',
      'Failures/s',
      '50%',
      '66%',
      '75%',
      '80%',
      '90%',
      '95%',
      '98%',
      '99%',
      '99.9%',
      '99.99%',
      '100%',
      'Total Request Count',
      'Total Failure Count',
      'Total Median Response Time',
      'Total Average Response Time',
      'Total Min Response Time',
      'Total Max Response Time',
      'Total Average Content Size',
    ]);
    expect(h).toHaveLength(3);
    expect(h[1]!.slice(1, 6)).toEqual(['10', '', 'Aggregated', '151', '11']);
    expect(h[2]!.slice(1, 6)).toEqual(['5', '', 'Aggregated', '10', '0']);
    expect(h[2]![6]).toBe('2'); // that second's median: every request took 2 ms
    expect(h[2]!.slice(17, 19)).toEqual(['161', '11']); // totals so far
    expect(Number(h[2]![0]) - Number(h[1]![0])).toBe(1);
  });

  it('renders JUnit XML that a parser accepts: one case per threshold, failures with the observed value', () => {
    const text = renderJunit(s);
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(text);
    const suite = doc.testsuites.testsuite;
    expect(suite['@_tests']).toBe('3');
    expect(suite['@_failures']).toBe('2');
    expect(suite.testcase.map((c: any) => [c['@_classname'], c['@_name'], !!c.failure])).toEqual([
      ['http_req_duration', 'p(95)<1000', false],
      ['http_req_duration', 'max<50', true],
      ['http_req_failed{name:verify_biometric}', 'rate<0.01', true],
    ]);
    expect(suite.testcase[1].failure['@_message']).toMatch(/max<50: max=100/);
  });

  it('the live page lists the busiest workers only, and says how many it left out', () => {
    const many = {
      ...s,
      run: {
        ...s.run,
        workers: Array.from({ length: 60 }, (_, i) => ({
          id: `w${i}`,
          name: `w${i}`,
          cores: 1,
          requests: 10,
          health: { cpuAvg: 0.1, cpuMax: i / 100, busySeconds: 0, lagP99MaxMs: 1, lagMaxMs: 2, wakeLateMaxMs: 0 },
        })),
      },
    };
    const live = runSections(many, { maxWorkers: 50 }).workers;
    expect(live.match(/<tr><td>w\d+</g)).toHaveLength(50);
    expect(live).toContain('<td>w59</td>');
    expect(live).not.toContain('<td>w9</td>');
    expect(live).toContain('The 50 busiest of 60 workers; the report lists them all.');
    expect(runSections(many).workers.match(/<tr><td>w\d+</g)).toHaveLength(60);
  });
});
