import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeriesSchema } from './protocol.js';
import { checkSeries } from './series-check.js';

/** Valid series of each kind, then each with one field replaced, removed, or one added. */
// mostly valid parts, so that both outcomes are common
const goodName = fc.constantFrom('http_req_duration', 'a', '_x1', 'x'.repeat(128), 'name', 'method');
const name = fc.oneof(
  { arbitrary: goodName, weight: 8 },
  fc.constantFrom('x'.repeat(129), '1a', 'a-b', '', '__proto__'),
  fc.string({ maxLength: 10 }),
);
const tags = fc.oneof(
  { arbitrary: fc.dictionary(goodName, fc.string({ maxLength: 20 }), { maxKeys: 4 }), weight: 8 },
  fc.dictionary(name, fc.oneof(fc.string({ maxLength: 20 }), fc.constant('v'.repeat(513)), fc.integer()), { maxKeys: 18 }),
  fc.jsonValue({ maxDepth: 1 }),
);
const num = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 1e6 }), weight: 8 },
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(2 ** 53, 2 ** 53 - 1, -0, 0.5),
  fc.jsonValue({ maxDepth: 0 }),
);
const series = fc.oneof(
  fc.record({
    kind: fc.constant('trend'),
    metric: name,
    tags,
    count: num,
    sum: num,
    min: num,
    max: num,
    hist: fc.oneof(fc.base64String({ maxLength: 40 }), num),
  }),
  fc.record({ kind: fc.constant('counter'), metric: name, tags, value: num }),
  fc.record({ kind: fc.constant('rate'), metric: name, tags, passes: num, fails: num }),
  fc.record({ kind: fc.constantFrom('gauge', 'histogram', 1), metric: name, tags, value: num }),
);
const mutated = fc
  .tuple(
    series,
    fc.oneof(
      fc.constant({ op: 'none' as const }),
      fc.record({
        op: fc.constant('set' as const),
        field: fc.constantFrom('kind', 'metric', 'tags', 'count', 'value', 'hist', 'extra'),
        value: fc.jsonValue({ maxDepth: 2 }),
      }),
      fc.record({
        op: fc.constant('drop' as const),
        field: fc.constantFrom('kind', 'metric', 'tags', 'count', 'sum', 'value', 'passes', 'hist'),
      }),
    ),
  )
  .map(([s, m]) => {
    const o: Record<string, unknown> = { ...s };
    if (m.op === 'set') o[m.field] = m.value;
    if (m.op === 'drop') delete o[m.field];
    return o;
  });

describe('checkSeries against its schema', () => {
  it('passes exactly what SeriesSchema passes, with the same value', () => {
    let passed = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, fc.jsonValue({ maxDepth: 2 })), (x) => {
        const viaSchema = SeriesSchema.safeParse(x);
        const viaCheck = checkSeries(x);
        expect(viaCheck.ok).toBe(viaSchema.success);
        if (viaCheck.ok && viaSchema.success) {
          passed++;
          expect(viaCheck.value).toEqual(viaSchema.data);
        }
      }),
      { numRuns: 20_000 },
    );
    // the generator reaches both sides
    expect(passed).toBeGreaterThan(500);
  });

  it('names where a bad series is wrong', () => {
    expect(checkSeries({ kind: 'trend', metric: 'a', tags: {}, count: -1, sum: 0, min: 0, max: 0, hist: '' })).toMatchObject({
      ok: false,
      path: 'count',
    });
    expect(checkSeries({ kind: 'rate', metric: 'a', tags: { 'bad-name': 'x' }, passes: 1, fails: 1 })).toMatchObject({
      ok: false,
      path: 'tags.bad-name',
    });
  });
});
