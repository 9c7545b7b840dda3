import { parseDuration } from '@volley/shared';
import type { HttpClient, RequestOptions, VolleyResponse } from '@volley/shared/scenario';
import type { Response } from '../http/client.js';
import { CookieJar as CookieJarImpl, type CookieJar } from '../http/cookies.js';
import { headerIn } from '../http/http1-head.js';
import { runLimited } from './batch-limit.js';
import { digestAuthorization } from './digest-auth.js';
import { type Body, encodeBody, FileData, hasHeader } from './request-body.js';
import { K6Response, type ResponseType } from './response.js';

/** What k6's http module of one VU stands on. */
export interface HttpPort {
  readonly http: HttpClient;
  /** false when the run has no --host: a relative URL is then an error */
  readonly hasHost: boolean;
  readonly jar?: CookieJar;
  readonly options: K6HttpOptions;
  /** the scenario's tags, on every request */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The script options k6/http follows. */
export interface K6HttpOptions {
  maxRedirects?: number;
  userAgent?: string;
  discardResponseBodies?: boolean;
  /** a new connection for every request */
  noConnectionReuse?: boolean;
  /** http.batch's requests in flight at once, and per host (k6: 20 and 6; 0 = no limit) */
  batch?: number;
  batchPerHost?: number;
}

export interface K6Params {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  timeout?: string | number;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
  jar?: K6CookieJar | null;
  redirects?: number;
  responseType?: ResponseType;
  auth?: 'basic' | 'digest' | 'ntlm';
  responseCallback?: ResponseCallback | null;
  compression?: string;
}

/** k6's expectedStatuses(…): which statuses are not failures (http_req_failed). */
export interface ResponseCallback {
  readonly volleyExpected: (status: number) => boolean;
}

export function expectedStatuses(...list: (number | { min: number; max: number })[]): ResponseCallback {
  for (const x of list) {
    if (!(typeof x === 'number' ? Number.isInteger(x) : Number.isInteger(x?.min) && Number.isInteger(x?.max))) {
      throw new TypeError(`expectedStatuses: give status codes or { min, max } ranges, got ${JSON.stringify(x)}`);
    }
  }
  return { volleyExpected: (s) => list.some((x) => (typeof x === 'number' ? s === x : s >= x.min && s <= x.max)) };
}

const DEFAULT_EXPECTED = expectedStatuses({ min: 200, max: 399 });
const DEFAULT_UA = 'Volley/0.1 (k6 compatible)';
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** http.url`…`: the URL, and a name that keeps the template's shape for the reports. */
export class TaggedUrl {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

export function taggedUrl(strings: TemplateStringsArray, ...values: unknown[]): TaggedUrl {
  let url = strings[0]!;
  let name = strings[0]!;
  values.forEach((v, i) => {
    url += String(v) + strings[i + 1]!;
    name += `\${}${strings[i + 1]!}`;
  });
  return new TaggedUrl(url, name);
}

/** k6's CookieJar: the VU's own (http.cookieJar()), or a new one (`new http.CookieJar()`). */
export class K6CookieJar {
  readonly jar: CookieJar;
  constructor(jar?: CookieJar) {
    this.jar = jar ?? new CookieJarImpl();
  }
  set(url: string, name: string, value: string, _opts?: unknown): void {
    this.jar.set(new URL(url).origin, name, String(value));
  }
  cookiesForURL(url: string): Record<string, string[]> {
    return Object.fromEntries([...this.jar.entries(new URL(url).origin)].map(([k, v]) => [k, [v]]));
  }
  clear(url: string): void {
    this.jar.clear(new URL(url).origin);
  }
  delete(url: string, name: string): void {
    this.jar.delete(new URL(url).origin, name);
  }
}

/** One VU's k6/http: the calls a script makes, over the VU's client (each returns a Promise the rewrite awaits). */
const verdictOf = (callback: ResponseCallback | null): RequestOptions['verdict'] =>
  callback ? (r: VolleyResponse) => callback.volleyExpected(r.status) || `HTTP ${r.status}` : () => true;
const DEFAULT_VERDICT = verdictOf(DEFAULT_EXPECTED);

/** Whether `headers` has `lower` (a lower-case name) in any case. */

const isAbsolute = (url: string): boolean => url.startsWith('http://') || url.startsWith('https://') || /^https?:\/\//i.test(url);

export class K6Http {
  private verdict = DEFAULT_VERDICT;
  readonly TaggedUrl = TaggedUrl;
  readonly expectedStatuses = expectedStatuses;
  readonly url = taggedUrl;
  readonly CookieJar = K6CookieJar;
  readonly OCSP_STATUS_GOOD = 'good';
  readonly TLS_1_2 = 'tls1.2';
  readonly TLS_1_3 = 'tls1.3';

