import { VolleyError } from './errors.js';

/**
 * How a total splits across workers. Like k6's striped execution-segment
 * sequences: units (VU number k, or the k-th iteration of an arrival rate)
 * are dealt to workers in one fixed interleaved order, so
 *  - each unit has exactly one owner, and the shares sum to the total;
 *  - a worker's share never shrinks while the total grows (no VU churn
 *    during a ramp — the plain floor(n·end) − floor(n·start) split fails
 *    this, e.g. weights 5:1:3 at total 3 → 4);
 *  - every prefix of the order stays close to proportional (about one unit;
 *    property-tested under two — largest-deficit order can miss by a hair
 *    more than one, e.g. weights 1:1:14:14:1 at total 20), so an arrival
 *    rate interleaves evenly across workers.
 * The order is smooth weighted round-robin over one period of Σweights.
 */
export interface Segment {
  /** the weight of every worker in the segmentation, in order */
  readonly weights: readonly number[];
  /** which of them this worker is */
  readonly index: number;
}

export const MAX_SEGMENTATION_PERIOD = 1_000_000;

export function segmentsFor(weights: readonly number[]): Segment[] {
  validateWeights(weights);
  return weights.map((_, index) => ({ weights, index }));
}

function validateWeights(weights: readonly number[]): void {
  if (weights.length === 0) throw new VolleyError('VOLLEY_BAD_OPTION', 'a segmentation needs at least one worker');
  let den = 0;
  for (const w of weights) {
    if (!Number.isInteger(w) || w <= 0) throw new VolleyError('VOLLEY_BAD_OPTION', `segment weight must be a positive integer, got ${w}`);
    den += w;
  }
  if (den > MAX_SEGMENTATION_PERIOD) throw new VolleyError('VOLLEY_BAD_OPTION', `weights sum to ${den}, above ${MAX_SEGMENTATION_PERIOD}`);
}

interface Table {
  /** owner of position p (0-based) within one period */
  owner: Uint32Array;
  /** prefix[i][p] = units among the first p positions owned by worker i */
  prefix: Map<number, Uint32Array>;
}

const tables = new WeakMap<readonly number[], Table>();

function tableFor(weights: readonly number[]): Table {
  let t = tables.get(weights);
  if (t) return t;
  validateWeights(weights);
  const den = weights.reduce((a, b) => a + b, 0);
  const owner = new Uint32Array(den);
  const current = new Float64Array(weights.length);
  for (let p = 0; p < den; p++) {
    let best = 0;
    for (let i = 0; i < weights.length; i++) {
      current[i]! += weights[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= den;
    owner[p] = best;
  }
  t = { owner, prefix: new Map() };
  tables.set(weights, t);
  return t;
}

function prefixFor(t: Table, index: number): Uint32Array {
  let pre = t.prefix.get(index);
  if (!pre) {
    pre = new Uint32Array(t.owner.length + 1);
    for (let p = 0; p < t.owner.length; p++) pre[p + 1] = pre[p]! + (t.owner[p] === index ? 1 : 0);
    t.prefix.set(index, pre);
  }
  return pre;
}

/** How many of `total` units this segment owns. */
export function shareOf(total: number, seg: Segment): number {
  const t = tableFor(seg.weights);
  const den = t.owner.length;
  const rem = total % den;
  return ((total - rem) / den) * seg.weights[seg.index]! + prefixFor(t, seg.index)[rem]!;
}

/** Whether unit number `k` (1-based) belongs to this segment. */
export function ownsUnit(k: number, seg: Segment): boolean {
  const t = tableFor(seg.weights);
  return t.owner[(k - 1) % t.owner.length] === seg.index;
}

/**
 * The unit number (1-based) of this segment's n-th own unit (n 1-based):
 * ownsUnit(nthOwnedUnit(n)) holds, and shareOf(nthOwnedUnit(n)) === n. A
 * worker's n-th iteration gets a number no other worker's gets (k6's
 * scenario.iterationInTest).
 */
export function nthOwnedUnit(n: number, seg: Segment): number {
  const t = tableFor(seg.weights);
  const w = seg.weights[seg.index]!;
  const full = Math.floor((n - 1) / w);
  const pre = prefixFor(t, seg.index);
  // the first period position whose prefix count reaches the remainder + 1
  const want = ((n - 1) % w) + 1;
  let lo = 1;
  let hi = t.owner.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pre[mid]! >= want) hi = mid;
    else lo = mid + 1;
  }
  return full * t.owner.length + lo;
}

/** The owner of unit `k` (1-based) among workers of these weights. */
export function ownerOf(k: number, weights: readonly number[]): number {
  const t = tableFor(weights);
  return t.owner[(k - 1) % t.owner.length]!;
}
