import { describe, expect, it } from 'vitest';
import { plansFromOptions } from './scenario-options.js';
import { k6Load } from './run-options.js';

describe("k6's load shortcuts, from a script's options or from k6's flags", () => {
  it('reads vus with duration as constant-vus, iterations (with a duration as its limit) as shared-iterations, stages as ramping-vus', () => {
    expect(plansFromOptions({ vus: 5, duration: '30s' }, 1)?.[0]?.executor).toEqual({ type: 'constant-vus', vus: 5, durationMs: 30_000 });
    expect(plansFromOptions({ vus: 2, iterations: 10 }, 1)?.[0]?.executor).toEqual({
      type: 'shared-iterations',
      vus: 2,
      iterations: 10,
      maxDurationMs: 600_000,
    });
    expect(plansFromOptions({ vus: 2, iterations: 10, duration: '5s' }, 1)?.[0]?.executor).toEqual({
      type: 'shared-iterations',
      vus: 2,
      iterations: 10,
      maxDurationMs: 5000,
    });
    expect(plansFromOptions({ stages: [{ duration: '10s', target: 4 }] }, 0.5)?.[0]?.executor).toMatchObject({
      type: 'ramping-vus',
      stages: [{ durationMs: 5000, target: 4 }],
    });
    expect(plansFromOptions({}, 1)).toBeUndefined();
  });

  it("turns k6's flags into those options", () => {
    expect(k6Load({})).toBeUndefined();
    expect(k6Load({ stage: [] })).toBeUndefined();
    expect(k6Load({ vus: 50, duration: '1m' })).toEqual({ vus: 50, duration: '1m', iterations: undefined });
    expect(k6Load({ duration: '10s' })).toEqual({ vus: 1, duration: '10s', iterations: undefined });
    expect(k6Load({ vus: 4, iterations: 100 })).toEqual({ vus: 4, duration: undefined, iterations: 100 });
    expect(k6Load({ stage: ['30s:100', '1m:100', '10s:0'] })).toEqual({
      stages: [
        { duration: '30s', target: 100 },
        { duration: '1m', target: 100 },
        { duration: '10s', target: 0 },
      ],
    });
    expect(() => k6Load({ vus: 2, duration: '1s', runTime: '1s' })).toThrow(/--vus sets the load as k6 does and --run-time as Locust does/);
    expect(() => k6Load({ iterations: 1.5 })).toThrow(/--iterations must be a whole number ≥ 1, got 1.5/);
    expect(() => k6Load({ duration: '0s' })).toThrow(/--duration must be above 0/);
  });
});
