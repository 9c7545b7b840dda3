import { describe, expect, it } from 'vitest';
import { headerIn, InvalidRequestError, keepAliveHintMs, requestHead, responseHeaders } from './http1-head.js';

describe('an HTTP/1.1 request head', () => {
  it('has the request line, host, the headers as given and the body length', () => {
    expect(requestHead('GET', '/a?b=1', 'h:8080', { accept: 'text/plain', 'x-many': ['1', '2'] }, undefined).text).toBe(
      'GET /a?b=1 HTTP/1.1\r\naccept: text/plain\r\nx-many: 1\r\nx-many: 2\r\nhost: h:8080\r\n\r\n',
    );
    expect(requestHead('POST', '/p', 'h', { Host: 'other' }, 5).text).toBe('POST /p HTTP/1.1\r\nHost: other\r\ncontent-length: 5\r\n\r\n');
    expect(requestHead('GET', '/', 'h', { connection: 'close' }, undefined).close).toBe(true);
    expect(requestHead('POST', '/', 'h', { 'Content-Length': '3' }, 3).text).toBe(
      'POST / HTTP/1.1\r\nContent-Length: 3\r\nhost: h\r\n\r\n',
    );
  });

  it('is refused, naming what is wrong, when it could not be sent as asked', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => requestHead('GET', '/', 'h', { 'x-a': 'ok\r\nx-injected: 1' }, undefined), /header "x-a" has a control character/],
      [() => requestHead('GET', '/', 'h', { 'x-a': 'snow ☃' }, undefined), /beyond latin1/],
      [() => requestHead('GET', '/', 'h', { 'bad name': 'v' }, undefined), /header name "bad name" is not an HTTP token/],
      [() => requestHead('GET', '/a b', 'h', {}, undefined), /path "\/a b" has a space/],
      [() => requestHead('GET', 'a', 'h', {}, undefined), /must start with \//],
      [() => requestHead('GE T', '/', 'h', {}, undefined), /method "GE T"/],
      [() => requestHead('POST', '/', 'h', { 'transfer-encoding': 'chunked' }, 1), /"transfer-encoding" is set by the client/],
      [() => requestHead('POST', '/', 'h', { 'content-length': '9' }, 3), /content-length is 9 but the body has 3 bytes/],
      [() => requestHead('GET', '/', 'h', { connection: 'upgrade' }, undefined), /connection must be close or keep-alive/],
    ];
    for (const [f, message] of bad) {
      expect(f).toThrow(InvalidRequestError);
      expect(f).toThrow(message);
    }
  });
});

describe('response headers', () => {
  it('are lower-cased; a repeated one is an array', () => {
    expect(responseHeaders(['Content-Type', 'a/b', 'Set-Cookie', 'x=1', 'set-cookie', 'y=2', 'SET-COOKIE', 'z=3'])).toEqual({
      'content-type': 'a/b',
      'set-cookie': ['x=1', 'y=2', 'z=3'],
    });
  });

  it('give one header without the object, as the object would', () => {
    const flat = ['Content-Type', 'a/b', 'Set-Cookie', 'x=1', 'set-cookie', 'y=2', 'X-Long-Name', 'v'];
    for (const name of ['content-type', 'set-cookie', 'x-long-name', 'absent', 'x-long-nam'])
      expect(headerIn(flat, name)).toEqual(responseHeaders(flat)[name]);
  });

  it("read the server's keep-alive hint in ms", () => {
    expect(keepAliveHintMs('timeout=5')).toBe(5000);
    expect(keepAliveHintMs('max=100, timeout=2')).toBe(2000);
    expect(keepAliveHintMs('max=100')).toBeUndefined();
    expect(keepAliveHintMs(undefined)).toBeUndefined();
  });
});
