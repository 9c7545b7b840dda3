/**
 * A token bucket (pure; the caller passes the time): `capacity` at most,
 * refilled at `perSecond`. take() says whether `n` more fit.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.at = now;
  }

  take(n: number, now: number): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

/**
 * What one worker connection may send: a worker sends about three frames a
 * second (a window, a heartbeat, the odd ping) and bursts when it resends a
 * backlog after a reconnect; anything far beyond is a flood.
 */
export const WORKER_FRAMES = { capacity: 300, perSecond: 50 };
export const WORKER_BYTES = { capacity: 64 * 1024 * 1024, perSecond: 16 * 1024 * 1024 };
