import { ownerOf, shareOf, type ExecutorConfig, type Segment } from '@volley/shared';
import { OwnedUnits, VuGroup, type Executor, type ExecutorDeps } from './group.js';

type Config = Extract<ExecutorConfig, { type: 'per-vu-iterations' | 'shared-iterations' }>;

/**
 * k6's per-vu-iterations (each VU runs `iterations`) and shared-iterations
 * (`iterations` in total, taken by whichever VU is free). Shared iterations
 * are dealt to VU numbers round-robin — iteration j belongs to VU
 * ((j − 1) mod vus) + 1 — so each worker knows exactly how many are its
 * own, and the cluster runs exactly `iterations`, whatever the split.
 * `maxDuration` stops whatever is left. Not rebalanced when workers change.
 */
export class Iterations implements Executor {
  readonly completed: Promise<void>;
  private complete!: () => void;
  private readonly group: VuGroup;
  private timer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private remaining = 0;

  constructor(private readonly cfg: Config, private readonly segment: Segment, private readonly deps: ExecutorDeps, private readonly gracefulStopMs: number) {
    this.completed = new Promise((r) => (this.complete = r));
    this.group = new VuGroup(deps);
  }

  get vus(): number {
    return this.group.all.size;
  }

  /** Shared iterations owned by this worker's VUs. */
  static sharedShare(iterations: number, vus: number, segment: Segment): number {
    if (vus === 0) return 0;
    let n = 0;
    for (let u = 1; u <= Math.min(vus, iterations); u++) {
      if (ownerOf(u, segment.weights) === segment.index) n += Math.floor((iterations - u) / vus) + 1;
    }
    return n;
  }

  start(startLocal: number): void {
    const delay = Math.max(0, startLocal - performance.now());
    setTimeout(() => this.begin(), delay);
  }

  reassign(): void {
    this.deps.log.warn('iteration executors keep their share when workers change');
  }

  stop(gracefulMs: number): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.timer);
      this.remaining = 0;
      await this.group.stopAll(gracefulMs);
      this.complete();
    })();
    return this.stopping;
  }

  private begin(): void {
    if (this.stopping) return;
    const count = shareOf(this.cfg.vus, this.segment);
    const units = new OwnedUnits(this.segment);
    const shared = this.cfg.type === 'shared-iterations';
    this.remaining = shared ? Iterations.sharedShare(this.cfg.iterations, this.cfg.vus, this.segment) : 0;
    this.timer = setTimeout(() => void this.stop(this.gracefulStopMs), this.cfg.maxDurationMs);
    const loops: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const vu = this.group.create(units.at(i));
      loops.push(this.group.track(vu, async () => {
        if (!(await vu.init())) return;
        if (shared) {
          while (!vu.stopping && this.remaining > 0) {
            this.remaining--;
            await vu.iteration();
          }
        } else {
          for (let n = 0; n < this.cfg.iterations && !vu.stopping; n++) await vu.iteration();
        }
        await vu.finish();
      }));
    }
    void Promise.all(loops).then(() => {
      clearTimeout(this.timer);
      this.complete();
    });
  }
}
