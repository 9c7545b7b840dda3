import { createRequire } from 'node:module';
import net from 'node:net';
import type * as Tls from 'node:tls';
import { TransportError } from './transport-error.js';

const requireBuiltin = createRequire(import.meta.url);
let tlsModule: typeof Tls | undefined;
/** node:tls at the first TLS connection: loaded up front it is ~11 ms of every worker's start (Node 26), for targets mostly plain HTTP */
const tls = (): typeof Tls => (tlsModule ??= requireBuiltin('node:tls') as typeof Tls);

/**
 * Opens the TCP (and TLS) connection under an HTTP/1.1 connection and
 * times it: what k6 reports as http_req_connecting and
 * http_req_tls_handshaking, given to the first request on it.
 */

/** How a connection came to be; the first request it carries reports it. */
export class SocketTrace {
  /** microseconds */
  connectingUs = 0;
  tlsUs = 0;
  /** no request has reported this connection's connect yet */
  fresh = true;
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

export type Connector = (origin: URL, callback: (err: Error | null, socket?: net.Socket, trace?: SocketTrace) => void) => void;

/** A connector that times connect and TLS; the socket it hands over is connected (and its handshake done). */
export function tracingConnector(opts: ConnectOptions = {}): Connector {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return (origin, callback) => {
    const secure = origin.protocol === 'https:';
    const port = Number(origin.port) || (secure ? 443 : 80);
    // URL keeps IPv6 hosts in brackets; sockets take them bare
    const host = origin.hostname.replace(/^\[(.*)\]$/, '$1');
    const t0 = performance.now();
    let tcpAt = t0;
    const socket: net.Socket = secure
      ? tls().connect({
          host,
          port,
          // SNI takes a name, never an address
          servername: net.isIP(host) ? undefined : host,
          ALPNProtocols: ['http/1.1'],
          rejectUnauthorized: !opts.insecure,
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
        })
      : net.connect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);
    let settled = false;
    const timer = setTimeout(
      () => socket.destroy(new TransportError('CONNECT_TIMEOUT', `connect to ${host}:${port} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    const done = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('error', done);
      if (err) {
        socket.destroy();
        return callback(err);
      }
      const trace = new SocketTrace();
      trace.connectingUs = us(tcpAt - t0);
      trace.tlsUs = secure ? us(performance.now() - tcpAt) : 0;
      callback(null, socket, trace);
    };
    socket.once('connect', () => {
      tcpAt = performance.now();
      if (!secure) done(null);
    });
    if (secure) socket.once('secureConnect', () => done(null));
    socket.on('error', done);
    // closed before connecting without an error (destroyed): still an answer
    socket.once('close', () => done(new TransportError('ECONNRESET', `connection to ${host}:${port} closed while connecting`)));
  };
}
