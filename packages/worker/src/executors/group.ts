import { ownsUnit, type Segment, type Stage } from '@volley/shared';
import type { Logger } from 'pino';
import { Vu, type IterationSource, type VuDeps } from '../vu.js';

/** What WorkerRun needs of every executor. */
export interface Executor {
  /** follows the plan from this scenario's start instant (a performance.now() time) */
  start(startLocal: number): void;
  /** a new share after a rebalance; `moved`: iterations of a lost worker this one takes on (iteration executors) */
  reassign(segment: Segment, moved?: number): void;
  /** new stages from now on, the past as it was (a scaled ramping-vus run) */
  restage?(stages: Stage[]): void;
  /** stops now: sleeps end, in-flight iterations get `gracefulMs`, then their requests are aborted */
  stop(gracefulMs: number): Promise<void>;
  /** resolves when the executor has done all its work on its own */
  readonly completed: Promise<void>;
  /** whether it has no work now (for executors that can be given more: iterations moved from a lost worker) */
  readonly idle?: boolean;
  readonly vus: number;
}

export interface ExecutorDeps extends VuDeps {
  segment: Segment;
  /** an executor that can be given more work says when it has run out again */
  settled?: () => void;
  sourceFor(vuNumber: number): IterationSource;
  log: Logger;
}

/** The cluster-wide numbers of this worker's units, in order, computed as needed. */
export class OwnedUnits {
  private owned: number[] = [];
  private scanned = 0;
  constructor(private segment: Segment) {}
  reset(segment: Segment): void {
    this.segment = segment;
    this.owned = [];
    this.scanned = 0;
  }
  /** the i-th (0-based) unit this worker owns */
  at(i: number): number {
    while (this.owned.length <= i) {
      this.scanned++;
      if (ownsUnit(this.scanned, this.segment)) this.owned.push(this.scanned);
    }
    return this.owned[i]!;
  }
}

/** VUs of one executor and the promises of their loops. */
export class VuGroup {
  readonly running = new Set<Promise<void>>();
  readonly all = new Set<Vu>();

  constructor(private readonly deps: ExecutorDeps) {}

  create(number: number): Vu {
    const vu = new Vu(number, this.deps.sourceFor(number), this.deps);
    this.all.add(vu);
    return vu;
  }

  /** Runs `body` for a VU, tracked until it ends. */
  track(vu: Vu, body: () => Promise<void>): Promise<void> {
    const p: Promise<void> = body().finally(() => {
      this.running.delete(p);
      this.all.delete(vu);
    });
    this.running.add(p);
    return p;
  }

  /** Lets `vus` finish within `gracefulMs`, then aborts their requests. */
  async drain(vus: Iterable<Vu>, loops: Promise<unknown>, gracefulMs: number): Promise<void> {
    const list = [...vus];
    for (const vu of list) vu.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), gracefulMs)));
    if ((await Promise.race([loops, late])) === 'late') {
      this.deps.log.warn({ inFlight: list.length }, 'graceful stop expired; aborting in-flight requests');
      for (const vu of list) vu.abortRequests();
      // user code waiting on something other than HTTP cannot be cut; give it a second
      await Promise.race([loops, new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    clearTimeout(timer);
  }

  stopAll(gracefulMs: number): Promise<void> {
    return this.drain(this.all, Promise.all(this.running), gracefulMs);
  }
}
