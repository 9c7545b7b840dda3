import { addSparse, newHistogram } from './histogram.js';
import { decodeSparse, type SparseHistogram } from './histogram-codec.js';
import { addTrendStats, seriesKey, type MetricKind, type SeriesAgg, type SeriesWire, type Tags } from './metrics.js';

// Accumulating series (the coordinator's side): these go through the
// histogram library, which metrics.ts — the model a worker loads — does not.

export function emptyAgg(kind: MetricKind, metric: string, tags: Tags): SeriesAgg {
  switch (kind) {
    case 'trend':
      return { kind, metric, tags, count: 0, sum: 0, min: Infinity, max: -Infinity, hist: newHistogram() };
    case 'counter':
      return { kind, metric, tags, value: 0 };
    case 'rate':
      return { kind, metric, tags, passes: 0, fails: 0 };
    case 'gauge':
      return { kind, metric, tags, value: 0, min: Infinity, max: -Infinity };
  }
}

/**
 * Adds a wire series into an accumulator of the same kind. Mutates only
 * `acc`; a histogram may arrive decoded as `hist` (decode once per window,
 * add into several accumulators).
 * Gauges from several workers in one window add up (a worker's VUs add to
 * the cluster's); every other kind merges as addAgg does.
 */
export function addWire(acc: SeriesAgg, s: SeriesWire, hist?: SparseHistogram): void {
  if (acc.kind !== s.kind) throw new TypeError(`series ${seriesKey(s.metric, s.tags)} is a ${s.kind} here, a ${acc.kind} before`);
  if (s.kind === 'gauge') {
    const a = acc as Extract<SeriesAgg, { kind: 'gauge' }>;
    a.value += s.value;
    a.min = Math.min(a.min, a.value);
    a.max = Math.max(a.max, a.value);
    return;
  }
  if (s.kind === 'trend') {
    if (s.count === 0) return;
    const a = acc as Extract<SeriesAgg, { kind: 'trend' }>;
    addTrendStats(a, s);
    addSparse(a.hist, hist ?? decodeSparse(s.hist));
    return;
  }
  addAgg(acc, s);
}

/** Adds one accumulator into another of the same kind (for roll-ups). */
export function addAgg(acc: SeriesAgg, s: SeriesAgg): void {
  if (acc.kind !== s.kind) throw new TypeError(`cannot add a ${s.kind} to a ${acc.kind}`);
  switch (s.kind) {
    case 'trend': {
      const a = acc as Extract<SeriesAgg, { kind: 'trend' }>;
      if (s.count === 0) return;
      addTrendStats(a, s);
      a.hist.add(s.hist);
      return;
    }
    case 'counter':
      (acc as Extract<SeriesAgg, { kind: 'counter' }>).value += s.value;
      return;
    case 'rate': {
      const a = acc as Extract<SeriesAgg, { kind: 'rate' }>;
      a.passes += s.passes;
      a.fails += s.fails;
      return;
    }
    case 'gauge': {
      const a = acc as Extract<SeriesAgg, { kind: 'gauge' }>;
      a.value = s.value;
      a.min = Math.min(a.min, s.min);
      a.max = Math.max(a.max, s.max);
      return;
    }
  }
}
