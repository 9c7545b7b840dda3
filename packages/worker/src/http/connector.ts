import net from 'node:net';
import tls from 'node:tls';
import type { buildConnector } from 'undici';

/**
 * Our own connector for undici, so that each connection can tell the
 * request it carries what undici's request API does not: how long its
 * TCP connect and TLS handshake took, and how many bytes — heads included —
 * went each way. This is what k6 reports as http_req_connecting,
 * http_req_tls_handshaking, data_sent and data_received.
 */

/** What a request learns from the connection it was written to. */
export interface Carrier {
  /** the connection this request was written to (once per request) */
  attach(trace: SocketTrace): void;
  /** bytes written for this request, and when */
  wrote(bytes: number, at: number): void;
}

export class SocketTrace {
  /** microseconds; given to the first request on a new connection, 0 after */
  connectingUs = 0;
  tlsUs = 0;
  fresh = true;
  /** socket.bytesRead when the previous response on this connection ended */
  readMark = 0;
  constructor(readonly socket: net.Socket) {}

  /** Bytes read since the last call: the response just finished (one request at a time per connection). */
  takeRead(): number {
    const now = this.socket.bytesRead;
    const n = now - this.readMark;
    this.readMark = now;
    return n;
  }
}

/**
 * undici calls the handler's onRequestStart and then, synchronously,
 * writes that request's head to its connection: the request announced here
 * is the one the next write on any of our connections belongs to.
 */
let announced: Carrier | undefined;
export function announce(carrier: Carrier): void {
  announced = carrier;
}

/** A request that ended before it was written (aborted) must not take the next write. */
export function withdraw(carrier: Carrier): void {
  if (announced === carrier) announced = undefined;
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  return (chunk as Uint8Array).byteLength ?? 0;
}

function instrument(socket: net.Socket, trace: SocketTrace): void {
  let current: Carrier | undefined;
  const write = socket.write;
  // named parameters, not a rest array: this runs for every write
  socket.write = function (this: net.Socket, chunk: unknown, encoding?: unknown, cb?: unknown): boolean {
    if (announced) {
      current = announced;
      announced = undefined;
      current.attach(trace);
    }
    current?.wrote(byteLength(chunk, encoding), performance.now());
    return (write as (c: unknown, e?: unknown, cb?: unknown) => boolean).call(this, chunk, encoding, cb);
  } as typeof socket.write;
}

export interface ConnectOptions {
  /** accept any certificate (k6's insecureSkipTLSVerify) */
  insecure?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  timeoutMs?: number;
}

const us = (ms: number): number => Math.max(0, Math.round(ms * 1000));

export class ConnectTimeoutError extends Error {
  readonly code = 'UND_ERR_CONNECT_TIMEOUT';
  constructor(host: string, port: number, ms: number) {
    super(`connect to ${host}:${port} timed out after ${ms} ms`);
  }
}

/** A connector in undici's shape that times connect and TLS, and traces bytes per request. */
export function tracingConnector(opts: ConnectOptions = {}): buildConnector.connector {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return (target, callback) => {
    const secure = target.protocol === 'https:';
    const port = Number(target.port) || (secure ? 443 : 80);
    const host = target.hostname;
    const t0 = performance.now();
    let tcpAt = t0;
    const socket: net.Socket = secure
      ? tls.connect({
          host, port,
          // SNI takes a name, never an address
          servername: target.servername || (net.isIP(host) ? undefined : host),
          ALPNProtocols: ['http/1.1'],
          rejectUnauthorized: !opts.insecure, ca: opts.ca, cert: opts.cert, key: opts.key,
        })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    let settled = false;
    const timer = setTimeout(() => socket.destroy(new ConnectTimeoutError(host, port, timeoutMs)), timeoutMs);
    const done = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) return callback(err, null);
      const trace = new SocketTrace(socket);
      const at = performance.now();
      trace.connectingUs = us(tcpAt - t0);
      trace.tlsUs = secure ? us(at - tcpAt) : 0;
      instrument(socket, trace);
      callback(null, socket);
    };
    socket.once('connect', () => {
      tcpAt = performance.now();
      if (!secure) done(null);
    });
    if (secure) socket.once('secureConnect', () => done(null));
    socket.on('error', (err) => done(err));
  };
}
