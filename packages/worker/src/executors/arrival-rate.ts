import { arrivalTime, ownsUnit, shareOf, type ExecutorConfig, type Segment, type Stage } from '@volley/shared';
import type { Vu } from '../vu.js';
import { OwnedUnits, VuGroup, type Executor, type ExecutorDeps } from './group.js';

type Config = Extract<ExecutorConfig, { type: 'constant-arrival-rate' | 'ramping-arrival-rate' }>;

/**
 * The open model (k6's constant- and ramping-arrival-rate). Iteration k of
 * the whole cluster is due at arrivalTime(k); this worker starts the ones
 * its segment owns, so the merged stream is even. Each takes a free VU, or
 * a new one up to maxVUs; with none, it is dropped and counted
 * (dropped_iterations) — never delayed. An iteration's first request is
 * timed from the moment it was due, not from when it was sent, so a stall
 * in the target or in this process is not hidden (coordinated omission).
 */
export class ArrivalRate implements Executor {
  readonly completed: Promise<void>;
  private complete!: () => void;
  private readonly group: VuGroup;
  private readonly free: Vu[] = [];
  private readonly units: OwnedUnits;
  private readonly startRate: number;
  private readonly stages: Stage[];
  private allocated = 0;
  private k = 1;
  private startLocal = 0;
  private timer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly cfg: Config,
    private segment: Segment,
    private readonly deps: ExecutorDeps,
    private readonly gracefulStopMs: number,
  ) {
    this.completed = new Promise((r) => (this.complete = r));
    this.group = new VuGroup(deps);
    this.units = new OwnedUnits(segment);
    if (cfg.type === 'constant-arrival-rate') {
      this.startRate = cfg.rate;
      this.stages = [{ durationMs: cfg.durationMs, target: cfg.rate }];
    } else {
      this.startRate = cfg.startRate;
      this.stages = cfg.stages;
    }
  }

  get vus(): number {
    return this.allocated;
  }

  private get maxVus(): number {
    return shareOf(this.cfg.maxVUs, this.segment);
  }

  start(startLocal: number): void {
    this.startLocal = startLocal;
    // pre-allocate (and run onStart) before the first arrival
    for (let i = 0; i < shareOf(this.cfg.preAllocatedVUs, this.segment); i++) this.allocate();
    // a late start (a worker joining mid-run) begins at the arrivals now due
    const elapsed = performance.now() - startLocal;
    while (true) {
      const t = arrivalTime(this.k, this.startRate, this.stages, this.cfg.timeUnitMs);
      if (t === undefined || t >= elapsed - 1000) break;
      this.k++;
    }
    this.schedule();
  }

  reassign(segment: Segment): void {
    this.segment = segment; // ownership of the arrivals still to come follows the new share
  }

  stop(gracefulMs: number): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.timer);
      await this.group.drain([...this.group.all], Promise.all(this.inFlight), gracefulMs);
      for (const vu of this.free) await vu.finish();
      this.complete();
    })();
    return this.stopping;
  }

  /** One more VU, up to maxVUs; it becomes free once its onStart is done. */
  private allocate(): void {
    if (this.allocated >= Math.max(this.maxVus, shareOf(this.cfg.preAllocatedVUs, this.segment))) return;
    const vu = this.group.create(this.units.at(this.allocated++));
    void vu.init().then((ok) => (ok && !this.stopping ? this.free.push(vu) : undefined));
  }

  private schedule(): void {
    if (this.stopping) return;
    const now = performance.now() - this.startLocal;
    // start everything due by now
    for (;;) {
      const t = arrivalTime(this.k, this.startRate, this.stages, this.cfg.timeUnitMs);
      if (t === undefined) {
        void Promise.all(this.inFlight).then(() => this.stop(this.gracefulStopMs));
        return;
      }
      if (t > now) {
        this.timer = setTimeout(() => this.schedule(), Math.max(0, t - now));
        return;
      }
      if (ownsUnit(this.k, this.segment)) this.launch(this.startLocal + t);
      this.k++;
    }
  }

  private launch(dueAt: number): void {
    const vu = this.free.pop();
    if (!vu) {
      this.allocate();
      this.deps.recorder.count('dropped_iterations', {});
      return;
    }
    const p: Promise<void> = vu
      .iteration(Math.min(dueAt, performance.now()))
      .then(() => undefined)
      .finally(() => {
        this.inFlight.delete(p);
        if (!vu.stopping) this.free.push(vu);
      });
    this.inFlight.add(p);
  }
}
