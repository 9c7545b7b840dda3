import type { Response } from '../http/client.js';

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

/** `res.json('a.b.0')`: k6 takes a GJSON path; the plain dotted form is what scripts use. */
function select(value: unknown, path: string): unknown {
  let cur: any = value;
  for (const part of path.split('.')) {
    if (cur === null || cur === undefined) return undefined;
    if (part === '#' && Array.isArray(cur)) return cur.length;
    cur = cur[part];
  }
  return cur;
}

/** What a k6 script's request call answers. */
export class K6Response {
  readonly status: number;
  readonly status_text: string;
  readonly proto = 'HTTP/1.1';
  readonly url: string;
  readonly error: string;
  readonly error_code: number;
  readonly timings: K6Timings;
  readonly request: K6Request;
  readonly remote_ip = '';
  readonly remote_port = 0;
  readonly tls_version = '';
  readonly ocsp = { status: 'unknown' };
  private cachedHeaders?: Record<string, string>;
  private readonly raw: Response;
  private readonly type: ResponseType;
  private bodyValue?: string | ArrayBuffer | null;

  constructor(raw: Response, url: string, request: K6Request, type: ResponseType) {
    this.raw = raw;
    this.type = type;
    this.status = raw.status;
    this.status_text = raw.status ? `${raw.status}` : '';
    this.url = url;
    this.error = raw.error ?? '';
    this.error_code = raw.error ? k6ErrorCode(raw.error) : raw.status >= 400 ? 1000 + raw.status : 0;
    const t = raw.timing;
    const ms = (us: number | undefined): number => (us ?? 0) / 1000;
    this.timings = {
      duration: t ? t.durationUs / 1000 : raw.durationMs,
      blocked: ms(t?.blockedUs), connecting: ms(t?.connectingUs), tls_handshaking: ms(t?.tlsUs),
      sending: ms(t?.sendingUs), waiting: ms(t?.waitingUs), receiving: ms(t?.receivingUs),
    };
    this.request = request;
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
  get cookies(): Record<string, { name: string; value: string; domain: string; path: string; http_only: boolean; secure: boolean; max_age: number; expires: number }[]> {
    const out: Record<string, any[]> = {};
    const raw = this.raw.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.toLowerCase() !== 'set-cookie') continue;
      const [pair, ...attrs] = raw[i + 1]!.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const c = { name: pair!.slice(0, eq).trim(), value: pair!.slice(eq + 1).trim(), domain: '', path: '', http_only: false, secure: false, max_age: 0, expires: 0 };
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=').map((x) => x.trim());
        const key = k.toLowerCase();
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
