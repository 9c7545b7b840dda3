import { addWire, emptyAgg, seriesKey, type SeriesAgg, type WindowMessage } from '@volley/shared';
import { journalRecords } from './replay.js';

export interface MergedWindow {
  index: number;
  /** the window's end on the run's clock, ms since the epoch */
  endMs: number;
  series: Map<string, SeriesAgg>;
}

/**
 * Every second of a run merged over its workers, in order, read from the
 * journal (raw windows). Memory stays bounded: a second is handed on once
 * it is `settleAfter` windows behind the newest seen.
 */
export function* mergedWindows(text: string, file: string, settleAfter = 30): Generator<MergedWindow> {
  let startMs = 0;
  const open = new Map<number, Map<string, SeriesAgg>>();
  const seen = new Set<string>();
  let newest = -1;
  let next = 0;
  const emit = function* (upTo: number): Generator<MergedWindow> {
    for (; next <= upTo; next++) {
      const series = open.get(next);
      if (series) {
        open.delete(next);
        yield { index: next, endMs: startMs + (next + 1) * 1000, series };
      }
    }
  };
  for (const rec of journalRecords(text, file)) {
    if (rec.t === 'run') startMs = Date.parse(rec.run.startedAt);
    if (rec.t !== 'window') continue;
    const m = rec.m as WindowMessage;
    const id = `${rec.w}\u0000${m.index}`;
    if (seen.has(id) || m.index < next) continue; // a resend, or a second already handed on
    seen.add(id);
    let series = open.get(m.index);
    if (!series) open.set(m.index, (series = new Map()));
    for (const s of m.series) {
      const key = seriesKey(s.metric, s.tags);
      let acc = series.get(key);
      if (!acc) series.set(key, (acc = emptyAgg(s.kind, s.metric, s.tags)));
      addWire(acc, s);
    }
    newest = Math.max(newest, m.index);
    yield* emit(newest - settleAfter);
  }
  yield* emit(newest);
}
