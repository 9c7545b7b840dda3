import type { ClusterContext } from './context.js';
import type { WorkerEntry } from './registry.js';
import type { Run, RunEvent } from './run.js';
import { addOwed, movedShare, unfinishedIterations } from './shares.js';

/**
 * Who holds a share of a running run: a member lost, a worker admitted
 * mid-run, and the shares recomputed each time.
 */

/** Notes an event in the run's events, its journal and the log. */
export function recordEvent(ctx: ClusterContext, run: Run, kind: RunEvent['kind'], worker: WorkerEntry | undefined, detail: string): void {
  const now = ctx.clock.now();
  const e: RunEvent = { atMs: now - (run.startAt || now), kind, worker: worker?.name, detail };
  run.events.push(e);
  run.journal?.append({ t: 'event', ...e });
  // a scale is asked for; the rest happen to the run
  ctx.log[kind === 'scaled' ? 'info' : 'warn']({ runId: run.id, ...e }, `run event: ${kind}`);
}

/**
 * A member is gone (silent past the limit, or stopped on its own): its
 * share moves to the others. `since` is when its users stopped counting.
 */
export function loseMember(
  ctx: ClusterContext,
  run: Run,
  w: WorkerEntry,
  now: number,
  why = `no word for ${now - w.lastHeard} ms`,
  since = w.lastHeard,
): void {
  run.members = run.members.filter((id) => id !== w.id);
  w.phase = 'done';
  recordEvent(ctx, run, 'worker-lost', w, why);
  if (run.state !== 'running') return;
  if (run.members.length > 0) {
    run.shortMs += Math.max(0, now - since);
    rebalance(ctx, run, unfinishedIterations(run.owed.get(w.id), run.aggregator.iterationsByWorker.get(w.id)));
  } else {
    run.shortSince ??= since;
  }
}

/** A worker that joins a running run: it loads the scenario, then gets a share (when it says ready: joinRunning). */
export function admit(ctx: ClusterContext, run: Run, w: WorkerEntry): void {
  const members = [...ctx.registry.all(run.members), w];
  w.runId = run.id;
  w.phase = 'preparing';
  run.participants.add(w.id);
  run.journal?.append({ t: 'worker', id: w.id, name: w.name, cores: w.cores });
  const segment = { weights: members.map((m) => m.cores), index: members.length - 1 };
  w.conn!.send({ type: 'prepare', config: run.config, scenario: run.request.scenario, segment, joining: true });
  ctx.log.info({ runId: run.id, worker: w.id }, 'admitting a worker that joined mid-run');
}

/** A late joiner is ready: it becomes a member, everyone gets the new shares, and it starts on the run's clock. */
export function joinRunning(ctx: ClusterContext, run: Run, w: WorkerEntry): void {
  run.members.push(w.id);
  w.phase = 'running';
  if (run.shortSince !== undefined) {
    run.shortMs += ctx.clock.now() - run.shortSince;
    run.shortSince = undefined;
  }
  recordEvent(ctx, run, 'worker-joined', w, `${w.cores} core(s)`);
  rebalance(ctx, run);
  if (run.scaled) sendStages(run, w);
  w.conn?.send({ type: 'start', runId: run.id, startAt: run.startAt, setupData: run.setupData });
}

/** Recomputes the segments over the current members and sends each its share, and its part of any iterations `moved`. */
export function rebalance(ctx: ClusterContext, run: Run, moved: ReadonlyMap<string, number> = new Map()): void {
  const members = ctx.registry.all(run.members);
  const weights = members.map((m) => m.cores);
  members.forEach((m, index) => {
    const mine = movedShare(moved, { weights, index });
    if (mine.size > 0) {
      if (m.phase === 'idle') m.phase = 'running'; // it has work again; it will say idle when done
      const owed = run.owed.get(m.id) ?? new Map<string, number>();
      addOwed(owed, mine);
      run.owed.set(m.id, owed);
    }
    m.conn?.send({
      type: 'assign',
      runId: run.id,
      segment: { weights, index },
      ...(moved.size ? { moved: Object.fromEntries(mine) } : {}),
    });
  });
  const movedText = [...moved].map(([s, n]) => `; ${n} unfinished iteration(s) of ${s} moved`).join('');
  recordEvent(ctx, run, 'rebalanced', undefined, `${members.length} worker(s): ${members.map((m) => m.name).join(', ')}${movedText}`);
}

/** The run's ramp as it stands now, to one worker. */
export function sendStages(run: Run, w: WorkerEntry | undefined): void {
  for (const sc of run.config.plan.scenarios) {
    if (sc.executor.type === 'ramping-vus')
      w?.conn?.send({ type: 'restage', runId: run.id, scenario: sc.name, stages: sc.executor.stages });
  }
}
