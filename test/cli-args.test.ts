import { describe, expect, it } from 'vitest';
import { args } from './cli-args.js';

describe('args', () => {
  it('splits on whitespace, keeps a value whole, glues it to its text, and spreads an array standing alone', () => {
    const api = ['--coordinator', 'http://127.0.0.1:1'];
    expect(args`run ${'a b.ts'} --vus 2 -e URL=${'http://x'}/y ${api} --json ${''}`).toEqual([
      'run',
      'a b.ts',
      '--vus',
      '2',
      '-e',
      'URL=http://x/y',
      '--coordinator',
      'http://127.0.0.1:1',
      '--json',
      '',
    ]);
    expect(args`
      start   x.ts
    `).toEqual(['start', 'x.ts']);
  });
  it('refuses an array glued to text', () => {
    expect(() => args`--a=${['x']}`).toThrow(/stand alone/);
  });
});
