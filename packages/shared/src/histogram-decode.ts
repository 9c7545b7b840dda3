// gives JsHistogram its decode()
import 'hdr-histogram-js/dist/JsHistogram.encoding.js';
import { JsHistogram } from 'hdr-histogram-js/dist/JsHistogram.js';
import { checkedPayload, HISTOGRAM_SPEC, malformed } from './histogram-codec.js';
import type { Histogram } from './histogram.js';

/** Decodes a peer's histogram with the library; any malformation becomes a VolleyError. */
export function decodeHistogram(encoded: string): Histogram {
  const raw = checkedPayload(encoded);
  try {
    const h = (JsHistogram as unknown as { decode(data: Uint8Array, bitBucketSize: number): Histogram }).decode(
      raw,
      HISTOGRAM_SPEC.bitBucketSize,
    );
    if (h.totalCount < 0 || !Number.isSafeInteger(h.totalCount)) throw new Error('impossible total count');
    return h;
  } catch (err) {
    throw malformed(err);
  }
}
