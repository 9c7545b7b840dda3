/** Something that sleeps on a wheel: the wheel keeps its due time on it, so filing allocates nothing. */
export interface Sleeper {
  /** the whole millisecond (performance.now() time) it is due at; 0 when not filed */
  wakeAt: number;
  wakeUp(): void;
}

/** slots, one per millisecond: a power of two, longer than the usual think time (waits that are longer go round again) */
const SLOTS = 1 << 13;
const MASK = SLOTS - 1;
/** how late a wake-up may come, as a share of its wait, so that those due close together wake together */
const SLACK_SHARE = 1 / 128;
const MAX_GRAIN_MS = 8;
/**
 * How long one turn of the event loop may spend waking sleepers before it
 * lets the I/O waiting behind it in (10 ms: lag p99 53 ms at 100,000 users;
 * 3 ms: 28 ms, but 6 % fewer requests).
 */
export const TICK_BUDGET_MS = 5;
/** wakes between looks at the clock */
const CLOCK_EVERY = 32;

/** The step a wait's wake-up is rounded up to: a power of two ms, at most SLACK_SHARE of the wait and MAX_GRAIN_MS. */
export function grainFor(ms: number): number {
  let g = 1;
  while (g < MAX_GRAIN_MS && g * 2 <= ms * SLACK_SHARE) g *= 2;
  return g;
}

/**
 * One timer for every VU's think time in a worker. Users sleeping 1–3 s
 * through setTimeout held a Timeout, a Promise and their closures per
 * sleep; living through the wait, they were promoted out of the young
 * generation and died in the old one (GC was a third of the busy time in a
 * profile at 30,000 users). Here a sleeper is filed by reference into the
 * slot of the millisecond it is due (a hashed wheel of SLOTS ms), and one
 * Node timer runs to the next slot that holds anything. Nothing is
 * allocated per sleep once the slots' arrays have grown.
 *
 * Long waits are rounded up to a coarser step (up to 8 ms, under 1 % of
 * the wait), as operating systems coalesce timers: users due close
 * together wake together, and the process pays one sleep and wake-up of
 * the kernel for them rather than one each.
 *
 * An overloaded worker wakes at most TICK_BUDGET_MS of sleepers a turn and
 * the rest in the turns after, so that its users' wake-ups come late (the
 * self-health report shows the saturation) rather than all at once.
 *
 * A sleeper is never woken before its time: it is due at the whole
 * millisecond (or step) after its wait, and a slot fires once the clock
 * has reached it. Cancelling only clears `wakeAt`; the stale entry is
 * dropped when its slot comes round. An entry fires when its sleeper is
 * due by now; one due a lap later stays; one whose sleeper has been woken,
 * or filed into another slot since, is dropped. Firing clears `wakeAt`, so
 * each filing wakes its sleeper once.
 */
export class TimerWheel {
  private readonly slots: Sleeper[][] = Array.from({ length: SLOTS }, () => []);
  /** the next millisecond to look at */
  private cursor = 0;
  /** entries in the slots, stale ones included */
  private entries = 0;
  private timer?: NodeJS.Timeout;
  /** the millisecond the timer is set for (0 while the rest of a tick waits for the next turn) */
  private armedAt = Infinity;
  /** while slots run: wakers filing again are picked up by the one re-arm at the end */
  private ticking = false;
  /** the millisecond a running tick wakes up to: what is filed meanwhile goes after it */
  private tickNow = 0;
  /** how late the wake-ups since the last takeLateMs were, in ms past their due slot */
  private lateSumMs = 0;
  private wakes = 0;

  /** Wakes `s` after `ms` (at least), unless cancelled first. */
  file(s: Sleeper, ms: number): void {
    const now = performance.now();
    if (this.entries === 0 && !this.ticking) this.cursor = Math.floor(now);
    const grain = grainFor(ms);
    // never into a slot already passed, nor into the one a tick is running: that would be a lap late
    const at = Math.max(Math.ceil((now + ms) / grain) * grain, this.ticking ? this.tickNow + 1 : this.cursor, 1);
    s.wakeAt = at;
    this.slots[at & MASK]!.push(s);
    this.entries++;
    if (at < this.armedAt && !this.ticking) this.arm(at);
  }

