import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { segmentsFor, type ScenarioPlan } from '@volley/shared';
import { addOwed, movedShare, owedAtStart, unfinishedIterations } from './shares.js';

const sharedIterations = (vus: number, iterations: number): ScenarioPlan => ({
  name: 'once',
  startTimeMs: 0,
  gracefulStopMs: 0,
  executor: { type: 'shared-iterations', vus, iterations, maxDurationMs: 60_000 },
});

describe('shares', () => {
  it('owes every iteration exactly once across the members at the start', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 500 }),
        (weights, vus, iterations) => {
          const total = segmentsFor(weights).reduce(
            (sum, seg) => sum + (owedAtStart([sharedIterations(vus, iterations)], seg).get('once') ?? 0),
            0,
          );
          expect(total).toBe(iterations);
        },
      ),
    );
  });

  it("moves a lost member's unfinished iterations to the others without losing or doubling one", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (weights, owed, done) => {
          const left = unfinishedIterations(new Map([['once', owed]]), new Map([['once', done]]));
          expect(left.get('once') ?? 0).toBe(Math.max(0, owed - done));
          const parts = segmentsFor(weights).map((seg) => movedShare(left, seg).get('once') ?? 0);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(Math.max(0, owed - done));
        },
      ),
    );
  });

  it('adds what is moved to what a member owed', () => {
    const owed = new Map([['a', 3]]);
    addOwed(
      owed,
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    expect([...owed]).toEqual([
      ['a', 5],
      ['b', 1],
    ]);
  });
});
