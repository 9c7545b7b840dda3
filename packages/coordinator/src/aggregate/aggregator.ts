import { copyRunning, newRunning, pointFor, type Running, type TimelinePoint, type WindowAgg } from './timeline.js';
import { addHealth, type WorkerHealth } from './worker-health.js';

export type { WindowAgg } from './timeline.js';
import {
  addWire,
  decodeSparse,
  emptyAgg,
  seriesKey,
  VolleyError,
  type SeriesAgg,
  type SeriesWire,
  type SparseHistogram,
  type WindowMessage,
} from '@volley/shared';

/** One worker's part of a window, besides its series: what the summary keeps per worker. */
export interface WindowPart {
  w: string;
  vus: number;
  /** its requests in this window (see requestsIn) */
  requests: number;
  health?: WindowMessage['health'];
}

/** Windows of one index from several workers, merged (a journal record, journal/batch.ts). */
export interface MergedWindows {
  index: number;
  parts: WindowPart[];
  series: SeriesWire[];
}

/** A window the aggregator accepted: its worker's part, its series, and each series' key and decoded histogram. */
export interface AcceptedWindow {
  index: number;
  part: WindowPart;
  series: readonly SeriesWire[];
  keys: readonly string[];
  hists: readonly (SparseHistogram | undefined)[];
}

/** A worker's requests in a window: the counts of its http_req_duration series. */
function requestsIn(series: readonly SeriesWire[]): number {
  let n = 0;
  for (const s of series) if (s.kind === 'trend' && s.metric === 'http_req_duration') n += s.count;
  return n;
}

/** Windows this far behind the newest keep their histograms (late workers may still add to them). */
export const LIVE_WINDOWS = 10;

export type AddResult = 'added' | 'duplicate';

/**
 * Merges workers' windows into the global time series (by window index)
 * and the run's totals, as they arrive and in any order; a late or missing
 * worker never holds the others back. Each (worker, index) counts once, so
 * a window resent after a reconnect is not counted twice.
 */
export class Aggregator {
  readonly windows = new Map<number, WindowAgg>();
  /** running totals over the settled windows, in index order */
  readonly settled: Running = newRunning();
  private settledUpTo = -1;
  private newest = -1;

  /** `liveWindows`: how far behind the newest a window keeps its histograms */
  constructor(private readonly liveWindows = LIVE_WINDOWS) {}
  readonly totals = new Map<string, SeriesAgg>();
  /** requests each worker made, for its contribution */
  readonly requestsByWorker = new Map<string, number>();
  /** each worker's own load over the run: CPU (fraction of a core) and event-loop lag */
  readonly healthByWorker = new Map<string, WorkerHealth>();
  /** iterations each worker reported done, per scenario (to move a lost worker's unfinished ones) */
  readonly iterationsByWorker = new Map<string, Map<string, number>>();
  private readonly seen = new Map<string, Set<number>>();

  /**
   * Throws VolleyError (bad message) for a malformed window; then nothing of
   * it is applied. `onAdded` gets it as applied, its series decoded (the
   * journal merges them).
   */
  add(workerId: string, w: WindowMessage, onAdded?: (accepted: AcceptedWindow) => void): AddResult {
    if (this.seen.get(workerId)?.has(w.index)) return 'duplicate';
    const { keys, hists } = this.decode(w.series);
    const part: WindowPart = { w: workerId, vus: w.vus, requests: requestsIn(w.series), ...(w.health ? { health: w.health } : {}) };
    this.apply(w.index, [part], w.series, keys, hists);
    for (const s of w.series) {
      if (s.kind !== 'counter' || s.metric !== 'iterations') continue;
      let m = this.iterationsByWorker.get(workerId);
      if (!m) this.iterationsByWorker.set(workerId, (m = new Map()));
      const sc = s.tags.scenario ?? 'default';
      m.set(sc, (m.get(sc) ?? 0) + s.value);
    }
    onAdded?.({ index: w.index, part, series: w.series, keys, hists });
    return 'added';
  }

  /**
   * Several workers' windows of one index, already merged (a journal
   * record): the same as adding each, except that iterationsByWorker, which
   * only a live run needs, is not kept. A record naming a (worker, index)
   * already added is a duplicate as a whole.
   */
  addMerged(m: MergedWindows): AddResult {
    if (m.parts.some((p) => this.seen.get(p.w)?.has(m.index))) return 'duplicate';
    const { keys, hists } = this.decode(m.series);
    this.apply(m.index, m.parts, m.series, keys, hists);
    return 'added';
  }

