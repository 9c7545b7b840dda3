import type { BatchRequest, HttpClient, RequestOptions, Verdict, VolleyResponse } from '@volley/shared/scenario';
import { formatExchange, type HttpDebugLevel } from './debug.js';
import type { Recorder } from '../recorder.js';
import type { CookieJar } from './cookies.js';
import type { VuConnections } from './connections.js';
import { Exchange, type RequestTiming } from './exchange.js';
import { InvalidRequestError } from './http1-head.js';
import { transportErrorCode } from './transport-error.js';
import { DEFAULT_MAX_BODY_BYTES } from '@volley/shared';

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * A VU's HTTP client: its own keep-alive connections and cookies. Every
 * request is timed to its last body byte, with k6's phases, and recorded
 * with its verdict (see Exchange for where its duration starts).
 */
const EMPTY = Buffer.alloc(0);

export class Response implements VolleyResponse {
  constructor(
    readonly status: number,
    /** where the headers come from, when a scenario asks for them */
    private readonly exchange: Exchange | undefined,
    readonly body: Buffer,
    readonly durationMs: number,
    readonly error?: string,
    /** the request's phases (k6's res.timings) */
    readonly timing?: RequestTiming,
  ) {}
  get headers(): Record<string, string | string[] | undefined> {
    return this.exchange?.headers ?? {};
  }
  /** the headers as the target wrote their names: [name, value, …] */
  get rawHeaders(): readonly string[] {
    return this.exchange?.rawHeaders ?? [];
  }
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

/**
 * The failure reason of a request that got no response: its transport
 * code; a request that could not be sent as asked (InvalidRequestError)
 * says what is wrong instead.
 */
export function transportReason(err: unknown): string {
  return err instanceof InvalidRequestError ? err.message : transportErrorCode(err);
}

export interface ClientDeps {
  baseUrl: URL;
  connections: VuConnections;
  recorder: Recorder;
  /** when the current iteration was due (open model): its first request is timed from then */
  /** k6's --http-debug: each exchange written as text (a worker's stderr) */
  debug?: { level: HttpDebugLevel; write(text: string): void };
  takeDue?: () => number | undefined;
  /** this VU's cookies */
  jar?: CookieJar;
  /** what is kept of each response body, in bytes (DEFAULT_MAX_BODY_BYTES) */
  maxBodyBytes?: number;
  /** the group the VU is in now (k6's group()), as a tag */
  group?: () => string | undefined;
}

/** A VU's client: the scenario's `http`, plus the hard stop's cut. */
export interface VuHttpClient extends HttpClient {
  /** abandons every request in flight (they end as INTERRUPTED), and any made after */
  abortAll(): void;
  /** this VU's cookies, when it keeps them */
  readonly jar?: CookieJar;
}

/**
 * One per VU, so its state is small: methods on the prototype, no
 * listener per VU; a plain array for what is in flight (one request,
 * usually).
 */
class Client implements VuHttpClient {
  private readonly origin: string;
  private readonly basePath: string;
  private readonly inFlight: Exchange[] = [];
  private aborted = false;

  constructor(private readonly deps: ClientDeps) {
    this.origin = deps.baseUrl.origin;
    this.basePath = deps.baseUrl.pathname.replace(/\/$/, '');
  }

  get(path: string, options?: RequestOptions): Promise<VolleyResponse> {
    return this.request('GET', path, options);
  }
  post(path: string, options?: RequestOptions): Promise<VolleyResponse> {
    return this.request('POST', path, options);
  }
  put(path: string, options?: RequestOptions): Promise<VolleyResponse> {
    return this.request('PUT', path, options);
  }
  patch(path: string, options?: RequestOptions): Promise<VolleyResponse> {
    return this.request('PATCH', path, options);
  }
  delete(path: string, options?: RequestOptions): Promise<VolleyResponse> {
    return this.request('DELETE', path, options);
  }

  batch(requests: readonly BatchRequest[]): Promise<VolleyResponse[]>;
  batch<K extends string>(requests: Readonly<Record<K, BatchRequest>>): Promise<Record<K, VolleyResponse>>;
  async batch(
    requests: readonly BatchRequest[] | Readonly<Record<string, BatchRequest>>,
  ): Promise<VolleyResponse[] | Record<string, VolleyResponse>> {
    if (Array.isArray(requests)) return Promise.all(requests.map((r, i) => this.batchOne(r, `batch[${i}]`)));
    const entries = Object.entries(requests as Record<string, BatchRequest>);
    const answers = await Promise.all(entries.map(([k, r]) => this.batchOne(r, `batch.${k}`)));
    return Object.fromEntries(entries.map(([k], i) => [k, answers[i]!]));
  }

