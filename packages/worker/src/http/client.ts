import type { Dispatcher } from 'undici';
import type { HttpClient, RequestOptions, Verdict, VolleyResponse } from '@volley/shared/scenario';
import type { Recorder } from '../recorder.js';
import type { CookieJar } from './cookies.js';
import type { VuConnections } from './connections.js';
import { Exchange } from './exchange.js';

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A VU's HTTP client: its own keep-alive connections and cookies. Every
 * request is timed from the call (or from when its iteration was due) to
 * the last body byte, with k6's phases, and recorded with its verdict.
 */
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
  connections: VuConnections;
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
  const { baseUrl, connections, recorder, signal, takeDue, jar, group } = deps;
  const origin = baseUrl.origin;
  const basePath = baseUrl.pathname.replace(/\/$/, '');
  // one listener per VU, not one per request: the hard stop cuts off whatever is in flight
  const inFlight = new Set<Exchange>();
  signal.addEventListener('abort', () => {
    for (const x of inFlight) x.abort();
  }, { once: true });

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
    const now = performance.now();
    const x = new Exchange(due === undefined ? now : Math.min(due, now));
    if (signal.aborted) x.abort();
    else {
      inFlight.add(x);
      const lane = connections.acquire(target);
      try {
        lane.client.dispatch({
          origin: target,
          path: absolute ? absolute.pathname + absolute.search : basePath + path,
          method: method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          bodyTimeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        }, x);
      } catch (err) {
        // invalid arguments throw synchronously
        x.onResponseError(undefined as never, err as Error);
      }
      await x.done;
      connections.release(lane);
      inFlight.delete(x);
    }
    const timing = x.timing();
    if (x.error) {
      // as k6 does: a transport failure is a response with status 0 and the
      // client's error code, recorded as a failure; the task goes on
      const reason = transportReason(x.error);
      recorder.request(method, name, timing, false, reason, tags);
      return new Response(0, {}, EMPTY, timing.durationUs / 1000, reason);
    }
    const res = new Response(x.status, x.headers, x.bodyBuffer(), timing.durationUs / 1000);
    jar?.store(target, x.headers['set-cookie']);
    let verdict: Verdict;
    try {
      verdict = (options.verdict ?? defaultVerdict)(res);
    } catch (err) {
      verdict = `verdict threw: ${(err as Error)?.message ?? String(err)}`;
    }
    const ok = verdict === true;
    const reason = ok ? undefined : typeof verdict === 'string' ? verdict : `HTTP ${res.status}`;
    recorder.request(method, name, timing, ok, reason, tags);
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
