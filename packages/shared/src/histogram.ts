import * as hdr from 'hdr-histogram-js';
import { VolleyError } from './errors.js';

export type Histogram = hdr.Histogram;

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

/** Decodes a peer's histogram; any malformation becomes a VolleyError. */
export function decodeHistogram(encoded: string): Histogram {
  if (encoded.length > MAX_ENCODED_HISTOGRAM) {
    throw new VolleyError('VOLLEY_BAD_HISTOGRAM', `encoded histogram of ${encoded.length} characters exceeds ${MAX_ENCODED_HISTOGRAM}`);
  }
  try {
    const h = hdr.decodeFromCompressedBase64(encoded, HISTOGRAM_SPEC.bitBucketSize, false);
    if (h.numberOfSignificantValueDigits !== HISTOGRAM_SPEC.numberOfSignificantValueDigits) {
      throw new Error(`histogram has ${h.numberOfSignificantValueDigits} significant digits, expected ${HISTOGRAM_SPEC.numberOfSignificantValueDigits}`);
    }
    return h;
  } catch (err) {
    if (err instanceof VolleyError) throw err;
    throw new VolleyError('VOLLEY_BAD_HISTOGRAM', `malformed histogram: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/** Value at percentile p (0–100) in microseconds; 0 for an empty histogram. */
export function percentile(h: Histogram, p: number): number {
  return h.totalCount === 0 ? 0 : h.getValueAtPercentile(p);
}
