import { errorMessage, VolleyError } from '@volley/shared';
import { JournalWriter } from '../journal/writer.js';
import type { ClusterContext } from './context.js';
import { recordEvent } from './membership.js';
import type { Run } from './run.js';

/** Opens the run's journal at its start, with the run and its members; a path it cannot be written at fails the run before any traffic. */
export function openJournal(ctx: ClusterContext, run: Run, path: string): void {
  const req = run.request;
  try {
    run.journal = new JournalWriter(path, (err) => journalFailed(ctx, run, err));
  } catch (err) {
    throw new VolleyError(
      'VOLLEY_RUN_STATE',
      `cannot write the run's journal ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)} (check --journal-dir); no traffic was sent`,
    );
  }
  run.journal.append({
    t: 'run',
    run: {
      id: run.id,
      scenario: req.scenario.name,
      host: req.host,
      users: req.users,
      spawnRate: req.spawnRate,
      runTimeMs: req.runTimeMs,
      startedAt: new Date(run.startAt).toISOString(),
      executors: run.config.plan.scenarios.map((sc) => sc.executor.type),
      trendStats: req.summaryTrendStats,
    },
    thresholds: req.thresholds,
  });
  for (const w of ctx.registry.all(run.members)) run.journal.append({ t: 'worker', id: w.id, name: w.name, cores: w.cores });
}

/**
 * The journal could not be written (a full disk): what is acknowledged
 * must be on disk, so the run stops now; its reports hold what was
 * merged, and the coordinator goes on.
 */
function journalFailed(ctx: ClusterContext, run: Run, err: Error): void {
  const why = `the journal ${run.journal?.path} could not be written (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`;
  ctx.log.error({ runId: run.id, err: errorMessage(err) }, `${why}; stopping the run`);
  recordEvent(ctx, run, 'journal-failed', undefined, `${why}: the run was stopped; the reports hold what was merged until then`);
  if (run.state === 'running' && !run.stopRequested) {
    run.requestStop(why);
    ctx.waiter.notify();
  }
}
