import { planSteps, type ExecutorConfig, type Segment, type Stage, type Step } from '@volley/shared';
import type { Vu } from '../vu.js';
import { OwnedUnits, VuGroup, type Executor, type ExecutorDeps } from './group.js';

type Config = Extract<ExecutorConfig, { type: 'ramping-vus' | 'constant-vus' }>;

/**
 * Looping VUs along a ramp (k6's ramping-vus and constant-vus; Locust's
 * users with their spawn rate). The plan is planSteps() from the shared
 * core; this follows it with one timer. Each VU loops: iteration, then the
 * source's think time. VUs leaving on a ramp-down finish their iteration
 * within gracefulRampDown.
 */
export class RampingVus implements Executor {
  readonly completed: Promise<void>;
  private complete!: () => void;
  private stages: Stage[];
  private readonly startVus: number;
  private readonly rampDownMs: number;
  private readonly group: VuGroup;
  private readonly active: Vu[] = [];
  private readonly units: OwnedUnits;
  private steps: Step[] = [];
  private next = 0;
  private timer?: NodeJS.Timeout;
  private startLocal = 0;
  private stopped = false;
  private stopping?: Promise<void>;

  constructor(
    cfg: Config,
    private segment: Segment,
    deps: ExecutorDeps,
    private readonly gracefulStopMs: number,
  ) {
    this.completed = new Promise((r) => (this.complete = r));
    this.group = new VuGroup(deps);
    this.units = new OwnedUnits(segment);
    if (cfg.type === 'constant-vus') {
      this.stages = [
        { durationMs: 0, target: cfg.vus },
        { durationMs: cfg.durationMs, target: cfg.vus },
      ];
      this.startVus = 0;
      this.rampDownMs = 0;
    } else {
      this.stages = cfg.stages;
      this.startVus = cfg.startVUs;
      this.rampDownMs = cfg.gracefulRampDownMs;
    }
  }

  get vus(): number {
    return this.active.length;
  }

  start(startLocal: number): void {
    this.startLocal = startLocal;
    this.follow();
  }

  reassign(segment: Segment): void {
    this.segment = segment;
    this.units.reset(segment);
    if (!this.stopped && this.startLocal !== 0) this.follow();
  }

  restage(stages: Stage[]): void {
    this.stages = stages;
    if (!this.stopped && this.startLocal !== 0) this.follow();
  }

  stop(gracefulMs: number): Promise<void> {
    this.stopping ??= (async () => {
      this.stopped = true;
      clearTimeout(this.timer);
      this.active.length = 0;
      await this.group.stopAll(gracefulMs);
      this.complete();
    })();
    return this.stopping;
  }

  /** Plans this segment's steps and applies those already due (a late start, or a new share). */
  private follow(): void {
    clearTimeout(this.timer);
    this.steps = planSteps(this.stages, this.segment, this.startVus);
    this.next = 0;
    const target = this.passDue();
    if (target !== undefined || this.active.length > 0) this.setTarget(target ?? 0);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    const end = this.stages.reduce((t, s) => t + s.durationMs, 0);
    const step = this.steps[this.next];
    const at = step ? step.atMs : end;
    this.timer = setTimeout(
      () => {
        if (!step) {
          // the ramp is over: what still runs gets the graceful stop
          void this.stop(this.gracefulStopMs);
          return;
        }
        // every step due by now: one per timer would fall behind a busy loop
        this.next++;
        this.setTarget(this.passDue() ?? step.vus);
        this.schedule();
      },
      Math.max(0, this.startLocal + at - performance.now()),
    );
  }

  /** Moves past every step due by now; the VU count of the last of them, if any was. */
  private passDue(): number | undefined {
    const elapsed = performance.now() - this.startLocal;
    let target: number | undefined;
    while (this.next < this.steps.length && this.steps[this.next]!.atMs <= elapsed) target = this.steps[this.next++]!.vus;
    return target;
  }

  private setTarget(target: number): void {
    while (this.active.length < target) this.spawn(this.units.at(this.active.length));
    // ramping down, the newest leave first; their iteration may finish within gracefulRampDown
    while (this.active.length > target) {
      const vu = this.active.pop()!;
      vu.stop();
      if (this.rampDownMs >= 0) setTimeout(() => vu.abortRequests(), this.rampDownMs).unref();
    }
  }

  private spawn(number: number): void {
    const vu = this.group.create(number);
    this.active.push(vu);
    void this.group
      .track(vu, () => vu.loop())
      .finally(() => {
        // a stopped VU has left `active` already (a scan of 100,000 per VU would not do)
        if (vu.stopping) return;
        const i = this.active.indexOf(vu);
        if (i >= 0) this.active.splice(i, 1);
      });
  }
}
