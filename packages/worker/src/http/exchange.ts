import type { Dispatcher } from 'undici';
import { announce, withdraw, type Carrier, type SocketTrace } from './connector.js';

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

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

/** Why a request was abandoned at a scenario's hard stop. */
export class StopAbort extends Error {
  override readonly name = 'AbortError';
}

/**
 * One request and its response, as an undici dispatch handler: no stream
 * or async iterator per body, and a timestamp at each moment undici and
 * our connector expose (queued → written → sent → headers → end).
 */
export class Exchange implements Dispatcher.DispatchHandler, Carrier {
  status = 0;
  headers: Headers = {};
  body: Buffer[] = [];
  error?: Error;
  /** when the connection took the request (ends http_req_blocked) */
  private boundAt = 0;
  private sentAt = 0;
  private headersAt = 0;
  private endAt = 0;
  private sentBytes = 0;
  private receivedBytes = 0;
  private trace?: SocketTrace;
  private connectingUs = 0;
  private tlsUs = 0;
  private controller?: Controller;
  private settled = false;
  private resolve!: (x: Exchange) => void;
  readonly done: Promise<Exchange>;

  /** `started` is when the request counts from: the call, or when its iteration was due */
  constructor(readonly started: number) {
    this.done = new Promise((r) => (this.resolve = r));
  }

  onRequestStart(controller: Controller): void {
    this.controller = controller;
    if (this.settled) return controller.abort(this.error ?? new StopAbort('interrupted at stop'));
    // a retried request starts over
    this.body = [];
    this.sentBytes = 0;
    this.boundAt = performance.now();
    this.sentAt = this.boundAt;
    announce(this);
  }

  attach(trace: SocketTrace): void {
    this.trace = trace;
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

  onResponseStart(_c: Controller, statusCode: number, headers: Headers): void {
    this.status = statusCode;
    this.headers = headers;
    this.headersAt = performance.now();
  }

  onResponseData(_c: Controller, chunk: Buffer): void {
    this.body.push(chunk);
  }

  onResponseEnd(): void {
    this.finish(undefined);
  }

  onResponseError(_c: Controller, err: Error): void {
    this.finish(err);
  }

  /** Abandons the request (a hard stop): it settles now, and is cut off if undici already holds it. */
  abort(): void {
    if (this.settled) return;
    this.controller?.abort(new StopAbort('interrupted at stop'));
    this.finish(new StopAbort('interrupted at stop'));
  }

  bodyBuffer(): Buffer {
    return this.body.length === 1 ? this.body[0]! : Buffer.concat(this.body);
  }

  timing(): RequestTiming {
    const end = this.endAt;
    const complete = !this.error && this.headersAt > 0;
    return {
      durationUs: Math.max(1, us(end - this.started)),
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

  private finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    withdraw(this);
    this.endAt = performance.now();
    this.error = err;
    // read now: the connection may carry the next request as soon as this one ends
    if (this.trace) this.receivedBytes = this.trace.takeRead();
    this.resolve(this);
  }
}
