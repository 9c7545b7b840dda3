import type net from 'node:net';
import type { Connector, SocketTrace } from './connector.js';
import { headerIn, keepAliveHintMs, requestHead, type Head, type RequestHeaders } from './http1-head.js';
import { attachParser } from './response-parser.js';
import { TransportError } from './transport-error.js';

/**
 * One keep-alive HTTP/1.1 connection, one request at a time, on Node's own
 * parser (llhttp, the one node:http uses) fed straight from the socket's
 * native handle, or the public fallback (response-parser.ts, the one door
 * to those internals). Why not undici's Client: bench/fixtures/socket-floor.mjs
 * against undici-floor.mjs — undici alone, with a handler that only counts,
 * is slower than autocannon back to back and costs 1.8× what this path
 * costs at an even 5,000/s (bench/README.md, "max-rate"); a generator built
 * on it cannot be as cheap as its peers.
 */

/** Cuts a request in flight. */
export interface Controller {
  abort(err: Error): void;
}

/** What a connection tells the request it carries, in order. Exchange implements it. */
export interface Http1Handler {
  /** the connection takes the request, at `at`; it may abort it here (already settled) */
  onRequestStart(controller: Controller, at: number): void;
  /** the connection it goes on (first request on a new one reports the connect) */
  attach(trace: SocketTrace): void;
  /** its head and body are written: bytes, and when */
  wrote(bytes: number, at: number): void;
  /** `headers`: the parser's flat [name, value, …] list, as received (responseHeaders makes the object) */
  onResponseStart(controller: Controller, status: number, headers: string[]): void;
  onResponseData(controller: Controller, chunk: Buffer): void;
  /** bytes of the response read from the wire, heads included */
  received(bytes: number): void;
  /** the response's last byte was read at `at` */
  onResponseEnd(controller: Controller, at: number): void;
  onResponseError(controller: Controller, err: Error): void;
}

export interface Http1Request {
  method: string;
  /** path and query, as they go on the request line */
  path: string;
  headers?: RequestHeaders;
  body?: string | Buffer;
  /** from the write to the response's last byte */
  timeoutMs: number;
}

// the only ones safe to send again when a reused connection closes before answering
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);
// these carry a body by meaning: without one they say content-length: 0 (nginx answers 411 otherwise)
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

const NO_HEADERS: string[] = [];

class Pending implements Controller {
  deadline = 0;
  aborted = false;
  /** a byte of its response has come */
  answered = false;
  ended = false;
  retried = false;
  constructor(
    readonly conn: Http1Connection,
    readonly method: string,
    readonly head: string,
    readonly body: string | Buffer | undefined,
    readonly bodyBytes: number,
    readonly close: boolean,
    readonly timeoutMs: number,
    readonly handler: Http1Handler,
  ) {}
  abort(err: Error): void {
    this.conn.abort(this, err);
  }
}

export class Http1Connection {
  private socket?: net.Socket;
  private trace?: SocketTrace;
  private connecting = false;
  private closed = false;
  private readonly queue: Pending[] = [];
  /** the request written on the socket, whose response is awaited */
  private current?: Pending;
  /** the request the chunk being parsed belongs to (current, or the one it ended) */
  private reading?: Pending;
  /** responses served on this socket */
  private served = 0;
  private idleSince = 0;
  private idleLimitMs: number;
  /** the last response lets the connection carry another */
  private reusable = true;
  private informational = false;
  /** header pairs the parser flushed before the head ended (more than 32), or trailers */
  private flushed: string[] = [];
  /** why the parser was told to stop */
  private stopWith?: Error;
  private readonly host: string;
  /** the last head built without headers, and what it was built for: a user repeating a request reuses it */
  private lastHead?: { method: string; path: string; bytes: number | undefined; head: Head };

  constructor(
    private readonly origin: URL,
    private readonly connector: Connector,
    private readonly keepAliveMs: number,
    /** what checks this connection's requests against their timeouts (expire) */
    private readonly sweep: { need(timeoutMs: number): void },
  ) {
    this.host = origin.host;
    this.idleLimitMs = keepAliveMs;
  }

