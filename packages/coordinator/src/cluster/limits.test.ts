import { describe, expect, it } from 'vitest';
import type { ScenarioPlan } from '@volley/shared';
import { checkLimits, DEFAULT_LIMITS, peakRatePerSecond } from './limits.js';

const ramp = (users: number, ms = 60_000): ScenarioPlan => ({
  name: 'r',
  startTimeMs: 0,
  gracefulStopMs: 0,
  executor: { type: 'ramping-vus', startVUs: 0, stages: [{ durationMs: ms, target: users }], gracefulRampDownMs: 0 },
});
const rate = (perUnit: number, unitMs: number): ScenarioPlan => ({
  name: 'a',
  startTimeMs: 0,
  gracefulStopMs: 0,
  executor: { type: 'constant-arrival-rate', rate: perUnit, timeUnitMs: unitMs, durationMs: 10_000, preAllocatedVUs: 1, maxVUs: 1 },
});

describe('run limits', () => {
  it('passes what fits and names the first limit a plan is over, with its option', () => {
    expect(() => checkLimits([ramp(1000)], { users: 1000, runTimeMs: 60_000 }, DEFAULT_LIMITS)).not.toThrow();
    expect(() => checkLimits([ramp(10)], { users: 10_000_000, runTimeMs: 60_000 }, DEFAULT_LIMITS)).toThrow(
      "10000000 users is over this coordinator's limit of 1000000 (--max-users)",
    );
    expect(() => checkLimits([ramp(10, 31 * 24 * 3_600_000)], { users: 10, runTimeMs: 60_000 }, DEFAULT_LIMITS)).toThrow(
      "a run of 744h is over this coordinator's limit of 24h (--max-duration)",
    );
    expect(() => checkLimits([rate(5000, 1000)], { users: 1, runTimeMs: 10_000 }, { ...DEFAULT_LIMITS, maxRatePerSecond: 1000 })).toThrow(
      "an arrival rate of 5000/s is over this coordinator's limit of 1000/s (--max-rate)",
    );
  });

  it("adds the scenarios' peak rates, per second", () => {
    const ramping: ScenarioPlan = {
      name: 'b',
      startTimeMs: 0,
      gracefulStopMs: 0,
      executor: {
        type: 'ramping-arrival-rate',
        startRate: 1,
        timeUnitMs: 60_000,
        stages: [
          { durationMs: 1000, target: 600 },
          { durationMs: 1000, target: 60 },
        ],
        preAllocatedVUs: 1,
        maxVUs: 1,
      },
    };
    expect(peakRatePerSecond([rate(50, 100), ramping, ramp(5)])).toBe(500 + 10);
  });
});
