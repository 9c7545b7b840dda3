import { Agent, type Dispatcher } from 'undici';
import type { HttpClient, RequestOptions, Verdict, VolleyResponse } from '@volley/shared/scenario';
import type { Recorder } from '../recorder.js';
import type { CookieJar } from './cookies.js';

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * One keep-alive connection pool per worker (undici Agent), shared by its
 * VUs: a connection opens when every open one is busy, so the number of
 * connections follows the concurrency. Every request is timed from the call
 * to the last body byte and recorded with its verdict.
 */
export interface TargetTls {
  /** accept any certificate (k6's insecureSkipTLSVerify) */
  insecure?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

export function createDispatcher(tls: TargetTls = {}): Dispatcher {
  return new Agent({
    connections: null, pipelining: 1, keepAliveTimeout: 30_000,
    connect: { timeout: 10_000, rejectUnauthorized: !tls.insecure, ca: tls.ca, cert: tls.cert, key: tls.key },
  });
}

const EMPTY = Buffer.alloc(0);

class Response implements VolleyResponse {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: Buffer,
    readonly durationMs: number,
    readonly error?: string,
  ) {}
  text(): string {
    return this.body.toString('utf8');
  }
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

function defaultVerdict(res: VolleyResponse): Verdict {
  return res.status < 400 ? true : `HTTP ${res.status}`;
}

/** Failure reasons for transport errors: the client's stable error code when it has one. */
export function transportReason(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'AbortError' || e?.code === 'UND_ERR_ABORTED') return 'interrupted at stop';
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return String(e?.message ?? err);
}

export interface ClientDeps {
  baseUrl: URL;
  dispatcher: Dispatcher;
  recorder: Recorder;
  /** aborts this VU's in-flight requests at the hard stop */
  signal: AbortSignal;
  /** when the current iteration was due (open model): its first request is timed from then */
  takeDue?: () => number | undefined;
  /** this VU's cookies */
  jar?: CookieJar;
  /** the group the VU is in now (k6's group()), as a tag */
  group?: () => string | undefined;
}

export function createHttpClient(deps: ClientDeps): HttpClient {
  const { baseUrl, dispatcher, recorder, signal, takeDue, jar, group } = deps;
  const origin = baseUrl.origin;
  const basePath = baseUrl.pathname.replace(/\/$/, '');

  async function request(method: string, path: string, options: RequestOptions = {}): Promise<VolleyResponse> {
    const name = options.name ?? path;
    const headers: Record<string, string> = { ...options.headers };
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] ??= 'application/json';
    }
    // a path is relative to the run's host; an absolute URL (k6 scripts) goes where it says
    const absolute = /^https?:\/\//i.test(path) ? new URL(path) : undefined;
    const target = absolute ? absolute.origin : origin;
    const cookie = jar?.header(target);
    if (cookie) headers.cookie = headers.cookie ? `${headers.cookie}; ${cookie}` : cookie;
    const g = group?.();
    const tags = g ? { ...options.tags, group: g } : options.tags;
    const due = takeDue?.();
    const started = due === undefined ? performance.now() : Math.min(due, performance.now());
    let res: Response;
    let phases: { waitingUs: number; receivingUs: number; sentBytes: number } | undefined;
    try {
      const r = await dispatcher.request({
        origin: target,
        path: absolute ? absolute.pathname + absolute.search : basePath + path,
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal,
        headersTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        bodyTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      });
      const headersAt = performance.now();
      const chunks: Buffer[] = [];
      for await (const chunk of r.body) chunks.push(chunk as Buffer);
      const elapsed = performance.now() - started;
      phases = { waitingUs: Math.max(0, Math.round((headersAt - started) * 1000)), receivingUs: Math.max(0, Math.round((performance.now() - headersAt) * 1000)), sentBytes: body === undefined ? 0 : Buffer.byteLength(body) };
      res = new Response(r.statusCode, r.headers, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), elapsed);
      jar?.store(target, r.headers['set-cookie']);
    } catch (err) {
      // as k6 does: a transport failure is a response with status 0 and the
      // client's error code, recorded as a failure; the task goes on
      const elapsed = performance.now() - started;
      const reason = transportReason(err);
      recorder.request(method, name, Math.max(1, Math.round(elapsed * 1000)), false, 0, reason, tags);
      return new Response(0, {}, EMPTY, elapsed, reason);
    }
    let verdict: Verdict;
    try {
      verdict = (options.verdict ?? defaultVerdict)(res);
    } catch (err) {
      verdict = `verdict threw: ${(err as Error)?.message ?? String(err)}`;
    }
    const ok = verdict === true;
    const reason = ok ? undefined : typeof verdict === 'string' ? verdict : `HTTP ${res.status}`;
    recorder.request(method, name, Math.max(1, Math.round(res.durationMs * 1000)), ok, res.body.length, reason, tags, phases);
    return res;
  }

  return {
    request,
    get: (p, o) => request('GET', p, o),
    post: (p, o) => request('POST', p, o),
    put: (p, o) => request('PUT', p, o),
    patch: (p, o) => request('PATCH', p, o),
    delete: (p, o) => request('DELETE', p, o),
  };
}
