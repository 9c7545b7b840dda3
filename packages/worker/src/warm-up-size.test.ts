import { describe, expect, it } from 'vitest';
import { segmentsFor, type ExecutorConfig, type ScenarioPlan } from '@volley/shared';
import { openingArrivals, openingPeakVus, WARM_UP_FULL, WARM_UP_MIN, WARM_UP_ONE_CORE, warmUpCap, warmUpSize } from './warm-up-size.js';

const plan = (executor: ExecutorConfig, startTimeMs = 0): ScenarioPlan => ({ name: 's', startTimeMs, gracefulStopMs: 0, executor });
const rate = (r: number, timeUnitMs = 1000): ExecutorConfig => ({
  type: 'constant-arrival-rate',
  rate: r,
  timeUnitMs,
  durationMs: 10_000,
  preAllocatedVUs: 10,
  maxVUs: 10,
});
const [one] = segmentsFor([1]);
// what a process that may use two cores sends; one core's cap is its own test
const warmUpSizeTwo = (scenarios: readonly ScenarioPlan[], seg: Parameters<typeof warmUpSize>[1]): number =>
  warmUpSize(scenarios, seg, warmUpCap(2));

describe('warm-up size', () => {
  it('is the least for a light opening and the whole for a heavy one', () => {
    expect(warmUpSizeTwo([plan(rate(100))], one!)).toBe(WARM_UP_MIN);
    expect(warmUpSizeTwo([plan({ type: 'constant-vus', vus: 2, durationMs: 1000 })], one!)).toBe(WARM_UP_MIN);
    expect(warmUpSizeTwo([plan(rate(300))], one!)).toBe(270);
    expect(warmUpSizeTwo([plan(rate(500))], one!)).toBe(750);
    expect(warmUpSizeTwo([plan(rate(5000))], one!)).toBe(WARM_UP_FULL);
    expect(warmUpSizeTwo([plan({ type: 'constant-vus', vus: 50, durationMs: 1000 })], one!)).toBe(WARM_UP_FULL);
    expect(warmUpSizeTwo([plan({ type: 'shared-iterations', vus: 20, iterations: 100, maxDurationMs: 1000 })], one!)).toBe(480);
  });

  it('reads the rate per its time unit, and adds up the scenarios, whenever they start', () => {
    expect(warmUpSizeTwo([plan(rate(30_000, 60_000))], one!)).toBe(750);
    expect(warmUpSizeTwo([plan(rate(300)), plan(rate(200), 30_000)], one!)).toBe(750);
  });

  it('counts this worker’s share only', () => {
    const [a, b] = segmentsFor([3, 1]);
    expect(warmUpSizeTwo([plan(rate(800))], a!)).toBe(1080);
    expect(warmUpSizeTwo([plan(rate(800))], b!)).toBe(120);
    expect(warmUpSizeTwo([plan({ type: 'constant-vus', vus: 40, durationMs: 1000 })], b!)).toBe(120);
  });

  it('takes a ramp’s first second: the arrivals due in it, the most VUs it holds', () => {
    // 0 → 1,000/s over 10 s: 50 due in the first second
    expect(openingArrivals(0, [{ durationMs: 10_000, target: 1000 }], 1000)).toBeCloseTo(50);
    // a 200 ms spike to 2,000/s, then 100/s
    expect(
      openingArrivals(
        0,
        [
          { durationMs: 200, target: 2000 },
          { durationMs: 0, target: 100 },
          { durationMs: 5000, target: 100 },
        ],
        1000,
      ),
    ).toBeCloseTo(200 + 80);
    expect(openingArrivals(100, [{ durationMs: 500, target: 100 }], 1000)).toBeCloseTo(50);
    expect(openingPeakVus(0, [{ durationMs: 10_000, target: 100 }])).toBe(10);
    expect(
      openingPeakVus(5, [
        { durationMs: 500, target: 40 },
        { durationMs: 10_000, target: 0 },
      ]),
    ).toBe(40);
    expect(openingPeakVus(7, [])).toBe(7);
    expect(
      warmUpSizeTwo(
        [plan({ type: 'ramping-vus', startVUs: 0, stages: [{ durationMs: 30_000, target: 1500 }], gracefulRampDownMs: 0 })],
        one!,
      ),
    ).toBe(WARM_UP_FULL);
  });

  it('sends less on one core, where the compiler shares the core with the run', () => {
    expect(warmUpCap(1)).toBe(WARM_UP_ONE_CORE);
    expect(warmUpCap(2)).toBe(WARM_UP_FULL);
    expect(warmUpSize([plan(rate(5000))], one!, warmUpCap(1))).toBe(WARM_UP_ONE_CORE);
    expect(warmUpSize([plan({ type: 'constant-vus', vus: 50, durationMs: 1000 })], one!, warmUpCap(1))).toBe(WARM_UP_ONE_CORE);
    // below the cap, the size is the same as with two
    expect(warmUpSize([plan(rate(300))], one!, warmUpCap(1))).toBe(270);
    expect(warmUpSize([plan(rate(100))], one!, warmUpCap(1))).toBe(WARM_UP_MIN);
  });
});
