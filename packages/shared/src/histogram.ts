import { inflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import { VolleyError } from './errors.js';

export type Histogram = hdr.Histogram;
/** HdrHistogram's interval log format, for logs its own tools read. */
export const HistogramLogWriter = hdr.HistogramLogWriter;
export type HistogramLogWriter = hdr.HistogramLogWriter;

/**
 * One histogram shape everywhere, so that histograms from any worker add
 * exactly: values in integer microseconds, 3 significant digits (0.1 %),
 * auto-resizing up to an hour.
 */
export const HISTOGRAM_SPEC = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 3,
  bitBucketSize: 32,
  autoResize: true,
  useWebAssembly: false,
} as const satisfies hdr.BuildRequest;

/** The largest encoded histogram a peer may send (base64 characters). */
export const MAX_ENCODED_HISTOGRAM = 512 * 1024;

export function newHistogram(): Histogram {
  return hdr.build(HISTOGRAM_SPEC);
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** Cookies of HdrHistogram's V2 encoding: compressed wrapper, and the payload inside. */
const COMPRESSED_COOKIE = 0x1c849314;
const PAYLOAD_COOKIE = 0x1c849313;
const HEADER_BYTES = 40;
/** the most a legitimate histogram of our shape inflates to (≈ 200 KB at full range) */
const MAX_INFLATED = 2 * 1024 * 1024;
/** the highest value an auto-resized histogram may claim: 2^43 µs, about 100 days */
const MAX_HIGHEST = 2n ** 43n;

/**
 * Checks the wrapper and the header before the library sees the bytes: the
 * library would otherwise inflate without bound (a small zip bomb) and
 * allocate counts for whatever precision and range the header claims.
 */
function checkEncoding(encoded: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw new Error('not base64');
  const buf = Buffer.from(encoded, 'base64');
  if (buf.length < 8 || buf.readUInt32BE(0) !== COMPRESSED_COOKIE) throw new Error('not a compressed V2 histogram');
  if (buf.readInt32BE(4) !== buf.length - 8) throw new Error('compressed length does not match');
  const raw = inflateSync(buf.subarray(8), { maxOutputLength: MAX_INFLATED });
  if (raw.length < HEADER_BYTES || raw.readUInt32BE(0) !== PAYLOAD_COOKIE) throw new Error('bad payload header');
  if (raw.readInt32BE(4) !== raw.length - HEADER_BYTES) throw new Error('payload length does not match');
  const digits = raw.readInt32BE(12);
  if (digits !== HISTOGRAM_SPEC.numberOfSignificantValueDigits) throw new Error(`histogram has ${digits} significant digits, expected ${HISTOGRAM_SPEC.numberOfSignificantValueDigits}`);
  if (raw.readBigInt64BE(16) !== 1n) throw new Error('lowest discernible value must be 1');
  const highest = raw.readBigInt64BE(24);
  if (highest < 2n || highest > MAX_HIGHEST) throw new Error(`highest trackable value ${highest} out of range`);
  return raw;
}

const malformed = (err: unknown): VolleyError =>
  new VolleyError('VOLLEY_BAD_HISTOGRAM', `malformed histogram: ${(err as Error)?.message ?? String(err)}`, { cause: err });

/** A peer's histogram payload, inflated and checked; any malformation becomes a VolleyError. */
function checkedPayload(encoded: string): Buffer {
  if (encoded.length > MAX_ENCODED_HISTOGRAM) {
    throw new VolleyError('VOLLEY_BAD_HISTOGRAM', `encoded histogram of ${encoded.length} characters exceeds ${MAX_ENCODED_HISTOGRAM}`);
  }
  try {
    return checkEncoding(encoded);
  } catch (err) {
    throw malformed(err);
  }
}

/** Decodes a peer's histogram with the library; any malformation becomes a VolleyError. */
export function decodeHistogram(encoded: string): Histogram {
  checkedPayload(encoded);
  try {
    const h = hdr.decodeFromCompressedBase64(encoded, HISTOGRAM_SPEC.bitBucketSize, false);
    if (h.totalCount < 0 || !Number.isSafeInteger(h.totalCount)) throw new Error('impossible total count');
    return h;
  } catch (err) {
    throw malformed(err);
  }
}

/**
 * A peer's histogram as its non-zero buckets: each bucket's lowest value and
 * its count. Adding it into an accumulator costs its few buckets, where the
 * library's add() walks all ~23,000 counts of the full range (44 µs each; a
 * coordinator merging 1,000 workers adds ~50,000 histograms a second).
 */
export interface SparseHistogram {
  values: number[];
  counts: number[];
  total: number;
}

/** Our shape's bucket layout: 3 digits, lowest 1 → sub-buckets of 2048, half 1024. */
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE;

/** The lowest value of counts index `index` (HdrHistogram's valueFromIndex). */
function valueFromIndex(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let sub = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * Decodes a peer's histogram into its non-zero buckets, with the same checks
 * as decodeHistogram; any malformation becomes a VolleyError. The counts are
 * HdrHistogram's V2 payload: ZigZag LEB128 numbers, a negative one a run of
 * empty buckets.
 */
export function decodeSparse(encoded: string): SparseHistogram {
  const raw = checkedPayload(encoded);
  const values: number[] = [];
  const counts: number[] = [];
  let total = 0;
  let index = 0;
  let pos = HEADER_BYTES;
  const end = raw.length;
  // past the last index of a histogram reaching MAX_HIGHEST (2^43): a bucket there would make the accumulator resize without bound
  const maxIndex = (43 - SUB_BUCKET_HALF_MAGNITUDE + 2) * SUB_BUCKET_HALF_COUNT;
  while (pos < end) {
    let n = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      if (pos >= end) throw new VolleyError('VOLLEY_BAD_HISTOGRAM', 'malformed histogram: a count runs past the payload');
      const b = raw[pos++]!;
      // the ninth byte carries 8 bits (LEB128-64b9B)
      if (i === 8) {
        n += b * scale;
        break;
      }
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
    }
    const count = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    if (count < 0) {
      index -= count;
    } else {
      if (count > 0) {
        if (index >= maxIndex) throw new VolleyError('VOLLEY_BAD_HISTOGRAM', 'malformed histogram: counts beyond its range');
        values.push(valueFromIndex(index));
        counts.push(count);
        total += count;
      }
      index++;
    }
  }
  if (!Number.isSafeInteger(total)) throw new VolleyError('VOLLEY_BAD_HISTOGRAM', 'malformed histogram: impossible total count');
  return { values, counts, total };
}

/** Adds a sparse histogram into a full one: exactly what add() of the decoded histogram would. */
export function addSparse(h: Histogram, s: SparseHistogram): void {
  for (let i = 0; i < s.values.length; i++) h.recordValueWithCount(s.values[i]!, s.counts[i]!);
}

/** Value at percentile p (0–100) in microseconds; 0 for an empty histogram. */
export function percentile(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(p);
}
