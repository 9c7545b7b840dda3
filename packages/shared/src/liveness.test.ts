import { describe, expect, it } from 'vitest';
import { DEAD_MAN_MS, LIVENESS_TICK_MS, MEMBER_LOST_MS, memberLiveness } from './liveness.js';

describe('member liveness', () => {
  it('keeps a member through a short cut and drops it before 5 s', () => {
    expect(memberLiveness(0, true, 1000)).toBe('alive');
    expect(memberLiveness(0, false, 1000)).toBe('unheard');
    expect(memberLiveness(0, false, 3000)).toBe('unheard');
    expect(memberLiveness(0, true, 4000)).toBe('unheard');
    expect(memberLiveness(0, false, 4501)).toBe('lost');
  });

  it('moves a share only after the worker’s own dead-man switch stopped it, and within 5 s', () => {
    expect(MEMBER_LOST_MS).toBeGreaterThan(DEAD_MAN_MS);
    expect(MEMBER_LOST_MS + LIVENESS_TICK_MS).toBeLessThan(5000);
  });
});
