import { describe, expect, it } from 'vitest';
import { between, constant, constantPacing, constantThroughput } from '@volley/shared/scenario';
import { waitFor } from './vu.js';

describe('wait times', () => {
  it('between, constant, pacing and throughput', () => {
    for (let i = 0; i < 100; i++) {
      const w = waitFor(between(1, 3), 0);
      expect(w).toBeGreaterThanOrEqual(1000);
      expect(w).toBeLessThanOrEqual(3000);
    }
    expect(waitFor(constant(2), 500)).toBe(2000);
    expect(waitFor(constantPacing(2), 500)).toBe(1500);
    expect(waitFor(constantPacing(2), 2500)).toBe(0);
    expect(waitFor(constantThroughput(4), 100)).toBe(150);
    expect(waitFor(undefined, 100)).toBe(0);
  });
});
