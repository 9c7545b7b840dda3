/**
 * When a worker counts as lost (pure, after Locust's heartbeat liveness).
 * The numbers interlock: a worker's dead-man switch stops its traffic after
 * DEAD_MAN_MS of silence from the coordinator; the coordinator moves a
 * member's share only after MEMBER_LOST_MS without a word from it, later
 * than that, so a worker cut off never runs alongside its replacement, and
 * a link cut shorter than DEAD_MAN_MS costs nothing.
 */
export const HEARTBEAT_MS = 1000;
/** how often the coordinator checks liveness */
export const LIVENESS_TICK_MS = 250;
/** the worker's dead-man switch */
export const DEAD_MAN_MS = 4000;
/** a member unheard this long loses its share (< 5 s with the tick) */
export const MEMBER_LOST_MS = 4500;
/** an idle worker unheard this long has its link dropped */
export const IDLE_SILENCE_MS = 10_000;

export type Liveness = 'alive' | 'unheard' | 'lost';

/**
 * A member whose link closed or went quiet is `unheard` — it may come back
 * and resend — until MEMBER_LOST_MS after it was last heard; then `lost`.
 */
export function memberLiveness(lastHeard: number, connected: boolean, now: number): Liveness {
  const quiet = now - lastHeard;
  if (quiet > MEMBER_LOST_MS) return 'lost';
  return connected && quiet <= HEARTBEAT_MS * 3 ? 'alive' : 'unheard';
}
