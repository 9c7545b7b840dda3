import { availableParallelism } from 'node:os';
import { shareOf, vusAt, type ScenarioPlan, type Segment, type Stage } from '@volley/shared';

/** The most a warm-up sends: enough for 50 VUs at full speed (bench/accuracy.ts). */
export const WARM_UP_FULL = 3000;
/**
 * The most on a single core, where V8's optimizing compiler shares the
 * core with the run: a longer warm-up sent more CPU to it and did not
 * make the first second faster. One core, first-second p99 against a 20
 * ms target, medians of 16–20 runs, 1,000 against 3,000: 5,000/s, 31.1
 * against 33.2 ms (0.06 CPU-s less for the run); 1,000/s, 25.4 against
 * 26.6; 50 VUs, 25.5 against 27.7. Two cores, 5,000/s: 33.4 against 31.4,
 * so there the whole stays.
 */
export const WARM_UP_ONE_CORE = 1000;
/** The least: enough for V8 to have compiled the path once, which is most of what 100/s or 2 VUs gain from any warm-up. */
export const WARM_UP_MIN = 30;
/** How long after its start a scenario's load counts as its opening. */
const OPENING_MS = 1000;
/** iterations due in the first second, and VUs running in it, that need the whole warm-up */
const FULL_ARRIVALS = 1000;
const FULL_VUS = 50;

/**
 * How many warm-up requests (http/warm-up.ts) a worker sends before its
 * share of this plan, sized by what the plan asks of it in each scenario's
 * first second. A cold request path costs two things: each function's
 * first compile, which the first few dozen requests pay (the floor), and
 * a slower path for a few thousand requests after, which shows in the
 * reported latency only where the worker is busy — iterations queue
 * behind the slow ones at a high arrival rate, and responses that land
 * together wait for each other with many VUs. The queueing grows with
 * how busy the worker is, so the size grows with the square of the
 * opening's load: the whole at 1,000/s or 50 VUs, 270 at 300/s, the floor
 * at 100/s or 2 VUs, and never past `cap` (warmUpCap). A light opening
 * starts sooner for it.
 * Measured first-second p99 against a 20 ms target (Node 26, medians):
 * two cores, 20–24 runs each: 100/s, 26.4 ms cold, 25.0 with 30, 24.9
 * with 100, 24.6 with 300; 300/s, 26.3 cold, 24.7 with 270, 24.4 with
 * 900; 2 VUs, 25.7 cold, 25.2–25.7 with 120 or 300. One core, 24 runs:
 * 100/s, 26.5 cold and 26.6 with 30, with 3 and 6 runs whose first-second
 * p99 passed 35 ms; in another invocation 28.2 cold and 27.1 with 300,
 * with 3 and 12 such runs (likely V8 optimizing what a large warm-up made
 * hot, on the core the run needs). One core, 6–8 runs: 1,000/s, 31.1
 * with 1,000, 30.6 with 2,000, 29.7 with 3,000; 50 VUs, 35 with 1,500,
 * 27–29 with 3,000 — runs of 16–20 did not bear that out (WARM_UP_ONE_CORE).
 * Every scenario's opening counts, whenever it starts: one that starts
 * later meets the same cold path if nothing before it was busy.
 */
export function warmUpSize(scenarios: readonly ScenarioPlan[], seg: Segment, cap = warmUpCap()): number {
  const fraction = seg.weights[seg.index]! / seg.weights.reduce((a, b) => a + b, 0);
  let arrivals = 0;
  let vus = 0;
  for (const { executor: e } of scenarios) {
    switch (e.type) {
      case 'constant-arrival-rate':
        arrivals += fraction * openingArrivals(e.rate, [{ durationMs: e.durationMs, target: e.rate }], e.timeUnitMs);
        break;
      case 'ramping-arrival-rate':
        arrivals += fraction * openingArrivals(e.startRate, e.stages, e.timeUnitMs);
        break;
      case 'ramping-vus':
        vus += shareOf(openingPeakVus(e.startVUs, e.stages), seg);
        break;
      default:
        vus += shareOf(e.vus, seg);
    }
  }
  const busy = Math.max(arrivals / FULL_ARRIVALS, vus / FULL_VUS);
  return Math.round(Math.min(cap, Math.max(WARM_UP_MIN, WARM_UP_FULL * busy * busy)));
}

/** The most this process sends: the whole where it may use more than one core (its affinity, as `taskset` sets it), less on one. */
export function warmUpCap(cores = availableParallelism()): number {
  return cores > 1 ? WARM_UP_FULL : WARM_UP_ONE_CORE;
}

/** Iterations due in the first OPENING_MS of a piecewise-linear rate (per timeUnitMs) from startRate through the stages. */
export function openingArrivals(startRate: number, stages: readonly Stage[], timeUnitMs: number): number {
  let area = 0;
  let at = 0;
  let from = startRate;
  for (const s of stages) {
    if (at >= OPENING_MS) break;
    const d = Math.min(s.durationMs, OPENING_MS - at);
    const to = s.durationMs === 0 ? s.target : from + ((s.target - from) * d) / s.durationMs;
    area += ((from + to) / 2) * d;
    at += s.durationMs;
    from = s.target;
  }
  return area / timeUnitMs;
}

/** The most VUs a ramp holds in its first OPENING_MS: it is linear between stage ends, so the peak is at one of them or at the window's end. */
export function openingPeakVus(startVus: number, stages: readonly Stage[]): number {
  let peak = startVus;
  let at = 0;
  for (const s of stages) {
    at += s.durationMs;
    if (at > OPENING_MS) return Math.max(peak, vusAt(stages, OPENING_MS, startVus));
    peak = Math.max(peak, s.target);
  }
  return peak;
}
