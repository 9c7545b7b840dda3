import type { SeriesAgg } from '@volley/shared';

/** What of a run its notes read (RunInfo's fields, named here so this file does not import the summary that imports it). */
export interface NotesInput {
  events: readonly { atMs: number; kind: string; worker?: string; detail: string }[];
  executors?: readonly string[];
  workers: readonly {
    name: string;
    health?: { busySeconds: number; cpuMax: number; cpuAvg: number; lagP99MaxMs: number; lagMaxMs: number; wakeLateMaxMs: number };
  }[];
}

/** A single pause of a worker's event loop this long is said: a second's p99 lag hides it. */
const STALL_MS = 100;

/**
 * What the reader of a summary should know about how far to trust its
 * numbers: warnings, said before the numbers (they make the headline
 * figures mislead), and notes, said after them.
 */
export function runNotes(run: NotesInput, all: readonly SeriesAgg[]): { warnings: string[]; notes: string[] } {
  // what makes the whole report partial comes first
  const notes: string[] = run.events
    .filter((e) => e.kind === 'journal-failed')
    .map((e) => `${e.detail} (at ${(e.atMs / 1000).toFixed(1)} s)`);
  for (const e of run.events)
    if (e.kind === 'script-abort')
      notes.unshift(
        `the script called test.abort() (${e.detail}) at ${(e.atMs / 1000).toFixed(1)} s, on worker ${e.worker}: the run was stopped`,
      );
  const closed = (run.executors ?? ['ramping-vus']).filter((e) => !e.endsWith('arrival-rate'));
  if (closed.length) {
    notes.push(
      `closed model (${[...new Set(closed)].join(', ')}): each user waits for its answer before sending again, so a stalled target slows the senders and these latencies can hide the stall (coordinated omission); an arrival-rate executor measures from the moment each request was due`,
    );
  }
  for (const w of run.workers) {
    const h = w.health;
    if (!h) continue;
    if (h.busySeconds >= 2) {
      notes.push(
        `worker ${w.name} used ${Math.round(h.cpuMax * 100)}% of a core at its busiest (${h.busySeconds} s at 90% or more, ${Math.round(h.cpuAvg * 100)}% on average): the generator, not the target, may have limited this run — add workers`,
      );
    }
    if (h.lagP99MaxMs >= 50) {
      notes.push(
        `worker ${w.name}'s event loop lagged up to ${h.lagP99MaxMs.toFixed(0)} ms (p99 of a second): its timings include its own delay`,
      );
    } else if (h.lagMaxMs >= STALL_MS) {
      notes.push(
        `worker ${w.name}'s event loop stalled once for ${h.lagMaxMs.toFixed(0)} ms: responses that came in meanwhile were timed up to that much late`,
      );
    }
    if (h.wakeLateMaxMs >= 50) {
      notes.push(
        `worker ${w.name}'s users woke from their think time up to ${h.wakeLateMaxMs.toFixed(0)} ms late (mean of a second): they sent fewer requests than the scenario asks for — add workers`,
      );
    }
  }
  const cut = all
    .filter((x) => x.metric === 'response_bodies_cut' && x.kind === 'counter')
    .reduce((n, x) => n + (x.kind === 'counter' ? x.value : 0), 0);
  if (cut > 0)
    notes.push(
      `${cut} response bodies were longer than --max-body-size (4MB unless set): their bytes are all in data_received, but a script read only the first part`,
    );
  const dropped = all.find((x) => x.metric === 'dropped_iterations' && x.kind === 'counter');
  // what a script threw, as k6 logs each exception: the most frequent first
  const thrown = all
    .filter((s): s is typeof s & { kind: 'counter' } => s.metric === 'task_errors' && s.kind === 'counter' && s.value > 0)
    .sort((x, y) => y.value - x.value);
  for (const s of thrown.slice(0, 5))
    notes.push(
      `the script threw ${s.value} time${s.value === 1 ? '' : 's'} in ${s.tags.task ?? 'a task'}${s.tags.user && s.tags.user !== s.tags.task ? ` (${s.tags.user})` : ''}: ${s.tags.error ?? ''}`,
    );
  if (thrown.length > 5) notes.push(`… and ${thrown.length - 5} other errors (task_errors)`);
  const queued = all.filter((x) => x.metric === 'queued_iterations' && x.kind === 'counter');
  const waited = queued.reduce((n, x) => n + (x.kind === 'counter' ? x.value : 0), 0);
  if (waited > 0)
    notes.push(
      `${waited} due iterations waited for a free VU, timed from when they were due (wrk2's model): their response times include the wait, and http_req_blocked shows it. At most ${queued[0]!.tags.queue_limit} may wait; past that they are dropped and counted`,
    );
  const warnings: string[] = [];
  const droppedNote = droppedIterations(dropped?.kind === 'counter' ? dropped.value : 0, all);
  if (droppedNote) (droppedNote.warn ? warnings : notes).push(droppedNote.text);
  return { warnings, notes };
}

/** a larger share of due iterations dropped is a warning, not a note: the percentiles leave out what the target made wait */
export const DROPPED_WARN_SHARE = 0.01;

/**
 * Iterations of an arrival rate dropped for want of a free VU: said as a
 * note, or, above DROPPED_WARN_SHARE of the due ones, as a warning at the
 * top, since every percentile excludes them (a stalled target looks fast).
 */
function droppedIterations(dropped: number, all: readonly SeriesAgg[]): { text: string; warn: boolean } | undefined {
  if (!(dropped > 0)) return undefined;
  const started = all
    .filter((x) => x.metric === 'iterations' && x.kind === 'counter')
    .reduce((n, x) => n + (x.kind === 'counter' ? x.value : 0), 0);
  const share = dropped / (dropped + started);
  if (share <= DROPPED_WARN_SHARE)
    return { text: `${dropped} iterations were dropped: no free VU when they were due (raise maxVUs)`, warn: false };
  return {
    warn: true,
    text: `${dropped} of ${dropped + started} due iterations (${(share * 100).toFixed(1)} %) were dropped: no free VU when they were due. The response times exclude them, so they understate what the target made users wait (coordinated omission); raise maxVUs, or let due iterations wait for a VU (the scenario's queue option, as --url --rate does)`,
  };
}
