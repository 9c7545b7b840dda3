import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import { ArrivalRate } from './arrival-rate.js';
import { testDeps } from './test-deps.js';

const dropped = (recorder: Recorder): number =>
  recorder
    .cut()
    .filter((s) => s.metric === 'dropped_iterations')
    .reduce((n, s) => n + (s.kind === 'counter' ? s.value : 0), 0);

describe('arrival rate', () => {
  it('a start told after its instant runs the arrivals already due on its pre-allocated VUs, dropping none', async () => {
    const recorder = new Recorder();
    let iterations = 0;
    const executor = new ArrivalRate(
      {
        type: 'constant-arrival-rate',
        rate: 100,
        timeUnitMs: 1000,
        durationMs: 60_000,
        preAllocatedVUs: 5,
        maxVUs: 5,
        queue: undefined,
      },
      { weights: [1], index: 0 },
      testDeps({ name: 'counter', iterate: () => void iterations++, waitMs: () => 0 }, recorder),
      0,
    );
    // the start message came 25 ms late: the arrivals due at 0, 10 and 20 ms are past
    executor.start(performance.now() - 25);
    await new Promise((r) => setTimeout(r, 2));
    expect(iterations).toBeGreaterThanOrEqual(3);
    expect(dropped(recorder)).toBe(0);
    await executor.stop(0);
  });
});
