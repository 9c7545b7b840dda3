import { errorMessage, VolleyError, type WindowMessage } from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize, type RunSummary, type WorkerInfo } from '../aggregate/summary.js';
import { healthOf } from '../aggregate/worker-health.js';
import { JournalRecordSchema, type JournalRecord } from './record.js';
import { parseThresholds, type ThresholdSpecs } from '../thresholds/evaluate.js';

/**
 * The journal's records, validated, each with its line number. A last line
 * cut short by a crash is skipped (counted in `skipped`); any other bad
 * line is an error naming it.
 */
export function* journalRecords(text: string, file: string, skipped = { n: 0 }): Generator<[JournalRecord, number]> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    let rec: JournalRecord;
    try {
      const parsed = JournalRecordSchema.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      rec = parsed.data;
    } catch (err) {
      if (lines.slice(i + 1).every((l) => !l.trim())) {
        skipped.n++;
        continue;
      }
      throw new VolleyError('VOLLEY_BAD_OPTION', `${file}:${i + 1}: not a journal record (${errorMessage(err)})`);
    }
    yield [rec, i + 1];
  }
}

/**
 * Rebuilds a run's summary from its journal. A last line cut short by a
 * crash is skipped; any other bad line is an error naming its number.
 * Without an `end` record the run lasted until the end of its last window.
 */
export function replayJournal(text: string, file = 'journal'): { summary: RunSummary; complete: boolean; skipped: number } {
  const agg = new Aggregator();
  const workers = new Map<string, WorkerInfo>();
  const events: RunSummary['run']['events'] = [];
  let run: Extract<JournalRecord, { t: 'run' }>['run'] | undefined;
  let thresholds: ThresholdSpecs = {};
  let end: Extract<JournalRecord, { t: 'end' }> | undefined;
  const skipped = { n: 0 };
  // a window whose histogram does not decode is named by its line
  const merge = (line: number, add: () => unknown): void => {
    try {
      add();
    } catch (err) {
      throw new VolleyError('VOLLEY_BAD_OPTION', `${file}:${line}: ${errorMessage(err)}`, { cause: err });
    }
  };
  for (const [rec, line] of journalRecords(text, file, skipped)) {
    switch (rec.t) {
      case 'run':
        run = rec.run;
        thresholds = rec.thresholds ?? {};
        break;
      case 'worker':
        workers.set(rec.id, { id: rec.id, name: rec.name, cores: rec.cores, requests: 0 });
        break;
      case 'window':
        merge(line, () => agg.add(rec.w, rec.m as WindowMessage));
        break;
      case 'windows':
        merge(line, () => agg.addMerged(rec));
        break;
      case 'event':
        events.push({ atMs: rec.atMs, kind: rec.kind, worker: rec.worker, detail: rec.detail });
        break;
      case 'end':
        end = rec;
        break;
    }
  }
  for (const [id, w] of workers) {
    w.requests = agg.requestsByWorker.get(id) ?? 0;
    w.health = healthOf(agg.healthByWorker.get(id));
  }
  if (!run) throw new VolleyError('VOLLEY_BAD_OPTION', `${file}: no run record; is this a volley journal?`);
  const lastIndex = Math.max(-1, ...agg.windows.keys());
  const durationMs = end?.durationMs ?? Math.max(1, (lastIndex + 1) * 1000);
  const summary = summarize(
    agg,
    {
      ...run,
      durationMs,
      workers: [...workers.values()],
      events,
      shortMs: end?.shortMs ?? 0,
    },
    parseThresholds(thresholds),
  );
  return { summary, complete: !!end, skipped: skipped.n };
}
