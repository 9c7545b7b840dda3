import type { Clock } from './clock.js';

/**
 * Waits for a condition over shared state: whoever changes the state calls
 * notify(), and every pending wait re-checks its predicate.
 */
export class Waiter {
  private readonly pending = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  notify(): void {
    for (const check of [...this.pending]) check();
  }

  /** Resolves true when `pred` holds, false after `timeoutMs`. */
  until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    if (pred()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = (): void => {
        if (!pred()) return;
        done(true);
      };
      const cancel = this.clock.after(timeoutMs, () => done(false));
      const done = (v: boolean): void => {
        cancel();
        this.pending.delete(check);
        resolve(v);
      };
      this.pending.add(check);
    });
  }
}
