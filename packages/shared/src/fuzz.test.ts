import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deflateSync } from 'node:zlib';
import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { decodeCoordinatorMessage, decodeWorkerMessage } from './protocol.js';
import { decodeHistogram } from './histogram-decode.js';
import { addSparse, encodeHistogram, newHistogram } from './histogram.js';
import { countsIndex, CountsRecorder, decodeSparse } from './histogram-codec.js';
import { VolleyError } from './errors.js';

/** Either a value or a VolleyError: anything else thrown is a crash. */
function survives(f: () => unknown, code: string): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof VolleyError && err.code === code) return true;
    throw err;
  }
}

function validWindow() {
  const h = newHistogram();
  for (let i = 1; i < 500; i++) h.recordValue(i * 37);
  return {
    type: 'window',
    runId: 'run-1',
    index: 4,
    vus: 10,
    series: [
      {
        kind: 'trend',
        metric: 'http_req_duration',
        tags: { name: 'a', method: 'GET' },
        count: 499,
        sum: 1,
        min: 37,
        max: 18463,
        hist: encodeHistogram(h),
      },
      { kind: 'rate', metric: 'http_req_failed', tags: { name: 'a' }, passes: 1, fails: 2 },
      { kind: 'counter', metric: 'data_received', tags: {}, value: 5 },
    ],
  };
}

