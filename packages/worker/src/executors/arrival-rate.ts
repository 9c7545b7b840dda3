import { arrivalTime, ownsUnit, shareOf, type ExecutorConfig, type Segment, type Stage } from '@volley/shared';
import type { Vu } from '../vu.js';
import { OwnedUnits, VuGroup, type Executor, type ExecutorDeps } from './group.js';

type Config = Extract<ExecutorConfig, { type: 'constant-arrival-rate' | 'ramping-arrival-rate' }>;

/**
 * The open model (k6's constant- and ramping-arrival-rate). Iteration k of
 * the whole cluster is due at arrivalTime(k); this worker starts the ones
 * its segment owns, so the merged stream is even. Each takes a free VU, or
 * a new one up to maxVUs; with none, it is dropped and counted
 * (dropped_iterations), as k6 does — or, in queue mode (wrk2's model, the
 * ad-hoc --rate), it waits for the next free VU, up to a bounded queue. An iteration's first request is
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
  /** due moments waiting for a free VU, oldest first (queue mode): `waiting[waitHead…]` */
  private waiting: number[] = [];
  private waitHead = 0;
  /** every arrival of the plan has come due */
  private arrivalsOver = false;
  /** set once no waiting iteration may start any more: a free VU is parked */
  private closing = false;
  /** told when the last waiting iteration has started */
  private onQueueEmpty?: () => void;
  /** the tags of queued_iterations, made once: a stall queues thousands a second */
  private readonly queuedTags: Record<string, string>;

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
    this.queuedTags = { queue_limit: String(cfg.queue?.limit ?? 0) };
  }

  get vus(): number {
    return this.allocated;
  }

  private get maxVus(): number {
    return shareOf(this.cfg.maxVUs, this.segment);
  }

  start(startLocal: number): void {
    this.startLocal = startLocal;
    // pre-allocate (and run onStart) before the first arrival: a start message that came after the
    // start instant finds arrivals already due, which wait for these VUs rather than finding none free
    const ready: Promise<void>[] = [];
    for (let i = 0; i < shareOf(this.cfg.preAllocatedVUs, this.segment); i++) ready.push(this.allocate());
    // a late start (a worker joining mid-run) begins at the arrivals now due
    const elapsed = performance.now() - startLocal;
    while (true) {
      const t = arrivalTime(this.k, this.startRate, this.stages, this.cfg.timeUnitMs);
      if (t === undefined || t >= elapsed - 1000) break;
      this.k++;
    }
    void Promise.all(ready).then(() => this.schedule());
  }

  reassign(segment: Segment): void {
    this.segment = segment; // ownership of the arrivals still to come follows the new share
  }

  stop(gracefulMs: number): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.timer);
      this.arrivalsOver = true;
      const began = performance.now();
      // what came due during the run still goes out, within the graceful stop (queue mode)
      if (this.waitHead < this.waiting.length) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((r) => (this.onQueueEmpty = r)),
          new Promise<void>((r) => (timer = setTimeout(r, gracefulMs))),
        ]);
        clearTimeout(timer);
      }
      this.closing = true;
      // due, never started: the run ended first
      const unstarted = this.waiting.length - this.waitHead;
      if (unstarted > 0) this.deps.recorder.count('dropped_iterations', {}, unstarted);
      this.waiting = [];
      this.waitHead = 0;
      const left = Math.max(0, gracefulMs - (performance.now() - began));
      await this.group.drain([...this.group.all], Promise.all(this.inFlight), left);
      for (const vu of this.free) await vu.finish();
      this.complete();
    })();
    return this.stopping;
  }

  /** One more VU, up to maxVUs; it becomes free once its onStart is done (the promise). */
  private allocate(): Promise<void> {
    if (this.allocated >= Math.max(this.maxVus, shareOf(this.cfg.preAllocatedVUs, this.segment))) return Promise.resolve();
    const vu = this.group.create(this.units.at(this.allocated++));
    return vu.init().then((ok) => (ok && !this.closing ? this.release(vu) : undefined));
  }

  private schedule(): void {
    if (this.stopping) return;
    const now = performance.now() - this.startLocal;
    // start everything due by now
    for (;;) {
      const t = arrivalTime(this.k, this.startRate, this.stages, this.cfg.timeUnitMs);
      if (t === undefined) {
        this.arrivalsOver = true;
        this.finishIfDone();
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

  /** At most this many due iterations wait here for a VU (queue mode); past it they are dropped. */
  private get queueLimit(): number {
    return this.cfg.queue ? Math.max(1, shareOf(this.cfg.queue.limit, this.segment)) : 0;
  }

  private launch(dueAt: number): void {
    const vu = this.free.pop();
    if (vu) return this.run(vu, dueAt);
    void this.allocate();
    // wrk2's model: it waits for a VU and is timed from when it was due; k6's: it is dropped
    if (this.waiting.length - this.waitHead < this.queueLimit) {
      this.waiting.push(dueAt);
      this.deps.recorder.count('queued_iterations', this.queuedTags);
    } else this.deps.recorder.count('dropped_iterations', {});
  }

  private run(vu: Vu, dueAt: number): void {
    const p: Promise<void> = vu
      .iteration(Math.min(dueAt, performance.now()))
      .then(() => undefined)
      .finally(() => {
        this.inFlight.delete(p);
        if (!vu.stopping) this.release(vu);
        this.finishIfDone();
      });
    this.inFlight.add(p);
  }

  /** A VU is free: it takes the oldest waiting iteration, if any. */
  private release(vu: Vu): void {
    if (this.closing || this.waitHead === this.waiting.length) {
      this.free.push(vu);
      return;
    }
    const dueAt = this.waiting[this.waitHead++]!;
    if (this.waitHead === this.waiting.length) this.onQueueEmpty?.();
    if (this.waitHead > 1024 && this.waitHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitHead);
      this.waitHead = 0;
    }
    this.run(vu, dueAt);
  }

  /** Once every arrival has come due and none waits or runs, the executor's work is done. */
  private finishIfDone(): void {
    if (this.arrivalsOver && this.inFlight.size === 0 && this.waitHead === this.waiting.length) void this.stop(this.gracefulStopMs);
  }
}
