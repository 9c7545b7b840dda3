/**
 * One timer that checks every request in flight against its timeout, not
 * a timer per request. It runs every tenth of the smallest timeout asked
 * for so far, between 5 and 100 ms, so that a timeout fires at most a
 * tenth late (a 60 s default is checked every 100 ms, a 50 ms one every 5).
 */
export class TimeoutSweep {
  private timer?: NodeJS.Timeout;
  private everyMs = Infinity;

  constructor(private readonly check: (now: number) => void) {}

  /** A request with this timeout is on its way. */
  need(timeoutMs: number): void {
    // the common case, one comparison: the sweep is already fine enough
    if (timeoutMs >= this.everyMs * 10) return;
    const every = Math.max(5, Math.min(100, Math.floor(timeoutMs / 10)));
    if (every >= this.everyMs) return;
    this.everyMs = every;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.check(performance.now()), every).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.everyMs = Infinity;
  }
}
