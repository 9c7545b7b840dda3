import {
  addWire, decodeHistogram, emptyAgg, seriesKey, VolleyError,
  type Histogram, type SeriesAgg, type SeriesWire, type WindowMessage,
} from '@volley/shared';

/** One window index merged over every worker that sent it. */
export interface WindowAgg {
  readonly index: number;
  /** sum of the workers' VU counts at the end of the window */
  vus: number;
  workers: number;
  readonly series: Map<string, SeriesAgg>;
}

export type AddResult = 'added' | 'duplicate';

/**
 * Merges workers' windows into the global time series (by window index)
 * and the run's totals, as they arrive and in any order; a late or missing
 * worker never holds the others back. Each (worker, index) counts once, so
 * a window resent after a reconnect is not counted twice.
 */
export class Aggregator {
  readonly windows = new Map<number, WindowAgg>();
  readonly totals = new Map<string, SeriesAgg>();
  /** requests each worker made, for its contribution */
  readonly requestsByWorker = new Map<string, number>();
  private readonly seen = new Map<string, Set<number>>();

  /** Throws VolleyError (bad message) for a malformed window; then nothing of it is applied. */
  add(workerId: string, w: WindowMessage): AddResult {
    let seen = this.seen.get(workerId);
    if (!seen) this.seen.set(workerId, (seen = new Set()));
    if (seen.has(w.index)) return 'duplicate';

    // decode and check everything first, so a bad window changes nothing
    const decoded: { s: SeriesWire; key: string; hist?: Histogram }[] = [];
    for (const s of w.series) {
      const key = seriesKey(s.metric, s.tags);
      const known = this.totals.get(key);
      if (known && known.kind !== s.kind) {
        throw new VolleyError('VOLLEY_BAD_MESSAGE', `series ${key.slice(0, 60)} changed kind from ${known.kind} to ${s.kind}`);
      }
      let hist: Histogram | undefined;
      if (s.kind === 'trend' && s.count > 0) {
        hist = decodeHistogram(s.hist);
        if (hist.totalCount !== s.count) {
          throw new VolleyError('VOLLEY_BAD_MESSAGE', `series ${key.slice(0, 60)}: histogram holds ${hist.totalCount}, count says ${s.count}`);
        }
      }
      decoded.push({ s, key, hist });
    }

    seen.add(w.index);
    let win = this.windows.get(w.index);
    if (!win) this.windows.set(w.index, (win = { index: w.index, vus: 0, workers: 0, series: new Map() }));
    win.vus += w.vus;
    win.workers++;
    for (const { s, key, hist } of decoded) {
      if (s.kind === 'trend' && s.metric === 'http_req_duration') this.requestsByWorker.set(workerId, (this.requestsByWorker.get(workerId) ?? 0) + s.count);
      addTo(win.series, key, s, hist);
      // a gauge's run-long view comes from the windows (last, min, max of the cluster's sums)
      if (s.kind !== 'gauge') addTo(this.totals, key, s, hist);
      else if (!this.totals.has(key)) this.totals.set(key, emptyAgg('gauge', s.metric, s.tags));
    }
    return 'added';
  }

}

function addTo(map: Map<string, SeriesAgg>, key: string, s: SeriesWire, hist?: Histogram): void {
  let acc = map.get(key);
  if (!acc) map.set(key, (acc = emptyAgg(s.kind, s.metric, s.tags)));
  addWire(acc, s, hist);
}