  /**
   * Queues a request (one at a time on the wire). Throws InvalidRequestError
   * at once when it cannot be written as asked.
   */
  dispatch(req: Http1Request, handler: Http1Handler): void {
    const body = req.body;
    const bytes =
      body === undefined
        ? WITH_BODY.has(req.method)
          ? 0
          : undefined
        : typeof body === 'string'
          ? Buffer.byteLength(body)
          : body.byteLength;
    // with headers the head is built each time: the scenario may have changed the object it passed
    const last = this.lastHead;
    let head: Head;
    if (req.headers === undefined && last !== undefined && last.method === req.method && last.path === req.path && last.bytes === bytes)
      head = last.head;
    else {
      head = requestHead(req.method, req.path, this.host, req.headers, bytes);
      if (req.headers === undefined) this.lastHead = { method: req.method, path: req.path, bytes, head };
    }
    const p = new Pending(this, req.method, head.text, body, bytes ?? 0, head.close, req.timeoutMs, handler);
    if (this.closed) return handler.onResponseError(p, new TransportError('INTERRUPTED', 'connection closed at the end of the run'));
    this.sweep.need(req.timeoutMs);
    this.queue.push(p);
    this.pump();
  }

  /** Fails the request in flight if its time is up (the pool's TimeoutSweep calls this). */
  expire(now: number): void {
    const p = this.current;
    if (p && now > p.deadline) this.failCurrent(new TransportError('ETIMEDOUT', `no complete response within ${p.timeoutMs} ms`));
  }

  /** Closes the connection; what is queued or in flight ends as interrupted. */
  close(): void {
    this.closed = true;
    const err = new TransportError('INTERRUPTED', 'connection closed at the end of the run');
    this.failCurrent(err);
    for (const p of this.queue.splice(0)) p.handler.onResponseError(p, err);
  }

  abort(p: Pending, err: Error): void {
    if (p.ended || p.aborted) return;
    p.aborted = true;
    // written: the only way to cut it is to close the connection
    if (this.current === p) return this.failCurrent(err);
    const i = this.queue.indexOf(p);
    if (i >= 0) this.queue.splice(i, 1);
    p.handler.onResponseError(p, err);
  }

  private pump(): void {
    if (this.current || this.connecting || this.closed) return;
    while (this.queue.length > 0) {
      const s = this.socket;
      const now = performance.now();
      if (!s || s.destroyed || !this.reusable || (this.served > 0 && now - this.idleSince > this.idleLimitMs)) {
        // none yet, or the server asked to close, or it has idled past what the server keeps
        this.drop();
        return this.connect();
      }
      const p = this.queue.shift()!;
      p.handler.onRequestStart(p, now);
      if (p.aborted) continue;
      this.current = p;
      this.reading = p;
      p.handler.attach(this.trace!);
      if (p.body === undefined) s.write(p.head, 'latin1');
      else {
        s.cork();
        s.write(p.head, 'latin1');
        s.write(p.body);
        s.uncork();
      }
      const at = performance.now();
      // the head is latin1 (requestHead refuses anything else): a byte per character
      p.handler.wrote(p.head.length + p.bodyBytes, at);
      p.deadline = at + p.timeoutMs;
      return;
    }
  }

  private connect(): void {
    this.connecting = true;
    this.connector(this.origin, (err, socket, trace) => {
      this.connecting = false;
      if (this.closed) return void socket?.destroy();
      if (err) {
        for (const p of this.queue.splice(0)) p.handler.onResponseError(p, err);
        return;
      }
      this.attachSocket(socket!, trace!);
      this.pump();
    });
  }