  // the script's options, read once: a request is made for every call
  private readonly ua: string;
  private readonly noReuse: boolean;
  private readonly defaultType: ResponseType;
  private readonly maxRedirects: number;

  constructor(private readonly port: HttpPort) {
    const o = port.options;
    this.ua = o.userAgent ?? DEFAULT_UA;
    this.noReuse = !!o.noConnectionReuse;
    this.defaultType = o.discardResponseBodies ? 'none' : 'text';
    this.maxRedirects = o.maxRedirects ?? 10;
  }

  get(url: string | TaggedUrl, params?: K6Params | null): Promise<K6Response> {
    return this.request('GET', url, null, params);
  }
  head(url: string | TaggedUrl, params?: K6Params | null): Promise<K6Response> {
    return this.request('HEAD', url, null, params);
  }
  post(url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request('POST', url, body, params);
  }
  put(url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request('PUT', url, body, params);
  }
  patch(url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request('PATCH', url, body, params);
  }
  del(url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request('DELETE', url, body, params);
  }
  options(url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request('OPTIONS', url, body, params);
  }
  asyncRequest(method: string, url: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    return this.request(method, url, body, params);
  }

  setResponseCallback(cb: ResponseCallback | null): void {
    this.verdict = verdictOf(cb);
  }

  cookieJar(): K6CookieJar {
    if (!this.port.jar) throw new Error('http.cookieJar(): this VU has no cookie jar');
    return new K6CookieJar(this.port.jar);
  }

  file(data: string | ArrayBuffer | ArrayBufferView, filename?: string, contentType = 'application/octet-stream'): FileData {
    return new FileData(data, filename, contentType);
  }

