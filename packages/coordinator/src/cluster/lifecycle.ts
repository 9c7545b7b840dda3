import { join } from 'node:path';
import type { Logger } from 'pino';
import { MEMBER_LOST_MS, segmentsFor, VolleyError } from '@volley/shared';
import type { RunSummary } from '../aggregate/summary.js';
import type { ClusterContext } from './context.js';
import type { WorkerEntry } from './registry.js';
import type { Run } from './run.js';
import { openJournal } from './run-journal.js';
import { owedAtStart } from './shares.js';
import { runSummary } from './views.js';

/**
 * A run from its start request to its summary, as named steps: await
 * workers, prepare, setup, start, drain, teardown, summarize. Each waits on
 * the shared state (messages and ticks change it) through the context's
 * waiter; a step that cannot go on throws, and the run fails.
 */

const READY_TIMEOUT_MS = 30_000;
/** how long setup() and teardown() may take unless the script says */
const SETUP_TIMEOUT_MS = 120_000;
/** lead time between the start message and the common start instant, by default: time for it to reach workers across a network */
export const START_LEAD_MS = 500;

export interface RunSteps {
  journalDir?: string;
  /** lead time between the start message and the common start instant */
  startLeadMs: number;
}

export async function executeRun(ctx: ClusterContext, run: Run, steps: RunSteps): Promise<RunSummary> {
  const log = ctx.log.child({ runId: run.id });
  const chosen = await awaitWorkers(ctx, run, log);
  await prepare(ctx, run, chosen, log);
  if (run.request.setup) await setup(ctx, run, log);
  start(ctx, run, steps, log);
  await drain(ctx, run, log);
  if (run.request.teardown) await teardown(ctx, run, log);
  return summarize(ctx, run, log);
}

/** Waits for the expected workers among those free (Locust's --expect-workers). */
async function awaitWorkers(ctx: ClusterContext, run: Run, log: Logger): Promise<WorkerEntry[]> {
  const req = run.request;
  const want = Math.max(1, req.expectWorkers);
  log.info({ expectWorkers: want }, 'waiting for workers');
  const enough = await ctx.waiter.until(() => run.stopRequested || ctx.registry.idle().length >= want, req.expectWorkersTimeoutMs);
  if (run.stopRequested) throw new VolleyError('VOLLEY_RUN_STATE', 'stopped before it started');
  if (!enough) {
    throw new VolleyError(
      'VOLLEY_NO_WORKERS',
      `only ${ctx.registry.idle().length} of ${want} expected worker(s) joined within ${Math.round(req.expectWorkersTimeoutMs / 1000)} s`,
    );
  }
  return ctx.registry.idle();
}

/** Gives each chosen worker its segment and the scenario, and waits until all have loaded it. */
async function prepare(ctx: ClusterContext, run: Run, chosen: WorkerEntry[], log: Logger): Promise<void> {
  const segments = segmentsFor(chosen.map((w) => w.cores));
  run.members = chosen.map((w) => w.id);
  chosen.forEach((w, i) => {
    run.participants.add(w.id);
    w.runId = run.id;
    w.phase = 'preparing';
    run.owed.set(w.id, owedAtStart(run.config.plan.scenarios, segments[i]!));
    w.conn!.send({
      type: 'prepare',
      config: run.config,
      scenario: run.request.scenario,
      segment: { weights: [...segments[i]!.weights], index: i },
    });
  });
  log.info({ workers: chosen.map((w) => w.name) }, 'preparing');
  const members = (): WorkerEntry[] => ctx.registry.all(run.members);
  const allReady = await ctx.waiter.until(
    () => run.stopRequested || !!run.error || members().every((w) => w.phase === 'ready') || members().some((w) => !w.conn),
    READY_TIMEOUT_MS,
  );
  if (run.error || run.stopRequested || !allReady || members().some((w) => !w.conn)) {
    const why =
      run.error ??
      (run.stopRequested
        ? 'stopped before it started'
        : !allReady
          ? `workers not ready within ${READY_TIMEOUT_MS / 1000} s`
          : 'a worker left while preparing');
    throw new VolleyError('VOLLEY_WORKER_FAILED', why);
  }
}

