import { describe, expect, it } from 'vitest';
import { canonicalHeader, select } from './response.js';

describe("k6's response helpers", () => {
  it("res.json(path) reads GJSON's dotted paths, # and #.field", () => {
    const doc = { user: { name: 'ann', roles: ['a', 'b'] }, items: [{ id: 1 }, { id: 2 }, { other: 3 }] };
    expect(select(doc, 'user.name')).toBe('ann');
    expect(select(doc, 'user.roles.1')).toBe('b');
    expect(select(doc, 'user.roles.#')).toBe(2);
    expect(select(doc, 'items.#.id')).toEqual([1, 2]);
    expect(select(doc, 'missing.deeper')).toBeUndefined();
  });

  it('writes header names as k6 does (Go canonical form)', () => {
    expect(['content-type', 'x-custom-thing', 'WWW-AUTHENTICATE', 'etag'].map(canonicalHeader)).toEqual([
      'Content-Type',
      'X-Custom-Thing',
      'Www-Authenticate',
      'Etag',
    ]);
  });
});
