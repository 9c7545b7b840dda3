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
 * journal. Memory stays bounded: a second is handed on once
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
  for (const [rec] of journalRecords(text, file)) {
    if (rec.t === 'run') startMs = Date.parse(rec.run.startedAt);
    // a worker's own window (journals before 2026-11-27), or several merged
    const w =
      rec.t === 'window'
        ? { index: (rec.m as WindowMessage).index, parts: [rec.w], series: (rec.m as WindowMessage).series }
        : rec.t === 'windows'
          ? { index: rec.index, parts: rec.parts.map((p) => p.w), series: rec.series }
          : undefined;
    if (!w) continue;
    const ids = w.parts.map((p) => `${p}\u0000${w.index}`);
    if (ids.some((id) => seen.has(id)) || w.index < next) continue; // a resend, or a second already handed on
    for (const id of ids) seen.add(id);
    let series = open.get(w.index);
    if (!series) open.set(w.index, (series = new Map()));
    for (const s of w.series) {
      const key = seriesKey(s.metric, s.tags);
      let acc = series.get(key);
      if (!acc) series.set(key, (acc = emptyAgg(s.kind, s.metric, s.tags)));
      addWire(acc, s);
    }
    newest = Math.max(newest, w.index);
    yield* emit(newest - settleAfter);
  }
  yield* emit(newest);
}
