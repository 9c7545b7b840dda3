import type { SocketTrace } from './connector.js';
import type { Controller, Http1Handler } from './http1-connection.js';
import { headerIn, responseHeaders, type ResponseHeaders } from './http1-head.js';
import { TransportError } from './transport-error.js';

const us = (ms: number): number => Math.max(0, Math.round(ms * 1000));

/** The phases of one request in microseconds, as k6 names them, and its bytes on the wire. */
export interface RequestTiming {
  durationUs: number;
  blockedUs: number;
  connectingUs: number;
  tlsUs: number;
  sendingUs: number;
  waitingUs: number;
  receivingUs: number;
  sentBytes: number;
  receivedBytes: number;
  /** false when no response came: only the duration and the bytes are known */
  complete: boolean;
}

/**
 * One request and its response, as its connection reports them: no stream
 * or async iterator per body, and a timestamp at each moment (queued →
 * taken → written → headers → end).
 */
export class Exchange implements Http1Handler {
  status = 0;
  /** the response's headers as the parser read them: [name, value, …] */
  rawHeaders: string[] = [];
  private headerObject?: ResponseHeaders;
  body: Buffer[] = [];
  /** body bytes kept in `body`, and those past the cap that were counted but not kept */
  private kept = 0;
  cut = 0;
  error?: Error;
  /** when the connection took the request (ends http_req_blocked) */
  private boundAt = 0;
  private sentAt = 0;
  private headersAt = 0;
  private endAt = 0;
  private sentBytes = 0;
  private receivedBytes = 0;
  private connectingUs = 0;
  private tlsUs = 0;
  private controller?: Controller;
  private settled = false;
  private resolve!: (x: Exchange) => void;
  readonly done: Promise<Exchange>;

  /**
   * `started` is the call, or when its arrival-rate iteration was due
   * (`fromDue`): the blocked phase counts from it. The duration counts
   * from it only when due — so that a target's stall counts for every
   * request it held back (coordinated omission) — and otherwise, as k6
   * and wrk count, from when a connection took the request: the wait for
   * a connection, its connect and handshake are in `http_req_blocked`,
   * not in the duration.
   */
  constructor(
    readonly started: number,
    private readonly fromDue = false,
    private readonly maxBody = Infinity,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  onRequestStart(controller: Controller, at: number): void {
    this.controller = controller;
    if (this.settled) return controller.abort(this.error ?? new TransportError('INTERRUPTED', 'abandoned at the hard stop'));
    // a retried request starts over
    this.body = [];
    this.kept = 0;
    this.cut = 0;
    this.sentBytes = 0;
    this.receivedBytes = 0;
    this.boundAt = at;
    this.sentAt = this.boundAt;
  }

  attach(trace: SocketTrace): void {
    if (trace.fresh) {
      trace.fresh = false;
      this.connectingUs = trace.connectingUs;
      this.tlsUs = trace.tlsUs;
    }
  }

  wrote(bytes: number, at: number): void {
    this.sentBytes += bytes;
    this.sentAt = at;
  }

  received(bytes: number): void {
    this.receivedBytes += bytes;
  }

  onResponseStart(_c: Controller, statusCode: number, headers: string[]): void {
    this.status = statusCode;
    this.rawHeaders = headers;
    this.headersAt = performance.now();
  }

  /** Keeps the body up to the cap: a target that sends without end holds this much memory per request, not more. */
  onResponseData(_c: Controller, chunk: Buffer): void {
    const room = this.maxBody - this.kept;
    if (chunk.length <= room) {
      this.body.push(chunk);
      this.kept += chunk.length;
      return;
    }
    // a copy of the part kept, so the parser's whole buffer is not held by it (kept never passes the cap: room ≥ 0)
    if (room > 0) this.body.push(Buffer.from(chunk.subarray(0, room)));
    this.kept += room;
    this.cut += chunk.length - room;
  }

  onResponseEnd(_c: Controller, at: number): void {
    this.finish(undefined, at);
  }

  onResponseError(_c: Controller, err: Error): void {
    this.finish(err, performance.now());
  }

  /** Abandons the request (a hard stop): it settles now, and is cut off if a connection already holds it. */
  abort(): void {
    if (this.settled) return;
    this.controller?.abort(new TransportError('INTERRUPTED', 'abandoned at the hard stop'));
    this.finish(new TransportError('INTERRUPTED', 'abandoned at the hard stop'), performance.now());
  }

  /** The headers as an object (names in lower case), made when first asked for: most responses never are. */
  get headers(): ResponseHeaders {
    return (this.headerObject ??= responseHeaders(this.rawHeaders));
  }

  /** One header (`name` in lower case) without making the object. */
  header(name: string): string | string[] | undefined {
    return this.headerObject ? this.headerObject[name] : headerIn(this.rawHeaders, name);
  }

  bodyBuffer(): Buffer {
    return this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body);
  }

  timing(): RequestTiming {
    const end = this.endAt;
    const complete = !this.error && this.headersAt > 0;
    // a request that never reached a connection counts from the call
    const from = this.fromDue || this.boundAt === 0 ? this.started : this.boundAt;
    return {
      durationUs: Math.max(1, us(end - from)),
      blockedUs: complete ? us(this.boundAt - this.started) : 0,
      connectingUs: this.connectingUs,
      tlsUs: this.tlsUs,
      sendingUs: complete ? us(this.sentAt - this.boundAt) : 0,
      waitingUs: complete ? us(this.headersAt - this.sentAt) : 0,
      receivingUs: complete ? us(end - this.headersAt) : 0,
      sentBytes: this.sentBytes,
      receivedBytes: this.receivedBytes,
      complete,
    };
  }

  private finish(err: Error | undefined, at: number): void {
    if (this.settled) return;
    this.settled = true;
    this.endAt = at;
    this.error = err;
    settleSoon(this);
  }

  /** @internal */
  settle(): void {
    this.resolve(this);
  }
}

/*
 * Responses that arrive together are read in one poll phase, one socket
 * after another. Resolving each at once would run its VU's continuation
 * (recording, the next iteration, the next request) before the next
 * socket is read, so a response late in a burst of 50 was timestamped
 * after the continuations of those before it (~6 µs each, measured against
 * tcpdump's timestamps). Settled together in one immediate after the poll
 * phase, each is timestamped at its parse (~3 µs each).
 */
let settling: Exchange[] = [];
let spare: Exchange[] = [];
function settleSoon(x: Exchange): void {
  if (settling.push(x) === 1) setImmediate(settleAll);
}
function settleAll(): void {
  const batch = settling;
  settling = spare;
  for (let i = 0; i < batch.length; i++) batch[i]!.settle();
  batch.length = 0;
  spare = batch;
}
