import { iterationsOwed, shareOf, type ExecutorConfig, type Segment } from '@volley/shared';
import { OwnedUnits, VuGroup, type Executor, type ExecutorDeps } from './group.js';
import type { Vu } from '../vu.js';

type Config = Extract<ExecutorConfig, { type: 'per-vu-iterations' | 'shared-iterations' }>;

/**
 * k6's per-vu-iterations (each VU runs `iterations`) and shared-iterations
 * (`iterations` in total, taken by whichever VU is free). Shared iterations
 * are dealt to VU numbers round-robin — iteration j belongs to VU
 * ((j − 1) mod vus) + 1 — so each worker knows exactly how many are its
 * own (iterationsOwed), and the cluster runs exactly `iterations`, whatever
 * the split. When a worker is lost the coordinator moves the iterations it
 * had not reported done to the others (`moved`), which run them on extra
 * VUs; a worker joining mid-run owes none. `maxDuration` stops whatever is
 * left.
 */
export class Iterations implements Executor {
  readonly completed: Promise<void>;
  private complete!: () => void;
  private readonly group: VuGroup;
  private timer?: NodeJS.Timeout;
  private stopping?: Promise<void>;
  private began = false;
  /** shared-iterations: this worker's iterations not yet started */
  private remaining = 0;
  /** iterations moved here from lost workers, not yet started */
  private moved = 0;
  private readonly units: OwnedUnits;
  private nextUnit = 0;

  constructor(
    private readonly cfg: Config,
    private segment: Segment,
    private readonly deps: ExecutorDeps,
    private readonly gracefulStopMs: number,
    private readonly joining = false,
  ) {
    this.completed = new Promise((r) => (this.complete = r));
    this.group = new VuGroup(deps);
    this.units = new OwnedUnits(segment);
  }

  get vus(): number {
    return this.group.all.size;
  }

  start(startLocal: number): void {
    const delay = Math.max(0, startLocal - performance.now());
    setTimeout(() => this.begin(), delay);
  }

  /** A new share after a rebalance: this executor keeps its own iterations and takes on what was moved to it. */
  reassign(segment: Segment, moved = 0): void {
    this.segment = segment;
    if (moved <= 0 || this.stopping) return;
    this.moved += moved;
    if (this.began) this.runMoved();
  }

  stop(gracefulMs: number): Promise<void> {
    this.stopping ??= (async () => {
      clearTimeout(this.timer);
      this.remaining = 0;
      this.moved = 0;
      await this.group.stopAll(gracefulMs);
      this.complete();
    })();
    return this.stopping;
  }

  private begin(): void {
    if (this.stopping) return;
    this.began = true;
    this.timer = setTimeout(() => void this.stop(this.gracefulStopMs), this.cfg.maxDurationMs);
    const shared = this.cfg.type === 'shared-iterations';
    const count = this.joining ? 0 : shareOf(this.cfg.vus, this.segment);
    this.remaining = this.joining || !shared ? 0 : iterationsOwed(this.cfg, this.segment);
    for (let i = 0; i < count; i++) {
      this.loop(this.newVu(), async (vu) => {
        if (shared) {
          while (!vu.stopping && this.remaining > 0) {
            this.remaining--;
            await vu.iteration();
          }
        } else {
          for (let n = 0; n < this.cfg.iterations && !vu.stopping; n++) await vu.iteration();
        }
      });
    }
    this.runMoved();
    this.checkDone();
  }

  /**
   * Extra VUs for moved iterations: as many as this worker's share of the
   * scenario's VUs leaves room for (at least one), each taking iterations
   * from the moved pool; per-vu-iterations gives each at most `iterations`.
   */
  private runMoved(): void {
    if (this.moved <= 0 || this.stopping) return;
    const perVu = this.cfg.type === 'per-vu-iterations' ? this.cfg.iterations : Infinity;
    const room = Math.max(1, shareOf(this.cfg.vus, this.segment) - this.group.all.size);
    const want = Math.min(room, Math.ceil(this.moved / Math.min(perVu, this.moved)));
    for (let i = 0; i < want; i++) {
      this.loop(this.newVu(), async (vu) => {
        for (let n = 0; n < perVu && !vu.stopping && this.moved > 0; n++) {
          this.moved--;
          await vu.iteration();
        }
      });
    }
  }

  private newVu(): Vu {
    // numbers past the scenario's own VUs, from this worker's units: distinct across the cluster
    return this.group.create(this.units.at(this.nextUnit++));
  }

  private loop(vu: Vu, body: (vu: Vu) => Promise<void>): void {
    void this.group
      .track(vu, async () => {
        if (!(await vu.init())) return;
        await body(vu);
        await vu.finish();
      })
      .then(() => this.checkDone());
  }

  get idle(): boolean {
    return !!this.stopping || (this.began && this.group.running.size === 0 && this.remaining <= 0 && this.moved <= 0);
  }

  private checkDone(): void {
    if (!this.idle) return;
    this.complete();
    this.deps.settled?.();
  }
}