  private batchOne(r: BatchRequest, where: string): Promise<VolleyResponse> {
    if (typeof r === 'string') return this.request('GET', r);
    if (Array.isArray(r)) return this.request(r[0], r[1], r[2]);
    const o = r as Exclude<BatchRequest, string | readonly unknown[]>;
    const path = o.path ?? o.url;
    if (typeof path !== 'string') throw new TypeError(`${where}: give a path (or url), a [method, path, options] list, or a path string`);
    return this.request(o.method ?? 'GET', path, o.options);
  }

  get jar(): CookieJar | undefined {
    return this.deps.jar;
  }

  abortAll(): void {
    this.aborted = true;
    for (const x of this.inFlight) x.abort();
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<VolleyResponse> {
    const { connections, recorder, takeDue, jar, group } = this.deps;
    const name = options.name ?? path;
    let body: string | Buffer | undefined = options.body;
    // a path is relative to the run's host; an absolute URL (k6 scripts) goes where it says
    const absolute = path.charCodeAt(0) !== 47 /* / */ && /^https?:\/\//i.test(path) ? new URL(path) : undefined;
    const target = absolute ? absolute.origin : this.origin;
    const cookie = jar?.header(target);
    // the scenario's headers as they are, copied only when something is added
    let headers = options.headers;
    if (options.json !== undefined || cookie) {
      const h: Record<string, string> = { ...options.headers };
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        h['content-type'] ??= 'application/json';
      }
      if (cookie) h.cookie = h.cookie ? `${h.cookie}; ${cookie}` : cookie;
      headers = h;
    }
    const g = group?.();
    const tags = g ? { ...options.tags, group: g } : options.tags;
    const due = takeDue?.();
    const now = performance.now();
    const x = new Exchange(
      due === undefined ? now : Math.min(due, now),
      due !== undefined,
      this.deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    );
    if (this.aborted) x.abort();
    else {
      this.inFlight.push(x);
      const lane = connections.acquire(target);
      try {
        lane.client.dispatch(
          {
            path: absolute ? absolute.pathname + absolute.search : this.basePath + path,
            method,
            headers,
            body,
            timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          },
          x,
        );
      } catch (err) {
        // invalid arguments throw synchronously: the request is not sent, and its failure says why
        x.onResponseError(
          undefined as never,
          err instanceof InvalidRequestError ? err : new InvalidRequestError(String((err as Error)?.message ?? err)),
        );
      }
      await x.done;
      connections.release(lane);
      // order does not matter: the last one takes its place (splice would allocate the removed)
      const last = this.inFlight.pop()!;
      if (last !== x) this.inFlight[this.inFlight.indexOf(x)] = last;
    }
    const timing = x.timing();
    // said in the summary: what a script read of such a body is not all the target sent (unless it asked for none)
    if (x.cut && this.deps.maxBodyBytes !== 0) recorder.count('response_bodies_cut', { name });
    const debug = this.deps.debug;
    const sent = debug && { method, url: absolute ? absolute.href : `${this.origin}${this.basePath}${path}`, headers, body };
    if (x.error) {
      // as k6 does: a transport failure is a response with status 0 and the
      // client's error code, recorded as a failure; the task goes on
      const reason = transportReason(x.error);
      recorder.request(method, name, timing, false, reason, tags);
      const failed = new Response(0, undefined, EMPTY, timing.durationUs / 1000, reason, timing);
      if (sent)
        debug.write(
          formatExchange(debug.level, sent, { status: 0, headers: {}, body: EMPTY, durationMs: failed.durationMs, error: reason }),
        );
      return failed;
    }
    const res = new Response(x.status, x, x.bodyBuffer(), timing.durationUs / 1000, undefined, timing);
    if (sent)
      debug.write(
        formatExchange(debug.level, sent, { status: res.status, headers: res.headers, body: res.body, durationMs: res.durationMs }),
      );
    jar?.store(target, x.header('set-cookie'));
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
}

export function createHttpClient(deps: ClientDeps): VuHttpClient {
  return new Client(deps);
}