/** setup(): once for the whole cluster, on one worker; its result goes to all. */
async function setup(ctx: ClusterContext, run: Run, log: Logger): Promise<void> {
  const first = ctx.registry.get(run.members[0]!)!;
  first.conn?.send({ type: 'setup', runId: run.id });
  log.info({ worker: first.name }, 'running setup()');
  const limitMs = run.request.setupTimeoutMs ?? SETUP_TIMEOUT_MS;
  const answered = await ctx.waiter.until(() => run.setupDone || run.stopRequested || !first.conn, limitMs);
  if (run.error) throw new VolleyError('VOLLEY_WORKER_FAILED', run.error);
  if (!answered || !run.setupDone)
    throw new VolleyError(
      'VOLLEY_WORKER_FAILED',
      run.stopRequested ? 'stopped during setup()' : `setup() did not finish within ${limitMs / 1000} s`,
    );
}

/** Sets the common start instant, opens the journal, and starts every member. */
function start(ctx: ClusterContext, run: Run, steps: RunSteps, log: Logger): void {
  run.startAt = ctx.clock.now() + steps.startLeadMs;
  // the journal is open before any traffic: a directory it cannot be made in fails the run here, not after it began
  if (steps.journalDir) openJournal(ctx, run, join(steps.journalDir, `${run.id}.jsonl`));
  for (const w of ctx.registry.all(run.members)) {
    w.phase = 'running';
    w.conn?.send({ type: 'start', runId: run.id, startAt: run.startAt, setupData: run.setupData });
  }
  run.state = 'running';
  log.info({ startAt: new Date(run.startAt).toISOString(), workers: run.members.length, journal: run.journal?.path }, 'running');
}

/** Runs until the run time, a stop, or every member's work is done; then stops everyone and waits for their last windows. */
async function drain(ctx: ClusterContext, run: Run, log: Logger): Promise<void> {
  const req = run.request;
  // membership may change from here on (ticks: lost members, late joiners)
  const allCompleted = (): boolean =>
    run.members.length > 0 && ctx.registry.all(run.members).every((w) => w.phase === 'idle' || w.phase === 'done');
  await ctx.waiter.until(() => run.stopRequested || allCompleted(), run.startAt - ctx.clock.now() + req.runTimeMs);
  run.stoppedAt = Math.min(ctx.clock.now(), run.startAt + req.runTimeMs);
  run.state = 'stopping';
  if (run.shortSince !== undefined) run.shortMs += run.stoppedAt - run.shortSince;
  const participants = (): WorkerEntry[] => ctx.registry.all(run.participants);
  for (const w of participants()) {
    if (w.phase !== 'done') w.conn?.send({ type: 'stop', runId: run.id, reason: run.stopReason, gracefulStopMs: req.gracefulStopMs });
  }
  // wait for every participant's last window; one that stays away past the lost limit is not waited for
  const allDone = await ctx.waiter.until(
    () => participants().every((w) => w.phase === 'done' || (!w.conn && ctx.clock.now() - w.lastHeard > MEMBER_LOST_MS)),
    req.gracefulStopMs + 10_000,
  );
  if (!allDone) log.warn('some workers did not finish in time; their last windows are missing');
}

/** teardown(): once, on a participant still connected. */
async function teardown(ctx: ClusterContext, run: Run, log: Logger): Promise<void> {
  const by = ctx.registry.all(run.participants).find((w) => w.conn);
  if (!by) return void log.warn('no worker left to run teardown()');
  by.conn!.send({ type: 'teardown', runId: run.id, setupData: run.setupData });
  log.info({ worker: by.name }, 'running teardown()');
  if (!(await ctx.waiter.until(() => run.teardownDone || !by.conn, run.request.teardownTimeoutMs ?? SETUP_TIMEOUT_MS)))
    log.warn('teardown() did not finish in time');
}

function summarize(ctx: ClusterContext, run: Run, log: Logger): RunSummary {
  run.summary = runSummary(ctx.registry, run, run.stoppedAt - run.startAt, true);
  run.journal?.append({ t: 'end', durationMs: run.summary.run.durationMs, shortMs: run.shortMs });
  run.journal?.close();
  run.state = 'finished';
  log.info({ requests: run.summary.total.count }, 'finished');
  return run.summary;
}

/** Frees the run's workers for the next run (and tells them to stop, if they still run). */
export function release(ctx: ClusterContext, run: Run): void {
  for (const id of run.participants) {
    const w = ctx.registry.get(id);
    if (!w || w.runId !== run.id) continue;
    if (w.phase !== 'done') w.conn?.send({ type: 'stop', runId: run.id, reason: 'run ended', gracefulStopMs: 0 });
    w.phase = 'done';
  }
  ctx.waiter.notify();
}
