/** One Set-Cookie line: its name, value and attributes (names in lower case); undefined without a name. */
export function parseSetCookie(line: string): { name: string; value: string; attrs: [key: string, value: string][] } | undefined {
  const [pair, ...rest] = line.split(';');
  const eq = pair!.indexOf('=');
  if (eq <= 0) return undefined;
  const attrs = rest.map((a): [string, string] => {
    const [k = '', v = ''] = a.split('=').map((x) => x.trim());
    return [k.toLowerCase(), v];
  });
  return { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), attrs };
}

/**
 * A VU's cookie jar, as a browser session would keep one: cookies set by a
 * response go back on later requests to the same origin until they expire.
 * Kept simple on purpose (per origin; Path and Domain are not narrowed).
 */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, { value: string; expires: number }>>();

  /** The Cookie header for a request to `origin`, if any cookie applies. */
  header(origin: string, at?: number): string | undefined {
    const jar = this.byOrigin.get(origin);
    if (!jar) return undefined;
    // the clock only when there are cookies: this runs for every request
    const now = at ?? Date.now();
    const parts: string[] = [];
    for (const [name, c] of jar) {
      if (c.expires <= now) jar.delete(name);
      else parts.push(`${name}=${c.value}`);
    }
    return parts.length ? parts.join('; ') : undefined;
  }

  /** Takes the Set-Cookie headers of a response from `origin`. */
  store(origin: string, setCookie: string | string[] | undefined, at?: number): void {
    if (!setCookie) return;
    const now = at ?? Date.now();
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const c = parseSetCookie(line);
      if (!c) continue;
      const { name, value } = c;
      let expires = Infinity;
      for (const [k, v] of c.attrs) {
        if (k === 'max-age') expires = now + Number(v) * 1000;
        else if (k === 'expires' && expires === Infinity) expires = Date.parse(v) || Infinity;
      }
      let jar = this.byOrigin.get(origin);
      if (!jar) this.byOrigin.set(origin, (jar = new Map()));
      if (expires <= now) jar.delete(name);
      else jar.set(name, { value, expires });
    }
  }

  /** k6's jar.set(url, name, value): a cookie set by the script, without expiry. */
  set(origin: string, name: string, value: string): void {
    let jar = this.byOrigin.get(origin);
    if (!jar) this.byOrigin.set(origin, (jar = new Map()));
    jar.set(name, { value, expires: Infinity });
  }

  /** The live cookies for `origin`, name → value. */
  entries(origin: string, at = Date.now()): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, c] of this.byOrigin.get(origin) ?? []) if (c.expires > at) out.set(name, c.value);
    return out;
  }

  clear(origin: string): void {
    this.byOrigin.delete(origin);
  }

  delete(origin: string, name: string): void {
    this.byOrigin.get(origin)?.delete(name);
  }
}
