import { describe, expect, it } from 'vitest';
import { parseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it.each([
    ['1048576', 1048576],
    ['4MB', 4e6],
    ['4 MiB', 4 * 1024 ** 2],
    ['512kib', 524288],
    ['0', 0],
    ['1.5kb', 1500],
  ])('%s is %d bytes', (t, n) => {
    expect(parseByteSize(t, '--x')).toBe(n);
  });
  it.each(['', 'MB', '4 parsecs', '-1', '1e99GB'])('refuses %j, naming the option', (t) => {
    expect(() => parseByteSize(t, '--max-body-size')).toThrow(/^--max-body-size /);
  });
});
