import { inflateSync } from 'node:zlib';
import type * as hdr from 'hdr-histogram-js';
import { VolleyError } from './errors.js';

// HdrHistogram's V2 payload, written and read without the library: what a
// worker needs (CountsRecorder) and what the coordinator's merge reads
// (decodeSparse). histogram.ts adds what goes through the library; a worker
// never loads it.

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

/** Cookies of HdrHistogram's V2 encoding: compressed wrapper, and the payload inside. */
const COMPRESSED_COOKIE = 0x1c849314;
const PAYLOAD_COOKIE = 0x1c849313;
const HEADER_BYTES = 40;

/** The V2 payload of counts 0..limit−1, base64. */
export function encodePayload(countAt: (index: number) => number, limit: number, highest: number): string {
  const out: number[] = [];
  for (let i = 0; i < limit; ) {
    const count = countAt(i++);
    if (count === 0) {
      let zeros = 1;
      while (i < limit && countAt(i) === 0) {
        zeros++;
        i++;
      }
      putZigZag(out, zeros > 1 ? -zeros : 0);
    } else putZigZag(out, count);
  }
  const buf = Buffer.allocUnsafe(HEADER_BYTES + out.length);
  buf.writeUInt32BE(PAYLOAD_COOKIE, 0);
  buf.writeInt32BE(out.length, 4);
  buf.writeInt32BE(0, 8); // normalizing index offset
  buf.writeInt32BE(HISTOGRAM_SPEC.numberOfSignificantValueDigits, 12);
  buf.writeBigInt64BE(1n, 16); // lowest discernible value
  buf.writeBigInt64BE(BigInt(highest), 24);
  buf.writeDoubleBE(1, 32); // integer to double conversion ratio
  for (let i = 0; i < out.length; i++) buf[HEADER_BYTES + i] = out[i]!;
  return buf.toString('base64');
}

/** ZigZag LEB128-64b9B, as HdrHistogram's V2 payload codes each count (negative: a run of empty buckets). */
function putZigZag(out: number[], value: number): void {
  let v = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let i = 0; i < 8 && v >= 128; i++) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** the most a legitimate histogram of our shape inflates to (≈ 200 KB at full range) */
const MAX_INFLATED = 2 * 1024 * 1024;
/** the highest value an auto-resized histogram may claim: 2^43 µs, about 100 days */
const MAX_HIGHEST = 2n ** 43n;
/** the highest value recorded; above, values are clamped to it */
const MAX_VALUE = 2 ** 43 - 1;

/**
 * Checks the wrapper and the header before the library sees the bytes: the
 * library would otherwise inflate without bound (a small zip bomb) and
 * allocate counts for whatever precision and range the header claims.
 * Takes the V2 payload as it is, or deflated in V2's compressed wrapper.
 */
function checkEncoding(encoded: string): Buffer {
  const buf = Buffer.from(encoded, 'base64');
  // the decoder skips what is not base64, so anything else in the text leaves fewer bytes than its length promises
  const padding = encoded.endsWith('==') ? 2 : encoded.endsWith('=') ? 1 : 0;
  if (encoded.length % 4 !== 0 || buf.length !== (encoded.length / 4) * 3 - padding) throw new Error('not base64');
  if (buf.length < 8) throw new Error('not a V2 histogram');
  let raw: Buffer;
  if (buf.readUInt32BE(0) === PAYLOAD_COOKIE) raw = buf;
  else if (buf.readUInt32BE(0) === COMPRESSED_COOKIE) {
    if (buf.readInt32BE(4) !== buf.length - 8) throw new Error('compressed length does not match');
    raw = inflateSync(buf.subarray(8), { maxOutputLength: MAX_INFLATED });
  } else throw new Error('not a V2 histogram');
  if (raw.length < HEADER_BYTES || raw.readUInt32BE(0) !== PAYLOAD_COOKIE) throw new Error('bad payload header');
  if (raw.readInt32BE(4) !== raw.length - HEADER_BYTES) throw new Error('payload length does not match');
  const digits = raw.readInt32BE(12);
  if (digits !== HISTOGRAM_SPEC.numberOfSignificantValueDigits)
    throw new Error(`histogram has ${digits} significant digits, expected ${HISTOGRAM_SPEC.numberOfSignificantValueDigits}`);
  if (raw.readBigInt64BE(16) !== 1n) throw new Error('lowest discernible value must be 1');
  const highest = raw.readBigInt64BE(24);
  if (highest < 2n || highest > MAX_HIGHEST) throw new Error(`highest trackable value ${highest} out of range`);
  return raw;
}