  /** `s` will not be woken by this filing. */
  cancel(s: Sleeper): void {
    s.wakeAt = 0;
  }

  /**
   * How late, on average, the wake-ups since the last call came (ms after
   * their due millisecond), and starts over. Near 0 unless the worker is
   * overloaded: then its users think for longer than the scenario says.
   */
  takeLateMs(): number {
    const mean = this.wakes ? this.lateSumMs / this.wakes : 0;
    this.lateSumMs = 0;
    this.wakes = 0;
    return Math.round(mean * 100) / 100;
  }

  /** entries still held (stale ones count until their slot comes round) */
  get size(): number {
    return this.entries;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const start = performance.now();
    const now = Math.floor(start);
    const deadline = start + TICK_BUDGET_MS;
    // after a stall longer than the wheel, every slot once is every entry once
    let t = Math.max(this.cursor, now - MASK);
    this.ticking = true;
    this.tickNow = now;
    this.cursor = t;
    for (; t <= now; t++) {
      if (!this.runSlot(t, now, deadline)) break;
      this.cursor = t + 1;
    }
    this.ticking = false;
    if (t <= now) {
      // out of budget: an overloaded worker, more users due than it can
      // serve. The rest wait for the next turn, after the poll phase has read
      // the responses already in. Waking them all at once kept thousands of
      // requests in flight together, long enough to outlive the young
      // generation, and GC took the capacity: at 100,000 users, 50 ms
      // scavenges every 0.3 s, 20,800 req/s, RSS 2 GB, lag p99 132 ms;
      // with a 5 ms budget 26,800 req/s, 571 MB, 46 ms (bench/users.ts)
      this.armedAt = 0;
      setImmediate(this.tick);
    } else this.armNext();
  };

  /** Wakes what is due in slot `t`; false when the budget ran out first (the slot keeps the rest). */
  private runSlot(t: number, now: number, deadline: number): boolean {
    const slot = this.slots[t & MASK]!;
    const n = slot.length;
    if (n === 0) return true;
    let kept = 0;
    let woken = 0;
    for (let i = 0; i < n; i++) {
      if (woken === CLOCK_EVERY) {
        woken = 0;
        if (performance.now() > deadline) {
          // keep the rest, and those filed into this slot meanwhile, for the next turn
          for (let j = i; j < slot.length; j++) slot[kept++] = slot[j]!;
          slot.length = kept;
          return false;
        }
      }
      const s = slot[i]!;
      const at = s.wakeAt;
      if (at !== 0 && at <= now) {
        this.entries--;
        woken++;
        this.wakes++;
        this.lateSumMs += now - at;
        s.wakeAt = 0;
        try {
          s.wakeUp();
        } catch (err) {
          // not ours to handle, and the slot must still be put in order
          queueMicrotask(() => {
            throw err;
          });
        }
      } else if (at > now && (at & MASK) === (t & MASK)) {
        slot[kept++] = s; // a later lap
      } else {
        this.entries--; // woken, cancelled, or filed elsewhere since
      }
    }
    // sleepers woken above may have filed themselves into this slot again
    for (let i = n; i < slot.length; i++) slot[kept++] = slot[i]!;
    slot.length = kept;
    return true;
  }

  private armNext(): void {
    if (this.entries === 0) return;
    for (let t = this.cursor; t < this.cursor + SLOTS; t++) {
      if (this.slots[t & MASK]!.length > 0) return this.arm(t);
    }
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = at;
    // whole ms: Node's timers count in them anyway
    this.timer = setTimeout(this.tick, Math.max(0, Math.ceil(at - performance.now())));
  }
}
