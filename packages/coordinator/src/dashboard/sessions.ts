import { createHash, randomBytes } from 'node:crypto';

/** How long a dashboard session lasts without being used. */
export const SESSION_IDLE_MS = 12 * 3_600_000;
/** Sessions kept at most; the least recently used goes first. */
export const MAX_SESSIONS = 1000;

/**
 * The dashboard's sessions: a page that showed the token once
 * (`/?token=…`) trades it for a random id, kept in the tab's
 * sessionStorage (per origin: another port on the same host cannot read
 * it, unlike a cookie) and sent in a header. The token itself never stays
 * in the browser. Pure of timers: the caller passes the time.
 */
export class DashboardSessions {
  /**
   * digest of the id → last use; Map order is use order (an entry is
   * re-inserted on use). Looked up by digest, so the time a lookup takes
   * tells a guesser nothing about the ids.
   */
  private readonly lastUse = new Map<string, number>();

  create(now: number): string {
    const id = randomBytes(32).toString('hex');
    this.lastUse.set(digest(id), now);
    if (this.lastUse.size > MAX_SESSIONS) this.lastUse.delete(this.lastUse.keys().next().value!);
    return id;
  }

  /** Whether `id` is a live session; using it extends it. */
  valid(id: string | undefined, now: number): boolean {
    if (!id || !/^[0-9a-f]{64}$/.test(id)) return false;
    const key = digest(id);
    const last = this.lastUse.get(key);
    if (last === undefined) return false;
    this.lastUse.delete(key);
    if (now - last > SESSION_IDLE_MS) return false;
    this.lastUse.set(key, now);
    return true;
  }
}

const digest = (id: string): string => createHash('sha256').update(id).digest('hex');
