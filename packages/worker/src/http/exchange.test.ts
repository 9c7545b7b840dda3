import { describe, expect, it } from 'vitest';
import { Exchange } from './exchange.js';
import type { Controller } from './http1-connection.js';

const controller = { abort: () => undefined } as unknown as Controller;

describe('Exchange', () => {
  it('keeps a body up to its cap and counts the rest, whatever the chunks', () => {
    const x = new Exchange(0, false, 10);
    x.onRequestStart(controller, 1);
    for (const c of ['abcd', 'efgh', 'ijkl', 'mnop']) x.onResponseData(controller, Buffer.from(c));
    expect(x.bodyBuffer().toString()).toBe('abcdefghij');
    expect(x.cut).toBe(6);
  });

  it("keeps nothing with a cap of 0 (k6's discardResponseBodies), and all without one", () => {
    const none = new Exchange(0, false, 0);
    none.onRequestStart(controller, 1);
    none.onResponseData(controller, Buffer.from('abc'));
    expect(none.bodyBuffer()).toHaveLength(0);
    expect(none.cut).toBe(3);
    const all = new Exchange(0);
    all.onRequestStart(controller, 1);
    all.onResponseData(controller, Buffer.alloc(1e6));
    expect(all.bodyBuffer()).toHaveLength(1e6);
    expect(all.cut).toBe(0);
  });
});