export const malformed = (err: unknown): VolleyError =>
  new VolleyError('VOLLEY_BAD_HISTOGRAM', `malformed histogram: ${(err as Error)?.message ?? String(err)}`, { cause: err });

/** A peer's histogram payload, inflated and checked; any malformation becomes a VolleyError. */
export function checkedPayload(encoded: string): Buffer {
  if (encoded.length > MAX_ENCODED_HISTOGRAM) {
    throw new VolleyError('VOLLEY_BAD_HISTOGRAM', `encoded histogram of ${encoded.length} characters exceeds ${MAX_ENCODED_HISTOGRAM}`);
  }
  try {
    return checkEncoding(encoded);
  } catch (err) {
    throw malformed(err);
  }
}

/**
 * A peer's histogram as its non-zero buckets: each bucket's counts index and
 * its count. Adding it into an accumulator costs its few buckets, where the
 * library's add() walks all ~23,000 counts of the full range (44 µs each; a
 * coordinator merging 1,000 workers adds ~50,000 histograms a second).
 */
export interface SparseHistogram {
  /** counts-array indexes, ascending */
  indexes: number[];
  counts: number[];
  total: number;
}

/** Our shape's bucket layout: 3 digits, lowest 1 → sub-buckets of 2048, half 1024. */
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_MAGNITUDE;

/**
 * The counts index of a value in our shape: HdrHistogram's countsArrayIndex,
 * in integer arithmetic below 2^31 µs (35 minutes), where the library's
 * log2, floor and pow on every recorded value were most of its cost.
 */
export function countsIndex(value: number): number {
  if (value < 2 ** 31) {
    const bucket = Math.max(0, 31 - Math.clz32(value) - SUB_BUCKET_HALF_MAGNITUDE);
    return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (value >>> bucket);
  }
  const bucket = Math.floor(Math.log2(value)) - SUB_BUCKET_HALF_MAGNITUDE;
  return bucket * SUB_BUCKET_HALF_COUNT + Math.floor(value / 2 ** bucket);
}

/**
 * One window's values of a series, as counts by index, encoded straight to
 * the V2 payload: what a worker records per request, without a library
 * histogram (whose record does log2/floor/pow per value). Values are
 * integer microseconds, 0 to 2^43.
 */
export class CountsRecorder {
  /** grown by doubling as values need; starts covering 2^17 µs (131 ms) */
  private counts = new Float64Array(8 * SUB_BUCKET_HALF_COUNT);
  private lo = Infinity;
  private hi = -1;

  record(value: number): void {
    const i = countsIndex(Math.min(Math.max(0, value), MAX_VALUE));
    if (i >= this.counts.length) this.grow(i);
    this.counts[i]!++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  /** Adds a decoded histogram's buckets (a peer's, from decodeSparse): merging without the library. */
  addCounts(s: SparseHistogram): void {
    const n = s.indexes.length;
    if (n === 0) return;
    if (s.indexes[n - 1]! >= this.counts.length) this.grow(s.indexes[n - 1]!);
    const counts = this.counts;
    for (let i = 0; i < n; i++) counts[s.indexes[i]!]! += s.counts[i]!;
    if (s.indexes[0]! < this.lo) this.lo = s.indexes[0]!;
    if (s.indexes[n - 1]! > this.hi) this.hi = s.indexes[n - 1]!;
  }

  /** The V2 payload, base64 (decodeSparse and the library both read it). */
  encode(): string {
    const counts = this.counts;
    // a highest trackable value that covers the top bucket, as an auto-resized library histogram would
    const highest = Math.max(HISTOGRAM_SPEC.highestTrackableValue, Math.min(MAX_VALUE, valueFromIndex(this.hi + 1) * 2));
    return encodePayload((i) => counts[i]!, this.hi + 1, highest);
  }

  reset(): void {
    if (this.hi >= 0) this.counts.fill(0, this.lo, this.hi + 1);
    this.lo = Infinity;
    this.hi = -1;
  }

  private grow(index: number): void {
    let n = this.counts.length;
    while (n <= index) n *= 2;
    const next = new Float64Array(n);
    next.set(this.counts);
    this.counts = next;
  }
}

/** The lowest value of counts index `index` (HdrHistogram's valueFromIndex). */
export function valueFromIndex(index: number): number {
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
  const indexes: number[] = [];
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
        indexes.push(index);
        counts.push(count);
        total += count;
      }
      index++;
    }
  }
  if (!Number.isSafeInteger(total)) throw new VolleyError('VOLLEY_BAD_HISTOGRAM', 'malformed histogram: impossible total count');
  return { indexes, counts, total };
}
