import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { WorkerRegistry } from './registry.js';
import type { Waiter } from './waiter.js';

/** What the cluster core's parts share: its log, its clock, its workers, and the wait that state changes wake. */
export interface ClusterContext {
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: WorkerRegistry;
  readonly waiter: Waiter;
}
