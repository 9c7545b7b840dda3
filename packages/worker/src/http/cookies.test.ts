import { describe, expect, it } from 'vitest';
import { CookieJar } from './cookies.js';

describe('CookieJar', () => {
  it('sends back what a response set, per origin, until it expires or is deleted', () => {
    const jar = new CookieJar();
    jar.store('http://a', ['session=abc; Path=/; HttpOnly', 'theme=dark; Max-Age=10'], 0);
    expect(jar.header('http://a', 0)).toBe('session=abc; theme=dark');
    expect(jar.header('http://b', 0)).toBeUndefined();
    expect(jar.header('http://a', 10_001)).toBe('session=abc');
    jar.store('http://a', 'session=; Max-Age=0', 20_000);
    expect(jar.header('http://a', 20_000)).toBeUndefined();
  });
});
