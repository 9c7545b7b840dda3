import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst up to its capacity, then its rate', () => {
    const b = new TokenBucket(3, 2, 0);
    expect([b.take(1, 0), b.take(1, 0), b.take(1, 0), b.take(1, 0)]).toEqual([true, true, true, false]);
    expect(b.take(1, 499)).toBe(false);
    expect(b.take(1, 500)).toBe(true);
    expect(b.take(2, 10_000)).toBe(true);
    expect(b.take(5, 20_000)).toBe(false);
  });
});
