import { describe, expect, it } from 'vitest';
import { DashboardSessions, MAX_SESSIONS, SESSION_IDLE_MS } from './sessions.js';

describe('DashboardSessions', () => {
  it('knows the ids it made, while they are used', () => {
    const s = new DashboardSessions();
    const a = s.create(0);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(s.valid(a, 1)).toBe(true);
    expect(
      s.valid(
        a.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
        1,
      ),
    ).toBe(false);
    expect(s.valid(undefined, 1)).toBe(false);
    expect(s.valid('x', 1)).toBe(false);
    // each use extends it
    expect(s.valid(a, SESSION_IDLE_MS)).toBe(true);
    expect(s.valid(a, 2 * SESSION_IDLE_MS)).toBe(true);
    expect(s.valid(a, 3 * SESSION_IDLE_MS + 1)).toBe(false);
    expect(s.valid(a, 3 * SESSION_IDLE_MS + 2)).toBe(false);
  });

  it('keeps at most MAX_SESSIONS, dropping the least recently used', () => {
    const s = new DashboardSessions();
    const first = s.create(0);
    const second = s.create(0);
    expect(s.valid(first, 1)).toBe(true);
    for (let i = 0; i < MAX_SESSIONS - 1; i++) s.create(2);
    expect(s.valid(second, 3)).toBe(false);
    expect(s.valid(first, 3)).toBe(true);
  });
});