/** Replaces the value at a random path of a JSON value. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const k = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...value] as unknown as Record<string, unknown>)
    : { ...(value as Record<string, unknown>) };
  copy[k] = mutate((value as Record<string, unknown>)[k], path.slice(1), replacement);
  return copy;
}

describe('message decoders under fuzzing', () => {
  it('arbitrary strings never crash either decoder', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        (s) =>
          survives(() => decodeWorkerMessage(s), 'VOLLEY_BAD_MESSAGE') && survives(() => decodeCoordinatorMessage(s), 'VOLLEY_BAD_MESSAGE'),
      ),
      { numRuns: 3000 },
    );
  });

  it('arbitrary JSON values never crash either decoder', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        const s = JSON.stringify(v);
        return (
          survives(() => decodeWorkerMessage(s), 'VOLLEY_BAD_MESSAGE') && survives(() => decodeCoordinatorMessage(s), 'VOLLEY_BAD_MESSAGE')
        );
      }),
      { numRuns: 3000 },
    );
  });

  it('a valid window with any one field replaced decodes or is refused', () => {
    const base = validWindow();
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), (path, replacement) =>
        survives(() => decodeWorkerMessage(JSON.stringify(mutate(base, path, replacement))), 'VOLLEY_BAD_MESSAGE'),
      ),
      { numRuns: 3000 },
    );
  });
});

describe('histogram decoder under fuzzing', () => {
  const good = encodeHistogram(
    (() => {
      const h = newHistogram();
      for (let i = 1; i < 2000; i++) h.recordValue(i * i);
      return h;
    })(),
  );

  it('arbitrary strings and base64 never crash it', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 400 })),
        (s) => survives(() => decodeHistogram(s), 'VOLLEY_BAD_HISTOGRAM') && survives(() => decodeSparse(s), 'VOLLEY_BAD_HISTOGRAM'),
      ),
      { numRuns: 3000 },
    );
  });

  it('a valid encoding with flipped bytes decodes or is refused', () => {
    const bytes = Buffer.from(good, 'base64');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (flips) => {
          const b = Buffer.from(bytes);
          for (const [at, x] of flips) b[at]! ^= x;
          return (
            survives(() => decodeHistogram(b.toString('base64')), 'VOLLEY_BAD_HISTOGRAM') &&
            survives(() => decodeSparse(b.toString('base64')), 'VOLLEY_BAD_HISTOGRAM')
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("the sparse decoder adds exactly what the library decoder does, from our encoding and the library's compressed one", () => {
    // values across the whole range: single-unit buckets, the first doublings, and hours
    const value = fc.oneof(
      fc.integer({ min: 1, max: 3000 }),
      fc.integer({ min: 1, max: 10_000_000 }),
      fc.integer({ min: 1, max: 3_600_000_000 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(value, fc.integer({ min: 1, max: 1000 })), { minLength: 1, maxLength: 300 }), (recs) => {
        const h = newHistogram();
        for (const [v, n] of recs) h.recordValueWithCount(v, n);
        for (const enc of [encodeHistogram(h), encodeIntoCompressedBase64(h)]) {
          const viaLibrary = newHistogram();
          viaLibrary.add(decodeHistogram(enc));
          const viaSparse = newHistogram();
          const sparse = decodeSparse(enc);
          addSparse(viaSparse, sparse);
          expect(sparse.total).toBe(h.totalCount);
          expect(viaSparse.totalCount).toBe(h.totalCount);
          expect(viaLibrary.totalCount).toBe(h.totalCount);
          // same counts in the same buckets as the original (a trend's exact min and max travel beside the histogram)
          for (const p of [0, 1, 25, 50, 90, 99, 99.9, 100]) {
            expect(viaSparse.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
            expect(viaLibrary.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
          }
          expect(viaSparse.mean).toBe(h.mean);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("countsIndex is the library's index over the whole range", () => {
    const lib = newHistogram() as unknown as { countsArrayIndex(v: number): number };
    const value = fc.oneof(
      fc.integer({ min: 0, max: 5000 }),
      fc.integer({ min: 0, max: 2 ** 31 + 5 }),
      fc.integer({ min: 2 ** 31 - 5, max: 2 ** 43 - 1 }),
    );
    fc.assert(
      fc.property(value, (v) => countsIndex(v) === lib.countsArrayIndex(v)),
      { numRuns: 20_000 },
    );
    for (let b = 0; b < 43; b++) for (const v of [2 ** b - 1, 2 ** b, 2 ** b + 1]) expect(countsIndex(v)).toBe(lib.countsArrayIndex(v));
  });

  it('a CountsRecorder encodes what a library histogram of the same values holds, window after window', () => {
    const value = fc.oneof(
      fc.integer({ min: 0, max: 3000 }),
      fc.integer({ min: 1, max: 10_000_000 }),
      fc.integer({ min: 1, max: 3_600_000_000 }),
    );
    const rec = new CountsRecorder();
    fc.assert(
      fc.property(fc.array(value, { minLength: 0, maxLength: 300 }), (vs) => {
        const h = newHistogram();
        for (const v of vs) {
          rec.record(v);
          h.recordValue(v);
        }
        const enc = rec.encode();
        rec.reset();
        const viaSparse = newHistogram();
        addSparse(viaSparse, decodeSparse(enc));
        const viaLibrary = decodeHistogram(enc);
        expect(viaSparse.totalCount).toBe(vs.length);
        expect(viaLibrary.totalCount).toBe(vs.length);
        for (const p of [1, 50, 90, 99, 100]) {
          expect(viaSparse.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
          expect(viaLibrary.getValueAtPercentile(p)).toBe(h.getValueAtPercentile(p));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a zip bomb and an over-precise header before allocating', () => {
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const wrapped = Buffer.alloc(8 + bomb.length);
    wrapped.writeUInt32BE(0x1c849314, 0);
    wrapped.writeInt32BE(bomb.length, 4);
    bomb.copy(wrapped, 8);
    expect(() => decodeHistogram(wrapped.toString('base64'))).toThrow(
      /malformed histogram: Cannot create a Buffer larger than 2097152 bytes/,
    );

    const header = Buffer.alloc(40);
    header.writeUInt32BE(0x1c849313, 0);
    header.writeInt32BE(0, 4);
    header.writeInt32BE(5, 12); // 5 significant digits: tens of MB of counts
    header.writeBigInt64BE(1n, 16);
    header.writeBigInt64BE(2n ** 40n, 24);
    const z = deflateSync(header);
    const w = Buffer.alloc(8 + z.length);
    w.writeUInt32BE(0x1c849314, 0);
    w.writeInt32BE(z.length, 4);
    z.copy(w, 8);
    expect(() => decodeHistogram(w.toString('base64'))).toThrow(/5 significant digits/);
    expect(() => decodeSparse(w.toString('base64'))).toThrow(/5 significant digits/);
    expect(() => decodeSparse(wrapped.toString('base64'))).toThrow(/larger than 2097152 bytes/);
    // the same header uncompressed
    expect(() => decodeSparse(header.toString('base64'))).toThrow(/5 significant digits/);
    expect(() => decodeHistogram(header.toString('base64'))).toThrow(/5 significant digits/);
  });
});
