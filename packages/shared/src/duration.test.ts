import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['500ms', 500],
    ['1.5s', 1500],
    ['10', 10_000],
    [' 5s ', 5000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'abc', '10x', '1m 30s', '-1s', 's'])('rejects %j and names the option', (text) => {
    expect(() => parseDuration(text, '--run-time')).toThrow(/--run-time: ".*" is not a duration/);
  });

  it('formats', () => {
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(30_000)).toBe('30s');
  });
});
