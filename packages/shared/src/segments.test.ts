import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nthOwnedUnit, ownsUnit, segmentsFor, shareOf } from './segments.js';
import { planSteps, usersToStages, vusAt } from './plan.js';
import type { Stage } from './stages.js';

const weightsArb = fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 64 });

describe('execution segments', () => {
  it('shares sum to the total for every total 0..10000 and 1..64 workers', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        const segs = segmentsFor(weights);
        for (let total = 0; total <= 10_000; total++) {
          let sum = 0;
          for (const s of segs) sum += shareOf(total, s);
          if (sum !== total) return false;
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it("a segment's n-th own unit is its own, in order, and no other segment's (iterationInTest)", () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 1, max: 500 }), (weights, n) => {
        const segs = segmentsFor(weights);
        const seen = new Set<number>();
        for (const s of segs) {
          let last = 0;
          for (let i = 1; i <= n; i++) {
            const u = nthOwnedUnit(i, s);
            if (!ownsUnit(u, s) || shareOf(u, s) !== i || u <= last || seen.has(u)) return false;
            seen.add(u);
            last = u;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('equal weights split as evenly as possible (no remainder dropped, as autocannon does)', () => {
    const segs = segmentsFor([1, 1, 1]);
    expect(segs.map((s) => shareOf(10, s))).toEqual([4, 3, 3]);
    expect(segs.map((s) => shareOf(2, s))).toEqual([1, 1, 0]);
  });

  it('a share never shrinks while the total grows, and stays within two units of proportional', () => {
    fc.assert(
      fc.property(weightsArb, (weights) => {
        const den = weights.reduce((a, b) => a + b, 0);
        for (const s of segmentsFor(weights)) {
          let prev = 0;
          for (let total = 0; total <= 2000; total++) {
            const share = shareOf(total, s);
            if (share < prev || Math.abs(share - (total * weights[s.index]!) / den) >= 2) return false;
            prev = share;
          }
        }
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('exactly one segment owns each unit number', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer({ min: 1, max: 5000 }), (weights, k) => {
        return segmentsFor(weights).filter((s) => ownsUnit(k, s)).length === 1;
      }),
    );
  });
});

const stagesArb: fc.Arbitrary<Stage[]> = fc.array(
  fc.record({ durationMs: fc.integer({ min: 0, max: 20_000 }), target: fc.integer({ min: 0, max: 10_000 }) }),
  { minLength: 1, maxLength: 4 },
);

/** A worker's VU count at t according to its steps. */
function fromSteps(steps: readonly { atMs: number; vus: number }[], t: number): number {
  let v = 0;
  for (const s of steps) {
    if (s.atMs > t) break;
    v = s.vus;
  }
  return v;
}

describe('ramp plans', () => {
  it('the steps of every segmentation sum to the unsplit ramp at every step of a ramp', () => {
    fc.assert(
      fc.property(stagesArb, fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 64 }), (stages, weights) => {
        const segs = segmentsFor(weights);
        const plans = segs.map((s) => planSteps(stages, s));
        // check at every instant where any worker changes, and just before it
        const instants = new Set<number>([0]);
        for (const p of plans)
          for (const s of p) {
            instants.add(s.atMs);
            instants.add(Math.max(0, s.atMs - 1));
          }
        // in time order, each plan read once from its start (fromSteps at each instant was cubic: 20 s on Node 22)
        const at = plans.map(() => 0);
        const held = plans.map(() => 0);
        for (const t of [...instants].sort((a, b) => a - b)) {
          let sum = 0;
          plans.forEach((p, i) => {
            while (at[i]! < p.length && p[at[i]!]!.atMs <= t) held[i] = p[at[i]!++]!.vus;
            sum += held[i]!;
          });
          if (sum !== vusAt(stages, t))
            throw new Error(
              `at ${t} ms workers hold ${sum}, the ramp says ${vusAt(stages, t)} (${plans.map((p) => fromSteps(p, t)).join('+')})`,
            );
        }
        return true;
      }),
      { numRuns: 100 },
    );
  });

  it('follows Locust: 200 users at 50/s for 30 s ramps over 4 s, then holds', () => {
    const stages = usersToStages(200, 50, 30_000);
    expect(stages).toEqual([
      { durationMs: 4000, target: 200 },
      { durationMs: 26_000, target: 200 },
    ]);
    expect(vusAt(stages, 0)).toBe(0);
    expect(vusAt(stages, 20)).toBe(1);
    expect(vusAt(stages, 1000)).toBe(50);
    expect(vusAt(stages, 10_000)).toBe(200);
  });

  it('plans a small ramp as literal steps', () => {
    const [a, b] = segmentsFor([1, 1]);
    const stages = [
      { durationMs: 4000, target: 4 },
      { durationMs: 1000, target: 4 },
      { durationMs: 2000, target: 0 },
    ];
    // units are dealt 1→a, 2→b, 3→a, 4→b; ramping down, the newest leave first
    expect(planSteps(stages, a!)).toEqual([
      { atMs: 1000, vus: 1 },
      { atMs: 3000, vus: 2 },
      { atMs: 5501, vus: 1 },
      { atMs: 6501, vus: 0 },
    ]);
    expect(planSteps(stages, b!)).toEqual([
      { atMs: 2000, vus: 1 },
      { atMs: 4000, vus: 2 },
      { atMs: 5001, vus: 1 },
      { atMs: 6001, vus: 0 },
    ]);
  });

  it('stops the ramp where a short run ends', () => {
    expect(usersToStages(100, 10, 5000)).toEqual([{ durationMs: 5000, target: 50 }]);
  });
});
