import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/**
 * How busy this worker process is, window by window: CPU time as a
 * fraction of one core (a Node process runs JavaScript on one), and the
 * event loop's lag, and how late its users woke from their think time. A
 * generator at its limit sends late and measures its own queueing; the
 * coordinator warns when that happened.
 */
/** ms between the monitor's samples; each sample is the whole interval, so this is taken off */
const RESOLUTION_MS = 10;

export class SelfHealth {
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private cpu = process.cpuUsage();
  private at = performance.now();

  constructor() {
    this.lag.enable();
  }

  /** Starts counting afresh: the run begins, and loading the scenario was not its load. */
  restart(at = performance.now()): void {
    this.cpu = process.cpuUsage();
    this.at = at;
    this.lag.reset();
  }

  /**
   * The figures since the last cut; `wheel`, where the users sleep. The
   * window's length goes with them: the last one of a run may be a few ms,
   * whose share of a core says little.
   */
  cut(wheel?: { takeLateMs(): number }): { cpu: number; wallMs: number; lagP99Ms: number; lagMaxMs: number; wakeLateMs?: number } {
    const now = performance.now();
    const used = process.cpuUsage(this.cpu);
    const wall = Math.max(1, now - this.at);
    const out = {
      cpu: Math.round(((used.user + used.system) / 1000 / wall) * 1000) / 1000,
      wallMs: Math.round(wall),
      lagP99Ms: this.lag.count ? lateMs(this.lag.percentile(99)) : 0,
      lagMaxMs: Math.max(this.lag.count ? lateMs(this.lag.max) : 0, unseenStallMs(wall, this.lag)),
      ...(wheel ? { wakeLateMs: wheel.takeLateMs() } : {}),
    };
    this.restart(now);
    return out;
  }

  close(): void {
    this.lag.disable();
  }
}

/**
 * A stall the monitor missed, in ms (a lower bound): after reset() it
 * notes no interval until its second sample, so a stall just after a cut
 * (or just before, when the cut's timer ran first) was unseen — a 300 ms
 * stall just after reset() left its max at 10.3 ms. Its samples cover
 * their intervals' sum of the window; the rest, less a resolution at each
 * end, is time the loop was held where it did not look.
 */
function unseenStallMs(wallMs: number, lag: IntervalHistogram): number {
  const coveredMs = lag.count ? (lag.mean * lag.count) / 1e6 : 0;
  return Math.max(0, Math.round((wallMs - coveredMs - 2 * RESOLUTION_MS) * 100) / 100);
}

/** How late a sample of the monitor came, in ms (2 decimals): its interval less the resolution. */
function lateMs(intervalNs: number): number {
  return Math.max(0, Math.round(intervalNs / 1e4 - RESOLUTION_MS * 100) / 100);
}
