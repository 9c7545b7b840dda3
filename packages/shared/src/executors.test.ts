import { describe, expect, it } from 'vitest';
import { arrivalTime } from './executors.js';

describe('arrival times', () => {
  it('a constant rate spaces iterations evenly from 0', () => {
    const st = [{ durationMs: 1000, target: 10 }];
    expect([1, 2, 3, 10].map((k) => arrivalTime(k, 10, st, 1000))).toEqual([0, 100, 200, 900]);
    expect(arrivalTime(11, 10, st, 1000)).toBeUndefined();
  });

  it('a linear ramp from 0 to 20/s over 1 s brings 10 iterations at the square-root times', () => {
    const st = [{ durationMs: 1000, target: 20 }];
    // integral = 10·t² (t in s): iteration k is due at sqrt((k−1)/10) s
    for (const k of [1, 2, 5, 10]) expect(arrivalTime(k, 0, st, 1000)).toBeCloseTo(1000 * Math.sqrt((k - 1) / 10), 6);
    expect(arrivalTime(11, 0, st, 1000)).toBeUndefined();
  });

  it('carries across stages and skips a zero-rate gap', () => {
    const st = [
      { durationMs: 1000, target: 10 },
      { durationMs: 1000, target: 0 },
      { durationMs: 1000, target: 0 },
      { durationMs: 0, target: 10 },
      { durationMs: 1000, target: 10 },
    ];
    const times: number[] = [];
    for (let k = 1; ; k++) {
      const t = arrivalTime(k, 10, st, 1000);
      if (t === undefined) break;
      times.push(t);
    }
    expect(times.length).toBe(25); // 10 + 5 (ramp down) + 0 + 10
    expect(times.filter((t) => t >= 2000 && t < 3000)).toEqual([]);
    expect(times.slice(15, 17)).toEqual([3000, 3100]);
  });
});