  batch(requests: unknown[] | Record<string, unknown>): Promise<K6Response[] | Record<string, K6Response>> {
    const one = (r: unknown, where: string): { host: string; run: () => Promise<K6Response> } => {
      let args: [string, string | TaggedUrl, Body, K6Params | undefined];
      if (typeof r === 'string' || r instanceof TaggedUrl) args = ['GET', r, null, undefined];
      else if (Array.isArray(r)) args = [String(r[0]), r[1] as string, r[2] as Body, r[3] as K6Params];
      else if (typeof r === 'object' && r !== null && 'url' in r) {
        const o = r as { method?: string; url: string; body?: Body; params?: K6Params };
        args = [o.method ?? 'GET', o.url, o.body, o.params];
      } else throw new TypeError(`http.batch: ${where} must be a URL, [method, url, body, params] or { method, url, body, params }`);
      const host = /^https?:\/\/([^/?#]*)/i.exec(String(args[1]))?.[1] ?? '';
      return { host, run: () => this.request(...args) };
    };
    const { batch = 20, batchPerHost = 6 } = this.port.options;
    if (Array.isArray(requests))
      return runLimited(
        requests.map((r, i) => one(r, `request ${i}`)),
        batch,
        batchPerHost,
      );
    const entries = Object.entries(requests);
    return runLimited(
      entries.map(([k, r]) => one(r, `request "${k}"`)),
      batch,
      batchPerHost,
    ).then((answers) => Object.fromEntries(entries.map(([k], i) => [k, answers[i]!])));
  }

  async request(method: string, target: string | TaggedUrl, body?: Body, params?: K6Params | null): Promise<K6Response> {
    const p = params ?? {};
    if (p.compression) throw new Error(`params.compression ('${p.compression}') is not supported by Volley yet`);
    if (p.auth === 'ntlm') throw new Error("params.auth 'ntlm' is not supported by Volley");
    // each request goes with the VU's own jar; another (or none) would be silently the wrong cookies
    if (p.jar !== undefined && (p.jar === null || p.jar.jar !== this.port.jar))
      throw new Error(
        "params.jar: Volley sends every request with the VU's own jar (http.cookieJar()); another jar, or none, is not supported yet",
      );
    const templateName = typeof target === 'string' ? undefined : target instanceof TaggedUrl ? target.name : undefined;
    let url = typeof target === 'string' ? target : String(target);
    if (!isAbsolute(url)) {
      if (!url.startsWith('/')) throw new Error(`${method} ${url}: not an http(s) URL`);
      if (!this.port.hasHost)
        throw new Error(`${method} ${url}: a relative URL needs the run's base URL; give --host (k6 scripts usually write absolute URLs)`);
    }
    // the script's headers, copied in one pass that also sees whether it set a User-Agent
    const headers: Record<string, string> = {};
    let ownAgent = false;
    const given = p.headers;
    if (given) {
      for (const k in given) {
        headers[k] = given[k]!;
        if (k.length === 10 && !ownAgent && k.toLowerCase() === 'user-agent') ownAgent = true;
      }
    }
    if (this.ua && !ownAgent) headers['User-Agent'] = this.ua;
    if (this.noReuse && !hasHeader(headers, 'connection')) headers.Connection = 'close';
    // credentials in the URL: basic unless asked for digest
    let creds: { user: string; pass: string } | undefined;
    if (url.includes('@') && /^https?:\/\/[^/]*@/i.test(url)) {
      const u = new URL(url);
      creds = { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) };
      u.username = '';
      u.password = '';
      url = u.href;
      if (p.auth !== 'digest' && !hasHeader(headers, 'authorization'))
        headers.Authorization = `Basic ${Buffer.from(`${creds.user}:${creds.pass}`).toString('base64')}`;
    }
    if (p.cookies) {
      const extra = Object.entries(p.cookies)
        .map(([k, v]) => `${k}=${typeof v === 'object' ? v.value : v}`)
        .join('; ');
      const at = Object.keys(headers).find((h) => h.toLowerCase() === 'cookie');
      if (at) headers[at] = `${headers[at]}; ${extra}`;
      else headers.Cookie = extra;
    }
    let payload = encodeBody(body, headers);
    // tags.name names the request; the others tag it (no delete: it would slow every later read of the object)
    let tags: Record<string, string> | undefined;
    let name = templateName;
    if (p.tags || this.port.tags) {
      tags = {};
      for (const src of [this.port.tags, p.tags]) {
        if (!src) continue;
        for (const k in src) {
          if (k === 'name') name = src[k];
          else tags[k] = src[k]!;
        }
      }
    }
    const timeoutMs =
      p.timeout === undefined ? undefined : typeof p.timeout === 'number' ? p.timeout : parseDuration(p.timeout, 'params.timeout');
    const verdict = p.responseCallback === undefined ? this.verdict : verdictOf(p.responseCallback);
    const type: ResponseType = p.responseType ?? this.defaultType;
    let redirects = p.redirects ?? this.maxRedirects;
    let digestTried = false;
    for (;;) {
      const options: RequestOptions = { headers, body: payload, tags, timeoutMs, verdict, name };
      const raw = (await this.port.http.request(method, url, options)) as Response;
      if (raw.status === 401 && p.auth === 'digest' && creds && !digestTried) {
        const challenges = headerIn(raw.rawHeaders, 'www-authenticate');
        const challenge = (Array.isArray(challenges) ? challenges : [challenges]).find((c) => c !== undefined && /^Digest/i.test(c));
        if (challenge) {
          digestTried = true;
          const u = new URL(url, 'http://relative.invalid');
          headers.Authorization = digestAuthorization(challenge, method, u.pathname + u.search, creds.user, creds.pass);
          continue;
        }
      }
      if (REDIRECTS.has(raw.status) && redirects > 0) {
        const found = headerIn(raw.rawHeaders, 'location');
        const location = Array.isArray(found) ? found[0] : found;
        if (location) {
          redirects--;
          url = new URL(location, /^https?:/i.test(url) ? url : `http://relative.invalid${url}`).href.replace(
            /^http:\/\/relative\.invalid/,
            '',
          );
          // as Go's client (k6): 301, 302 and 303 turn into a GET without body (HEAD stays HEAD); 307 and 308 repeat the request
          if (raw.status <= 303 && method !== 'HEAD' && (method !== 'GET' || payload !== undefined)) {
            method = 'GET';
            payload = undefined;
            for (const h of Object.keys(headers)) if (/^content-(type|length)$/i.test(h)) delete headers[h];
          }
          continue;
        }
      }
      return new K6Response(raw, url, { method, url, headers, body: payload }, type);
    }
  }
}
