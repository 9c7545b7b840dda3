import { describe, expect, it } from 'vitest';
import { decodeCoordinatorMessage, decodeWorkerMessage, PROTOCOL_VERSION } from './protocol.js';
import { encodeHistogram, newHistogram } from './histogram.js';

describe('protocol decoding', () => {
  it('accepts a well-formed window', () => {
    const h = newHistogram();
    h.recordValue(1500);
    const msg = {
      type: 'window',
      runId: 'r1',
      index: 3,
      vus: 10,
      series: [
        {
          kind: 'trend',
          metric: 'http_req_duration',
          tags: { name: 'x', method: 'GET' },
          count: 1,
          sum: 1500,
          min: 1500,
          max: 1500,
          hist: encodeHistogram(h),
        },
        { kind: 'rate', metric: 'http_req_failed', tags: {}, passes: 0, fails: 1 },
      ],
    };
    expect(decodeWorkerMessage(JSON.stringify(msg))).toEqual(msg);
  });

  it.each([
    ['not JSON', '{', /not JSON/],
    ['an unknown type', JSON.stringify({ type: 'launch' }), /bad type/],
    ['a wrong field type', JSON.stringify({ type: 'ready', runId: 5 }), /bad runId/],
    [
      'a negative count',
      JSON.stringify({
        type: 'window',
        runId: 'r',
        index: 0,
        vus: 0,
        series: [{ kind: 'rate', metric: 'm', tags: {}, passes: -1, fails: 0 }],
      }),
      /bad series\.0\.passes/,
    ],
    [
      'a bad metric name',
      JSON.stringify({ type: 'window', runId: 'r', index: 0, vus: 0, series: [{ kind: 'counter', metric: 'a b', tags: {}, value: 1 }] }),
      /bad series\.0\.metric/,
    ],
  ])('rejects %s with a short reason', (_what, raw, reason) => {
    let err: unknown;
    try {
      decodeWorkerMessage(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'VOLLEY_BAD_MESSAGE' });
    expect((err as Error).message).toMatch(reason);
    expect(Buffer.byteLength((err as Error).message)).toBeLessThanOrEqual(123);
  });

  it('decodes coordinator messages', () => {
    const m = { type: 'welcome', protocol: PROTOCOL_VERSION, workerId: 'w-1', secret: '0123456789abcdef0123456789abcdef', now: 1 };
    expect(decodeCoordinatorMessage(JSON.stringify(m))).toEqual(m);
  });
});
