import { describe, expect, it } from 'vitest';
import { formatExchange } from './debug.js';

describe("--http-debug's text", () => {
  const req = { method: 'POST', url: 'http://t/x', headers: { 'content-type': 'text/plain' }, body: 'a\nb' };

  it('shows a transport failure for what it is, and repeated response headers one a line', () => {
    expect(formatExchange('full', req, { status: 0, headers: {}, body: Buffer.alloc(0), durationMs: 3, error: 'ECONNREFUSED' })).toBe(
      '> POST http://t/x\n> content-type: text/plain\n>\n> a\n> b\n< (no response: ECONNREFUSED, after 3.00 ms)\n\n',
    );
    expect(
      formatExchange('headers', req, { status: 200, headers: { 'set-cookie': ['a=1', 'b=2'] }, body: Buffer.from('ok'), durationMs: 1 }),
    ).toBe('> POST http://t/x\n> content-type: text/plain\n< 200 (1.00 ms)\n< set-cookie: a=1\n< set-cookie: b=2\n\n');
  });

  it('cuts a long body, and says by how much', () => {
    const text = formatExchange(
      'full',
      { method: 'GET', url: 'http://t/' },
      { status: 200, headers: {}, body: Buffer.from('x'.repeat(20_000)), durationMs: 1 },
    );
    expect(text).toMatch(/^< x{16384}… \(3616 more characters\)$/m);
  });
});
