import { describe, expect, it } from 'vitest';
import { validateSummary } from '../../../../test/schema.js';
import { Recorder } from '@volley/worker';
import type { WindowMessage } from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize } from '../aggregate/summary.js';
import { parseThresholds } from '../thresholds/evaluate.js';
import { renderK6Json } from './k6-json.js';

describe('the JSON summary against docs/summary.schema.json', () => {
  it('a summary with requests, failures, custom metrics, checks and thresholds (one without data) is valid', () => {
    const agg = new Aggregator();
    const r = new Recorder();
    for (let i = 1; i <= 50; i++)
      r.request(
        'GET',
        'a',
        {
          durationUs: i * 100,
          blockedUs: 1,
          connectingUs: 0,
          tlsUs: 0,
          sendingUs: 2,
          waitingUs: i * 90,
          receivingUs: 10,
          sentBytes: 3,
          receivedBytes: 10,
          complete: true,
        },
        i % 10 !== 0,
        i % 10 === 0 ? 'HTTP 500' : undefined,
      );
    r.metric('trend', 'custom_time', 12.5);
    r.metric('counter', 'things', 3);
    r.metric('gauge', 'level', 7);
    r.metric('rate', 'checks', 1, { check: 'ok' });
    r.iteration(1000);
    agg.add('w', { type: 'window', runId: 'r', index: 0, vus: 3, series: r.cut() } as WindowMessage);
    const s = summarize(
      agg,
      {
        id: 'run-1',
        scenario: 's.ts',
        host: 'http://x',
        users: 3,
        spawnRate: 1,
        runTimeMs: 1000,
        startedAt: '2026-11-26T00:00:00.000Z',
        durationMs: 1000,
        workers: [{ id: 'w', name: 'w', cores: 1, requests: 50 }],
        events: [{ atMs: 5, kind: 'rebalanced', detail: 'x' }],
        shortMs: 0,
      },
      parseThresholds({ http_req_duration: ['p(95)<10'], 'ghost{name:x}': ['count>0'] }),
    );
    const doc = JSON.parse(renderK6Json(s));
    expect(validateSummary(doc)).toEqual([]);
    expect(doc.metrics.ghost?.type ?? doc.metrics['ghost{name:x}'].type).toBe('unknown');
  });

  it('catches a summary that breaks the shape', () => {
    expect(validateSummary({ metrics: { x: { type: 'trend', contains: 'time', values: { avg: 1 } } } }).length).toBeGreaterThan(0);
  });
});
