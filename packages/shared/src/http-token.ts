/** RFC 9110's token: what a method or a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function isHttpToken(s: string): boolean {
  return TOKEN.test(s);
}
