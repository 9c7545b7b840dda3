import type { Response } from '../http/client.js';
import { parseSetCookie } from '../http/cookies.js';

/** k6's res.timings, in ms. */
export interface K6Timings {
  duration: number;
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
}

export interface K6Request {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
  cookies: Record<string, { name: string; value: string; replace: boolean }[]>;
}

export type ResponseType = 'text' | 'binary' | 'none';

/** What was sent, kept as it was; res.request builds k6's shape only when read. */
export interface SentRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
}

/** k6's canonical header name: `content-type` → `Content-Type`, as Go's textproto writes it. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

/** k6's error codes for what went wrong without a response (k6 docs: error codes). */
export function k6ErrorCode(reason: string | undefined): number {
  if (!reason) return 0;
  if (/ENOTFOUND|EAI_AGAIN/.test(reason)) return 1101;
  if (/ECONNREFUSED/.test(reason)) return 1212;
  if (/ECONNRESET/.test(reason)) return 1220;
  if (/TIMEOUT|ETIMEDOUT/i.test(reason)) return 1050;
  if (/EPIPE/.test(reason)) return 1221;
  if (/CERT|TLS|SSL/i.test(reason)) return 1300;
  return 1000;
}

/**
 * `res.json('a.b.0')`: k6 takes a GJSON path; scripts use its dotted form,
 * `#` for an array's length and `list.#.id` for a field of every element.
 */
export function select(value: unknown, path: string): unknown {
  const parts = path.split('.');
  let cur: any = value;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (cur === null || cur === undefined) return undefined;
    if (part === '#' && Array.isArray(cur)) {
      if (i === parts.length - 1) return cur.length;
      const rest = parts.slice(i + 1).join('.');
      return cur.map((x) => select(x, rest)).filter((x) => x !== undefined);
    }
    cur = cur[part];
  }
  return cur;
}

/** What a k6 script's request call answers. */
export class K6Response {
  readonly status: number;
  readonly url: string;
  private cachedHeaders?: Record<string, string>;
  private cachedTimings?: K6Timings;
  private bodyValue?: string | ArrayBuffer | null;

  // what most scripts never read is made when read: a response is made for every request
  constructor(
    private readonly raw: Response,
    url: string,
    private readonly sent: SentRequest,
    private readonly type: ResponseType,
  ) {
    this.status = raw.status;
    this.url = url;
  }

  get status_text(): string {
    return this.status ? `${this.status}` : '';
  }
  get proto(): string {
    return 'HTTP/1.1';
  }
  get error(): string {
    return this.raw.error ?? '';
  }
  get error_code(): number {
    return this.raw.error ? k6ErrorCode(this.raw.error) : this.status >= 400 ? 1000 + this.status : 0;
  }
  get remote_ip(): string {
    return '';
  }
  get remote_port(): number {
    return 0;
  }
  get tls_version(): string {
    return '';
  }
  get ocsp(): { status: string } {
    return { status: 'unknown' };
  }

  get timings(): K6Timings {
    if (this.cachedTimings) return this.cachedTimings;
    const t = this.raw.timing;
    const ms = (us: number | undefined): number => (us ?? 0) / 1000;
    return (this.cachedTimings = {
      duration: t ? t.durationUs / 1000 : this.raw.durationMs,
      blocked: ms(t?.blockedUs),
      connecting: ms(t?.connectingUs),
      tls_handshaking: ms(t?.tlsUs),
      sending: ms(t?.sendingUs),
      waiting: ms(t?.waitingUs),
      receiving: ms(t?.receivingUs),
    });
  }

  get request(): K6Request {
    const s = this.sent;
    return {
      method: s.method,
      url: s.url,
      cookies: {},
      headers: Object.fromEntries(Object.entries(s.headers).map(([k, v]) => [k, [v]])),
      body: typeof s.body === 'string' ? s.body : s.body ? s.body.toString('latin1') : '',
    };
  }

  /** the body: a string by default, an ArrayBuffer with responseType 'binary', null with 'none' (discardResponseBodies) */
  get body(): string | ArrayBuffer | null {
    if (this.bodyValue !== undefined) return this.bodyValue;
    const b = this.raw.body;
    if (this.type === 'none') return (this.bodyValue = null);
    if (this.type === 'binary') return (this.bodyValue = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    return (this.bodyValue = b.toString('utf8'));
  }

  /** the headers under k6's canonical names; a repeated header's values joined with ', ' as Go's Header.Get would not, k6 does */
  get headers(): Record<string, string> {
    if (this.cachedHeaders) return this.cachedHeaders;
    const out: Record<string, string> = {};
    const raw = this.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = canonicalHeader(raw[i]!);
      out[name] = out[name] === undefined ? raw[i + 1]! : `${out[name]}, ${raw[i + 1]!}`;
    }
    return (this.cachedHeaders = out);
  }

  /** the cookies the response set, by name */
  get cookies(): Record<
    string,
    { name: string; value: string; domain: string; path: string; http_only: boolean; secure: boolean; max_age: number; expires: number }[]
  > {
    const out: Record<string, any[]> = {};
    const raw = this.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() !== 'set-cookie') continue;
      const parsed = parseSetCookie(raw[i + 1]!);
      if (!parsed) continue;
      const c = { name: parsed.name, value: parsed.value, domain: '', path: '', http_only: false, secure: false, max_age: 0, expires: 0 };
      for (const [key, v] of parsed.attrs) {
        if (key === 'domain') c.domain = v;
        else if (key === 'path') c.path = v;
        else if (key === 'httponly') c.http_only = true;
        else if (key === 'secure') c.secure = true;
        else if (key === 'max-age') c.max_age = Number(v);
        else if (key === 'expires') c.expires = Date.parse(v) || 0;
      }
      (out[c.name] ??= []).push(c);
    }
    return out;
  }

  json(selector?: string): unknown {
    const body = this.body;
    if (typeof body !== 'string') throw new Error(`res.json(): the response has no text body (responseType '${this.type}')`);
    const value = JSON.parse(body) as unknown;
    return selector === undefined ? value : select(value, selector);
  }

  html(): never {
    throw new Error('res.html() (k6/html) is not supported by Volley: parse res.body yourself');
  }

  submitForm(): never {
    throw new Error('res.submitForm() (k6/html) is not supported by Volley');
  }

  clickLink(): never {
    throw new Error('res.clickLink() (k6/html) is not supported by Volley');
  }
}
