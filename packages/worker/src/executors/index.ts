import type { ScenarioPlan, Segment } from '@volley/shared';
import type { Executor, ExecutorDeps } from './group.js';
import { RampingVus } from './ramping-vus.js';
import { Iterations } from './iterations.js';
import { ArrivalRate } from './arrival-rate.js';

export type { Executor, ExecutorDeps } from './group.js';

/** `joining`: this worker joined a running run (it owes no iterations of its own). */
export function createExecutor(plan: ScenarioPlan, segment: Segment, deps: ExecutorDeps, joining = false): Executor {
  const e = plan.executor;
  switch (e.type) {
    case 'ramping-vus':
    case 'constant-vus':
      return new RampingVus(e, segment, deps, plan.gracefulStopMs);
    case 'per-vu-iterations':
    case 'shared-iterations':
      return new Iterations(e, segment, deps, plan.gracefulStopMs, joining);
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return new ArrivalRate(e, segment, deps, plan.gracefulStopMs);
  }
}
