/**
 * The cluster core's time: the wall clock and its timers, injected so that
 * the core runs in tests on a clock they move by hand (no real timers).
 */
export interface Clock {
  now(): number;
  /** calls `fn` after `ms`; the returned function cancels it */
  after(ms: number, fn: () => void): () => void;
  /** calls `fn` every `ms`; the returned function cancels it */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  },
};

interface Pending {
  at: number;
  fn: () => void;
  every?: number;
  seq: number;
}

/** A clock that moves only when told: timers fire in time order, each after the promises the last one settled. */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const p: Pending = { at: this.t + Math.max(0, ms), fn, seq: this.seq++ };
    this.pending.add(p);
    return () => this.pending.delete(p);
  }

  every(ms: number, fn: () => void): () => void {
    const p: Pending = { at: this.t + ms, fn, every: Math.max(1, ms), seq: this.seq++ };
    this.pending.add(p);
    return () => this.pending.delete(p);
  }

  /** Moves time on by `ms`, firing what falls due in order, and lets the code each wakes run before the next. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.pending) if (p.at <= end && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.every) {
        next.at += next.every;
        next.seq = this.seq++;
      } else this.pending.delete(next);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Lets every promise chain that is ready run to its next wait. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