  private attachSocket(socket: net.Socket, trace: SocketTrace): void {
    this.socket = socket;
    this.trace = trace;
    this.served = 0;
    this.reusable = true;
    this.idleLimitMs = this.keepAliveMs;
    let socketError: Error | undefined;
    const parser = attachParser(socket, {
      onHeaders: (headers) => void this.flushed.push(...headers),
      onHeadersComplete: (headers, status, upgrade, keepAlive) => this.onHead(headers, status, upgrade, keepAlive),
      onBody: (chunk) => {
        const p = this.current;
        if (p && !this.informational) p.handler.onResponseData(p, chunk);
      },
      onMessageComplete: () => this.onMessageComplete(),
      onExecute: (ret) => this.afterExecute(socket, ret),
    });
    socket.on('error', (e: Error) => void (socketError ??= e));
    socket.once('close', () => {
      parser.stop();
      // a body delimited by the close ends here (onMessageComplete)
      const cut = this.socket === socket && this.current ? parser.finish() : undefined;
      // after the stack has unwound, as node:http frees its parsers
      setImmediate(() => parser.close());
      if (this.socket !== socket) return; // dropped on purpose; its successor carries on
      this.socket = undefined;
      const p = this.current;
      this.current = undefined;
      this.reading = undefined;
      if (p) {
        // a reused connection the server closed as we wrote (its keep-alive ran out): once more, on a new one
        if (!p.answered && !p.retried && this.served > 0 && IDEMPOTENT.has(p.method)) {
          p.retried = true;
          this.queue.unshift(p);
        } else
          p.handler.onResponseError(
            p,
            socketError ??
              (cut instanceof Error ? cut : new TransportError('ECONNRESET', 'the target closed the connection before the response ended')),
          );
      }
      this.pump();
    });
  }

  private onHead(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number {
    const flat = this.flushed.length ? this.flushed.concat(headers ?? []) : (headers ?? NO_HEADERS);
    this.flushed = [];
    const p = this.current;
    if (!p) return this.stop(new TransportError('BAD_RESPONSE', 'the target sent a response to no request'));
    if (upgrade || status === 101)
      return this.stop(new TransportError('BAD_RESPONSE', `the target switched protocols (HTTP ${status}); only HTTP/1.1 is spoken`));
    if (status < 200) {
      // 100 Continue, 103 Early Hints: the answer is still to come
      this.informational = true;
      return 1;
    }
    this.reusable = keepAlive && !p.close;
    const hint = keepAliveHintMs(headerIn(flat, 'keep-alive'));
    // a second's margin, so that we do not write as the server closes
    if (hint !== undefined) this.idleLimitMs = Math.min(this.keepAliveMs, hint - 1000);
    p.handler.onResponseStart(p, status, flat);
    return p.method === 'HEAD' ? 1 : 0; // 1: no body follows
  }

  private onMessageComplete(): void {
    // a chunked body's trailers come flushed like head lines: they must not open the next head
    this.flushed = [];
    if (this.informational) {
      this.informational = false;
      return;
    }
    const p = this.current;
    if (!p) return;
    this.current = undefined;
    p.ended = true;
    this.served++;
    const at = performance.now();
    this.idleSince = at;
    p.handler.onResponseEnd(p, at);
  }

  /** After each chunk the parser read. */
  private afterExecute(socket: net.Socket, ret: number | Error): void {
    if (socket !== this.socket) return;
    if (typeof ret !== 'number') {
      const err = this.stopWith ?? ret;
      this.stopWith = undefined;
      return this.failCurrent(err);
    }
    const r = this.reading;
    if (r) {
      r.answered = true;
      r.handler.received(ret);
      if (r.ended) this.reading = undefined;
    }
    if (!this.current) this.pump();
  }

  /** Tells the parser to stop with this error (a callback returning -1 makes it fail). */
  private stop(err: Error): number {
    this.stopWith = err;
    return -1;
  }

  /** Ends the request in flight with `err` and the connection with it; what is queued goes on a new one. */
  private failCurrent(err: Error): void {
    const p = this.current;
    this.current = undefined;
    this.reading = undefined;
    this.drop();
    if (p) {
      p.ended = true;
      p.handler.onResponseError(p, err);
    }
    this.pump();
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }
}
