import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { Recorder } from '../recorder.js';
import { TimerWheel } from '../timer-wheel.js';
import { createHttpClient } from '../http/client.js';
import { ConnectionPool } from '../http/connections.js';
import type { IterationSource } from '../vu.js';
import { ArrivalRate } from './arrival-rate.js';
import type { ExecutorDeps } from './group.js';

/** Iterations that only count themselves (no traffic): what is under test is when they start. */
function deps(recorder: Recorder, onIteration: () => void): ExecutorDeps {
  const pool = new ConnectionPool();
  const source: IterationSource = { name: 'counter', iterate: onIteration, waitMs: () => 0 };
  return {
    segment: { weights: [1], index: 0 },
    sourceFor: () => source,
    makeClient: (takeDue, group) =>
      createHttpClient({ baseUrl: new URL('http://127.0.0.1:9'), connections: pool.forVu(), recorder, takeDue, group }),
    recorder,
    env: {},
    setupData: () => undefined,
    files: {},
    wheel: new TimerWheel(),
    log: pino({ level: 'silent' }),
  };
}

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
      deps(recorder, () => void iterations++),
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
