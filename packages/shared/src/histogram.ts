import type * as hdr from 'hdr-histogram-js';
// The library's parts, not its index, which loads them all: its log writer
// makes an Intl.NumberFormat as it loads (ICU data, ~18 ms of a process's
// start on Node 26), its builder a WebAssembly build and its decoder pako
// (~11 ms together, in a profile). The writer is loaded where a log is
// written; the decoder is histogram-decode.ts, the tests' oracle.
import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory.js';
import { encodePayload, HISTOGRAM_SPEC, valueFromIndex, type SparseHistogram } from './histogram-codec.js';

export type Histogram = hdr.Histogram;
/** HdrHistogram's interval log format, for logs its own tools read. */
export type HistogramLogWriter = hdr.HistogramLogWriter;

/** The log writer's class, loaded on first use. */
export async function histogramLogWriter(): Promise<typeof hdr.HistogramLogWriter> {
  // a CommonJS module: its default is its exports, in Node and in the bundle alike
  return (await import('hdr-histogram-js')).default.HistogramLogWriter;
}

const OurHistogram = constructorFromBucketSize(HISTOGRAM_SPEC.bitBucketSize);

/** What the library's build(HISTOGRAM_SPEC) makes, without its WebAssembly branch (the spec does not take it). */
export function newHistogram(): Histogram {
  const h = new OurHistogram(
    HISTOGRAM_SPEC.lowestDiscernibleValue,
    HISTOGRAM_SPEC.highestTrackableValue,
    HISTOGRAM_SPEC.numberOfSignificantValueDigits,
  );
  h.autoResize = HISTOGRAM_SPEC.autoResize;
  return h;
}

/**
 * A histogram as HdrHistogram's V2 payload, uncompressed, in base64 (what
 * its tools read as an uncompressed histogram). Not deflated: the payload is
 * already run-length coded, so deflate gains little, and inflating ~17,000
 * small payloads a second was an eighth of a 1,000-worker coordinator's time.
 */
export function encodeHistogram(h: Histogram): string {
  const j = h as unknown as hdr.JsHistogram;
  const limit = h.totalCount === 0 ? 0 : j.countsArrayIndex(h.maxValue) + 1;
  return encodePayload((i) => j.getCountAtIndex(i), limit, j.highestTrackableValue);
}

/**
 * Adds a sparse histogram into a full one of our shape: exactly what add()
 * of the decoded histogram would. The highest and lowest buckets go through
 * the library (they resize the counts and keep its min and max); the ones
 * between, already inside, go straight to their counts index, sparing the
 * value-to-index arithmetic that was most of a coordinator's merge time.
 */
export function addSparse(h: Histogram, s: SparseHistogram): void {
  const n = s.indexes.length;
  if (n === 0) return;
  h.recordValueWithCount(valueFromIndex(s.indexes[n - 1]!), s.counts[n - 1]!);
  if (n === 1) return;
  h.recordValueWithCount(valueFromIndex(s.indexes[0]!), s.counts[0]!);
  const j = h as unknown as hdr.JsHistogram;
  let middle = 0;
  for (let i = 1; i < n - 1; i++) {
    j.addToCountAtIndex(s.indexes[i]!, s.counts[i]!);
    middle += s.counts[i]!;
  }
  j.addToTotalCount(middle);
}

/** Value at percentile p (0–100) in microseconds; 0 for an empty histogram. */
export function percentile(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(p);
}
