import { errorMessage, VolleyError, type WorkerMessage } from '@volley/shared';
import type { ClusterContext } from './context.js';
import { joinRunning, loseMember, recordEvent } from './membership.js';
import { WorkerRegistry, type WorkerEntry } from './registry.js';
import type { Run } from './run.js';

/**
 * One message from a joined worker, applied to the run it names (`run`:
 * the current run when the message names it, else undefined). A message
 * no honest worker sends throws; the caller closes that worker's link.
 */
export function handleMessage(ctx: ClusterContext, run: Run | undefined, w: WorkerEntry, msg: WorkerMessage): void {
  const now = ctx.clock.now();
  switch (msg.type) {
    case 'hello':
      throw new VolleyError('VOLLEY_BAD_MESSAGE', 'hello sent twice');
    case 'ping':
      w.conn?.send({ type: 'pong', t0: msg.t0, now });
      return;
    case 'heartbeat':
      return;
    case 'ready':
      if (!run || w.runId !== run.id || w.phase !== 'preparing') break;
      w.phase = 'ready';
      if (run.state === 'running') joinRunning(ctx, run, w);
      else if (run.state === 'stopping') w.conn?.send({ type: 'stop', runId: run.id, reason: 'run ending', gracefulStopMs: 0 });
      break;
    case 'failed':
      if (!run || w.runId !== run.id) break;
      if (run.state === 'preparing') run.error = `worker ${w.name}: ${msg.reason}`;
      else recordEvent(ctx, run, 'worker-failed', w, msg.reason);
      w.phase = 'done';
      break;
    case 'window':
      return takeWindow(ctx, run, w, msg);
    case 'setup-done':
      if (!run || w.runId !== run.id || run.setupDone) break;
      run.setupDone = true;
      run.output.push(...(msg.output ?? []).map((l) => `setup: ${l}`));
      if (msg.error) run.error = msg.error;
      else run.setupData = msg.data;
      break;
    case 'teardown-done':
      if (!run || w.runId !== run.id) break;
      run.teardownDone = true;
      run.output.push(...(msg.output ?? []).map((l) => `teardown: ${l}`));
      if (msg.error) recordEvent(ctx, run, 'worker-failed', w, msg.error);
      break;
    case 'abort':
      // k6's test.abort(): the first one stops the run (exit 108, as k6)
      if (!run || w.runId !== run.id || run.state !== 'running' || run.events.some((e) => e.kind === 'script-abort')) break;
      recordEvent(ctx, run, 'script-abort', w, msg.reason);
      run.requestStop(`test.abort(): ${msg.reason}`);
      break;
    case 'idle':
      // its executors have done their work; the run ends when every member is idle
      if (run && w.runId === run.id && w.phase === 'running') w.phase = 'idle';
      break;
    case 'done':
      if (!run || w.runId !== run.id) break;
      // a member that stopped while the run goes on has left it (its dead-man switch
      // tripped, or it is shutting down): its share moves now; it stays out of this run.
      if (run.state === 'running' && run.members.includes(w.id)) {
        loseMember(ctx, run, w, now, msg.reason ?? 'stopped on its own', run.startAt + Math.max(0, msg.lastIndex) * 1000);
      }
      w.phase = 'done';
      break;
    default: {
      const never: never = msg;
      throw new Error(`unhandled ${JSON.stringify(never)}`);
    }
  }
  ctx.waiter.notify();
}

/** A window: merged (and journaled) if plausible, acknowledged in any case unless it is refused. */
function takeWindow(ctx: ClusterContext, run: Run | undefined, w: WorkerEntry, msg: Extract<WorkerMessage, { type: 'window' }>): void {
  // a run this coordinator does not know (it restarted since, or forgot it): acknowledged, so the worker stops resending it, and dropped
  if (!run || run.dropped.has(w.id)) return WorkerRegistry.ack(w, msg.runId, msg.index);
  if (!run.participants.has(w.id)) throw new VolleyError('VOLLEY_BAD_MESSAGE', 'window for a run this worker is not in');
  if (run.state !== 'finished' && run.state !== 'failed') {
    try {
      checkPlausible(run, msg);
      const journal = run.journal;
      run.aggregator.add(w.id, msg, journal && ((accepted) => journal.addWindow(accepted)));
    } catch (err) {
      // nothing of it was applied; what it sent before stays, and its share moves to the others
      run.dropped.add(w.id);
      const why = `dropped: ${errorMessage(err)}`.slice(0, 300);
      if (run.members.includes(w.id)) loseMember(ctx, run, w, ctx.clock.now(), why);
      else {
        w.phase = 'done';
        recordEvent(ctx, run, 'worker-lost', w, why);
      }
      throw err;
    }
  }
  WorkerRegistry.ack(w, msg.runId, msg.index);
}

/** A window no honest worker sends: past the run's end, more VUs than the whole plan (the aggregator checks totals that would overflow). */
function checkPlausible(run: Run, msg: Extract<WorkerMessage, { type: 'window' }>): void {
  if (msg.index > run.maxIndex)
    throw new VolleyError('VOLLEY_BAD_MESSAGE', `implausible window: index ${msg.index} is past the run's end (${run.maxIndex} at most)`);
  if (msg.vus > run.maxVus)
    throw new VolleyError('VOLLEY_BAD_MESSAGE', `implausible window: ${msg.vus} VUs, more than the whole run's ${run.maxVus}`);
}
