import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rescaleStages, stagesDuration, usersToStages, vusAt } from './plan.js';

describe('rescaleStages', () => {
  it("ramps from the VUs of the instant to the new count at the new rate, and keeps the run's end", () => {
    const stages = usersToStages(50, 10, 60_000); // 5 s ramp, then hold
    const out = rescaleStages(stages, 20_000, 200, 50);
    expect(out).toEqual([
      { durationMs: 5_000, target: 50 },
      { durationMs: 15_000, target: 50 },
      { durationMs: 3_000, target: 200 },
      { durationMs: 37_000, target: 200 },
    ]);
    expect(stagesDuration(out)).toBe(60_000);
    expect(vusAt(out, 21_500)).toBe(125);
  });

  it('cuts a ramp where the change lands, and ramps down at the spawn rate', () => {
    const out = rescaleStages(usersToStages(100, 10, 60_000), 4_000, 10, 5); // 40 users at 4 s
    expect(out).toEqual([
      { durationMs: 4_000, target: 40 },
      { durationMs: 6_000, target: 10 },
      { durationMs: 50_000, target: 10 },
    ]);
  });

  it('stops a ramp the run cannot finish where the run ends', () => {
    expect(rescaleStages([{ durationMs: 10_000, target: 10 }], 8_000, 1_000, 10)).toEqual([
      { durationMs: 8_000, target: 8 },
      { durationMs: 2_000, target: 28 },
    ]);
  });

  it('refuses what cannot be: a run that is over, a bad count or rate', () => {
    expect(() => rescaleStages([{ durationMs: 1_000, target: 1 }], 1_000, 5, 1)).toThrow(/the run is ending/);
    expect(() => rescaleStages([{ durationMs: 1_000, target: 1 }], 0, -1, 1)).toThrow(/users must be a whole number ≥ 0, got -1/);
    expect(() => rescaleStages([{ durationMs: 1_000, target: 1 }], 0, 1, 0)).toThrow(/spawn rate must be above 0, got 0/);
  });

  it('keeps the past as it was (within one VU on a cut ramp), reaches the new count, and ends when the run ends', () => {
    const stage = fc.record({ durationMs: fc.integer({ min: 0, max: 20_000 }), target: fc.integer({ min: 0, max: 500 }) });
    fc.assert(
      fc.property(
        fc.array(stage, { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0.5, max: 500, noNaN: true }),
        (stages, where, users, rate) => {
          const total = stagesDuration(stages);
          fc.pre(total > 1);
          const at = Math.floor(where * (total - 1));
          const out = rescaleStages(stages, at, users, rate);
          expect(stagesDuration(out)).toBe(total);
          for (let t = 0; t < at; t += Math.max(1, Math.floor(at / 50)))
            expect(Math.abs(vusAt(out, t) - vusAt(stages, t))).toBeLessThanOrEqual(1);
          expect(vusAt(out, at)).toBe(vusAt(stages, at));
          const reach = at + Math.round((Math.abs(users - vusAt(stages, at)) / rate) * 1000);
          if (reach < total) expect(vusAt(out, reach)).toBe(users);
        },
      ),
      { numRuns: 300 },
    );
  });
});