  /** Each series' key and decoded histogram, every one checked before anything is applied. */
  private decode(series: readonly SeriesWire[]): { keys: string[]; hists: (SparseHistogram | undefined)[] } {
    const keys: string[] = new Array(series.length);
    const hists: (SparseHistogram | undefined)[] = new Array(series.length);
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const key = seriesKey(s.metric, s.tags);
      const known = this.totals.get(key);
      if (known && known.kind !== s.kind) {
        throw new VolleyError('VOLLEY_BAD_MESSAGE', `series ${key.slice(0, 60)} changed kind from ${known.kind} to ${s.kind}`);
      }
      if (overflows(known, s))
        throw new VolleyError(
          'VOLLEY_BAD_MESSAGE',
          `implausible window: series ${key.slice(0, 60)} would no longer add up to a finite number`,
        );
      let hist: SparseHistogram | undefined;
      if (s.kind === 'trend' && s.count > 0) {
        hist = decodeSparse(s.hist);
        if (hist.total !== s.count) {
          throw new VolleyError('VOLLEY_BAD_MESSAGE', `series ${key.slice(0, 60)}: histogram holds ${hist.total}, count says ${s.count}`);
        }
      }
      keys[i] = key;
      hists[i] = hist;
    }
    return { keys, hists };
  }

  private apply(
    index: number,
    parts: readonly WindowPart[],
    series: readonly SeriesWire[],
    keys: string[],
    hists: (SparseHistogram | undefined)[],
  ): void {
    let win = this.windows.get(index);
    if (!win) this.windows.set(index, (win = { index, vus: 0, workers: 0, series: new Map() }));
    for (const p of parts) {
      let seen = this.seen.get(p.w);
      if (!seen) this.seen.set(p.w, (seen = new Set()));
      seen.add(index);
      if (p.health) this.healthByWorker.set(p.w, addHealth(this.healthByWorker.get(p.w), p.health, index >= this.newest));
      if (p.requests) this.requestsByWorker.set(p.w, (this.requestsByWorker.get(p.w) ?? 0) + p.requests);
      win.vus += p.vus;
      win.workers++;
    }
    const settled = win.point !== undefined;
    for (let i = 0; i < series.length; i++) {
      const s = series[i]!;
      const key = keys[i]!;
      const hist = hists[i];
      if (settled) {
        // a late window for a settled second: totals stay exact; that second's point gains its counts
        if (s.kind === 'trend' && s.metric === 'http_req_duration') win.point!.requests += s.count;
        if (s.kind === 'rate' && s.metric === 'http_req_failed') win.point!.failures += s.passes;
      }
      if (!(settled && s.kind === 'trend')) addTo(win.series, key, s, hist);
      // a gauge's run-long view comes from the windows (last, min, max of the cluster's sums)
      if (s.kind !== 'gauge') addTo(this.totals, key, s, hist);
      else if (!this.totals.has(key)) this.totals.set(key, emptyAgg('gauge', s.metric, s.tags));
    }
    if (settled) Object.assign(win.point!, { vus: win.vus, workers: win.workers });
    this.newest = Math.max(this.newest, index);
    this.settle(this.newest - this.liveWindows);
  }

  /**
   * Turns every window up to `index` into its timeline point and drops its
   * trend histograms, so a long run's memory stays bounded: what remains
   * per second is a point and a few counters.
   */
  settle(index: number): void {
    for (let i = this.settledUpTo + 1; i <= index; i++) {
      const w = this.windows.get(i);
      if (w) {
        w.point = pointFor(w, this.settled);
        for (const [k, s] of w.series) if (s.kind === 'trend') w.series.delete(k);
      }
      this.settledUpTo = i;
    }
  }

  /** The whole timeline: settled points, then points for the windows still live. */
  timeline(): TimelinePoint[] {
    const running = copyRunning(this.settled);
    const out: TimelinePoint[] = [];
    for (const i of [...this.windows.keys()].sort((a, b) => a - b)) {
      const w = this.windows.get(i)!;
      out.push(w.point ?? pointFor(w, running));
    }
    return out;
  }
}

/** Gauges of this size summed over a million workers stay finite. */
const MAX_GAUGE = Number.MAX_VALUE / 1e6;

/** Whether adding `s` would take a total past what a number holds (every value is finite, but a sum of them need not be). */
function overflows(known: SeriesAgg | undefined, s: SeriesWire): boolean {
  switch (s.kind) {
    case 'trend':
      return !Number.isFinite((known?.kind === 'trend' ? known.sum : 0) + s.sum) || s.sum > s.count * s.max * (1 + 1e-9) + 1e-9;
    case 'counter':
      return !Number.isFinite((known?.kind === 'counter' ? known.value : 0) + s.value);
    case 'rate':
      return !Number.isSafeInteger((known?.kind === 'rate' ? known.passes + known.fails : 0) + s.passes + s.fails);
    case 'gauge':
      return Math.abs(s.value) > MAX_GAUGE;
  }
}

function addTo(map: Map<string, SeriesAgg>, key: string, s: SeriesWire, hist?: SparseHistogram): void {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = emptyAgg(s.kind, s.metric, s.tags)));
  addWire(acc, s, hist);
}
