import { describe, expect, it } from 'vitest';
import type { IterationSource } from '../vu.js';
import { RampingVus } from './ramping-vus.js';
import { testDeps } from './test-deps.js';

/** Users that do nothing but think (no traffic): what is under test is how many there are. */
const deps = () => testDeps({ name: 'thinker', iterate: () => undefined, waitMs: () => 60_000 } satisfies IterationSource);

describe('ramping VUs', () => {
  it('new stages (a scaled run) take effect from their instant, the past kept', async () => {
    const stages = [
      { durationMs: 0, target: 10 },
      { durationMs: 60_000, target: 10 },
    ];
    const ramp = new RampingVus({ type: 'ramping-vus', startVUs: 0, stages, gracefulRampDownMs: 0 }, { weights: [1], index: 0 }, deps(), 0);
    const start = performance.now();
    ramp.start(start);
    await new Promise((r) => setTimeout(r, 20));
    expect(ramp.vus).toBe(10);
    // from 100 ms after the start: to 40 at once, then hold
    const at = Math.ceil(performance.now() - start) + 100;
    ramp.restage([
      { durationMs: 0, target: 10 },
      { durationMs: at, target: 10 },
      { durationMs: 0, target: 40 },
      { durationMs: 60_000 - at, target: 40 },
    ]);
    expect(ramp.vus).toBe(10); // not before its instant
    await new Promise((r) => setTimeout(r, 150));
    expect(ramp.vus).toBe(40);
    ramp.restage([
      { durationMs: 0, target: 10 },
      { durationMs: 1, target: 3 },
      { durationMs: 59_999, target: 3 },
    ]); // its instant is past: at once
    expect(ramp.vus).toBe(3);
    await ramp.stop(0);
  });

  it('a ramp that fell behind a busy loop catches up at its next timer, not one step per timer', async () => {
    const ramp = new RampingVus(
      {
        type: 'ramping-vus',
        startVUs: 0,
        stages: [
          { durationMs: 500, target: 2000 },
          { durationMs: 60_000, target: 2000 },
        ],
        gracefulRampDownMs: 0,
      },
      { weights: [1], index: 0 },
      deps(),
      0,
    );
    ramp.start(performance.now());
    // the loop is busy past the whole ramp: 2,000 steps are due
    const until = performance.now() + 700;
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 30));
    expect(ramp.vus).toBe(2000);
    await ramp.stop(0);
    expect(ramp.vus).toBe(0);
  });

  it('stopping ends every thinking user at once, its think time cut short', async () => {
    const ramp = new RampingVus({ type: 'constant-vus', vus: 50, durationMs: 60_000 }, { weights: [1], index: 0 }, deps(), 0);
    ramp.start(performance.now());
    await new Promise((r) => setTimeout(r, 20));
    expect(ramp.vus).toBe(50);
    const began = performance.now();
    await ramp.stop(5_000);
    // each was asleep for a minute; none holds the stop up
    expect(performance.now() - began).toBeLessThan(1_000);
  });
});
