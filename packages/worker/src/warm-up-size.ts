import { shareOf, vusAt, type ScenarioPlan, type Segment, type Stage } from '@volley/shared';

/** The most a warm-up sends: enough for 50 VUs at full speed (bench/accuracy.ts). */
export const WARM_UP_FULL = 3000;
/** The least: a run of 2 VUs or 100/s reports the same first second with it as with the full one. */
export const WARM_UP_MIN = 300;
/** How long after its start a scenario's load counts as its opening. */
const OPENING_MS = 1000;
/** warm-up requests per iteration due in a scenario's first second */
const PER_ARRIVAL = 3;
/** warm-up requests per VU running in a scenario's first second */
const PER_VU = 60;

/**
 * How many warm-up requests (http/warm-up.ts) a worker sends before its
 * share of this plan, sized by what the plan asks of it in each scenario's
 * first second: a cold request path is slow for a few thousand requests,
 * and that shows in the reported latency only where the worker is busy —
 * at a high arrival rate, iterations queue behind the slow ones; with many
 * VUs, responses that land together wait for each other. A light opening
 * does not need the whole warm-up, and skipping it lets a run start sooner.
 * Measured first-second p99 against a 20 ms target (Node 26, one core,
 * medians of 6–8 runs): 100/s, 27.0 ms cold, 25.3 with 300, 25.1 with
 * 3,000; 1,000/s, 31.1 with 1,000, 30.6 with 2,000, 29.7 with 3,000; 2
 * VUs, 31.0 cold, 25.3 with 300; 50 VUs, 35 with 1,500, 27–29 with 3,000.
 * Every scenario's opening counts, whenever it starts: one that starts
 * later meets the same cold path if nothing before it was busy.
 */
export function warmUpSize(scenarios: readonly ScenarioPlan[], seg: Segment): number {
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
  return Math.round(Math.min(WARM_UP_FULL, Math.max(WARM_UP_MIN, PER_ARRIVAL * arrivals, PER_VU * vus)));
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
