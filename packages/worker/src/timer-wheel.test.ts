import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { grainFor, TICK_BUDGET_MS, TimerWheel, type Sleeper } from './timer-wheel.js';

/** how late a wake-up may be: a millisecond, or under 1 % of a long wait (coalescing) */
const slackOf = (ms: number): number => Math.max(1, Math.min(8, ms / 128)) + 1;

/** A sleeper that notes when it woke; `again` files it once more from its wake-up. */
class Probe implements Sleeper {
  wakeAt = 0;
  woke: number[] = [];
  again?: number;
  constructor(readonly wheel: TimerWheel) {}
  wakeUp(): void {
    this.woke.push(performance.now());
    const ms = this.again;
    this.again = undefined;
    if (ms !== undefined) this.wheel.file(this, ms);
  }
}

describe('timer wheel', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('wakes each filing once, never early and within a millisecond, whatever the waits and cancels', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('file' as const),
        who: fc.nat(7),
        ms: fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 8000, max: 20_000 })),
        again: fc.option(fc.integer({ min: 0, max: 9000 }), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('cancel' as const), who: fc.nat(7) }),
      fc.record({
        kind: fc.constant('advance' as const),
        ms: fc.oneof(fc.double({ min: 0, max: 5, noNaN: true }), fc.integer({ min: 0, max: 12_000 })),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        vi.setSystemTime(0);
        const wheel = new TimerWheel();
        const probes = Array.from({ length: 8 }, () => new Probe(wheel));
        // every filing that should fire: [probe, earliest, latest]
        const expected: { p: Probe; from: number; slack: number; wokeBefore: number }[] = [];
        const live = new Map<Probe, { from: number; slack: number; wokeBefore: number; again?: number }>();
        /** filings that fired move to `expected`; a wake-up that filed again is a new live filing */
        const settle = (): void => {
          for (const [p, f] of live) {
            if (p.woke.length <= f.wokeBefore) continue;
            expected.push({ p, from: f.from, slack: f.slack, wokeBefore: f.wokeBefore });
            live.delete(p);
            if (f.again !== undefined)
              live.set(p, { from: p.woke[f.wokeBefore]! + f.again, slack: slackOf(f.again), wokeBefore: f.wokeBefore + 1 });
          }
        };
        for (const o of ops) {
          if (o.kind === 'file') {
            const p = probes[o.who]!;
            if (live.has(p)) continue; // one filing at a time, as a VU sleeps
            const from = performance.now() + o.ms;
            live.set(p, { from, slack: slackOf(o.ms), wokeBefore: p.woke.length, again: o.again });
            p.again = o.again;
            wheel.file(p, o.ms);
          } else if (o.kind === 'cancel') {
            const p = probes[o.who]!;
            if (!live.has(p)) continue;
            wheel.cancel(p);
            p.again = undefined;
            live.delete(p);
          } else {
            vi.advanceTimersByTime(o.ms);
          }
          settle();
        }
        // run everything out: each live filing fires once
        vi.advanceTimersByTime(30_000);
        settle();
        expect(live.size).toBe(0);
        for (const e of expected) {
          const at = e.p.woke[e.wokeBefore];
          expect(at).toBeDefined();
          expect(at!).toBeGreaterThanOrEqual(e.from);
          expect(at!).toBeLessThanOrEqual(Math.ceil(e.from) + e.slack);
        }
        const fired = probes.reduce((n, p) => n + p.woke.length, 0);
        expect(fired).toBe(expected.length);
        expect(wheel.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('rounds long waits to a step under 1 % of the wait, at most 8 ms', () => {
    expect([0, 100, 255, 256, 512, 1000, 1024, 2000, 3000, 60_000].map(grainFor)).toEqual([1, 1, 1, 2, 4, 4, 8, 8, 8, 8]);
  });

  it('a cancelled sleeper filed again into the same millisecond wakes once', () => {
    vi.setSystemTime(0);
    const wheel = new TimerWheel();
    const p = new Probe(wheel);
    wheel.file(p, 100);
    wheel.cancel(p);
    wheel.file(p, 100);
    vi.advanceTimersByTime(200);
    expect(p.woke).toEqual([100]);
  });

  it('a sleeper filed in the millisecond just run wakes in the next, not a lap later', () => {
    vi.setSystemTime(0);
    const wheel = new TimerWheel();
    const [a, b, c] = [new Probe(wheel), new Probe(wheel), new Probe(wheel)];
    wheel.file(a, 10);
    wheel.file(b, 5000); // keeps the wheel from starting afresh
    vi.advanceTimersByTime(10);
    expect(a.woke).toEqual([10]);
    wheel.file(c, 0);
    vi.advanceTimersByTime(1);
    expect(c.woke).toEqual([11]);
  });

  it('a sleeper that files itself again with no wait, from its wake-up, wakes in the next millisecond', () => {
    vi.setSystemTime(0);
    const wheel = new TimerWheel();
    const p = new Probe(wheel);
    p.again = 0;
    wheel.file(p, 10);
    vi.advanceTimersByTime(12);
    expect(p.woke).toEqual([10, 11]);
  });

  it('waits longer than the wheel go round until due', () => {
    vi.setSystemTime(0);
    const wheel = new TimerWheel();
    const p = new Probe(wheel);
    wheel.file(p, 60_000);
    vi.advanceTimersByTime(59_999);
    expect(p.woke).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(p.woke).toEqual([60_000]);
  });

  it('an overloaded turn wakes a budget of users, lets the loop run, and wakes the rest in the next turns', async () => {
    vi.useRealTimers();
    const wheel = new TimerWheel();
    // a turn counter: one step per turn of the event loop
    let turn = 0;
    let spinning = true;
    const spin = (): void => {
      turn++;
      if (spinning) setImmediate(spin);
    };
    spin();
    const burn = (ms: number): void => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    let timerFired = Infinity;
    const woke: { at: number; turn: number }[] = [];
    const filedAt = performance.now();
    // 2,000 users due together, each costing 20 µs to wake: 40 ms of work, 8 budgets of 5 ms
    const sleepers: Sleeper[] = Array.from({ length: 2000 }, (_, i) => ({
      wakeAt: 0,
      wakeUp() {
        burn(0.02);
        woke.push({ at: performance.now(), turn });
        if (i === 0) setTimeout(() => (timerFired = woke.length), 0);
      },
    }));
    for (const s of sleepers) wheel.file(s, 5);
    while (woke.length < sleepers.length) await new Promise((r) => setTimeout(r, 5));
    spinning = false;
    expect(woke.length).toBe(2000); // once each
    expect(Math.min(...woke.map((w) => w.at))).toBeGreaterThanOrEqual(filedAt + 5);
    expect(TICK_BUDGET_MS).toBeLessThan(40); // what the numbers above assume
    expect(new Set(woke.map((w) => w.turn)).size).toBeGreaterThanOrEqual(4);
    // a timer set by the first wake-up ran before the last user woke
    expect(timerFired).toBeLessThan(2000);
    expect(wheel.size).toBe(0);
  });

  it('says how late its wake-ups came, on average, and starts over', async () => {
    vi.useRealTimers();
    const wheel = new TimerWheel();
    let woken = 0;
    const sleepers: Sleeper[] = Array.from({ length: 50 }, () => ({ wakeAt: 0, wakeUp: () => void woken++ }));
    for (const s of sleepers) wheel.file(s, 5);
    const end = performance.now() + 40;
    while (performance.now() < end); // the loop is busy past their time: they wake ~35 ms late
    while (woken < 50) await new Promise((r) => setTimeout(r, 5));
    expect(wheel.takeLateMs()).toBeGreaterThanOrEqual(30);
    expect(wheel.takeLateMs()).toBe(0);
  });
});
