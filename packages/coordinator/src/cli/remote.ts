import type { ControlClient } from '../api/client.js';
import type { StartRunBody } from '../api/schema.js';
import type { RunSummary } from '../aggregate/summary.js';
import { prepareStart } from './prepare.js';
import type { SummaryHandler } from './handle-summary.js';
import type { LoadPlan } from './scenario-options.js';
import { VolleyError } from '@volley/shared';
import { followProgress } from './progress.js';

/** `volley start`: bundle here, start on the coordinator, follow until it ends (unless detached). */
export async function startRemote(
  client: ControlClient,
  scenarioFile: string,
  given: Omit<StartRunBody, 'scenario'>,
  detach: boolean,
  progressEveryMs: number,
  plan: LoadPlan,
): Promise<{ id: string; summary?: RunSummary; handleSummary?: SummaryHandler }> {
  const { body, handleSummary } = await prepareStart(scenarioFile, given, plan);
  const { id } = await client.start(body);
  if (detach) return { id };
  const stop = followProgress(async () => (await client.run(id)).status, body.runTimeMs, progressEveryMs);
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const { status, summary } = await client.run(id);
      if (status.state === 'finished') return { id, summary, handleSummary };
      if (status.state === 'failed') throw new VolleyError('VOLLEY_WORKER_FAILED', `run ${id} failed: ${status.error ?? 'unknown reason'}`);
    }
  } finally {
    stop();
  }
}
