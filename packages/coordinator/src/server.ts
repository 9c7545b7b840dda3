import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  bearerToken,
  decodeWorkerMessage,
  errorMessage,
  isLoopbackHost,
  MAX_WORKER_FRAME,
  tokenMatches,
  VolleyError,
} from '@volley/shared';
import { header, HttpError, send, statusOf } from './api/http-io.js';
import { controlRoutes, matchRoute } from './api/routes.js';
import type { Cluster } from './cluster/cluster.js';
import { directoryCatalog, type ScenarioCatalog } from './dashboard/scenarios.js';
import { DashboardSessions } from './dashboard/sessions.js';
import { TokenBucket, WORKER_BYTES, WORKER_FRAMES } from './rate-limit.js';
import { guardRequest, type Refusal } from './request-guard.js';

// a require, not an import(): the built CLI runs from V8's code cache, where import() has no loader (cli/bin.ts)
const requireBuiltin = createRequire(import.meta.url);

export interface ServerOptions {
  host: string;
  port: number;
  /** required of control API clients (and of workers, unless workerToken is set) */
  token?: string;
  /** a separate token for workers */
  workerToken?: string;
  /** PEM certificate and key: serve https and wss */
  tls?: { cert: string; key: string };
  /** the scenarios the dashboard may start (default: none) */
  scenarios?: ScenarioCatalog;
  cluster: Cluster;
  log: Logger;
}

export interface RunningServer {
  /** http://host:port */
  url: string;
  /** ws://host:port for workers */
  workerUrl: string;
  close(): Promise<void>;
}

/**
 * The coordinator's network face: the control API (JSON over HTTP) and the
 * workers' WebSocket on the same port. Both ask for the token when one is
 * set; without one it refuses to listen beyond loopback.
 */
export function assertMayListen(host: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new VolleyError(
      'VOLLEY_UNAUTHORIZED',
      `refusing to listen on ${host} without a token: give --token-file or VOLLEY_TOKEN, or listen on 127.0.0.1`,
    );
  }
}

/** Why an address could not be listened on, in the user's terms: bad input, not a crash. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const why = {
    EADDRINUSE: 'the port is in use; choose another',
    EACCES: 'not permitted (ports below 1024 need root)',
    EADDRNOTAVAIL: 'no such address on this machine',
    ENOTFOUND: 'no such host',
  }[err.code ?? ''];
  return why ? new VolleyError('VOLLEY_BAD_OPTION', `cannot listen on ${host}:${port}: ${why}`) : err;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { cluster, log, token } = opts;
  assertMayListen(opts.host, token);
  const workerToken = opts.workerToken ?? token;
  if (opts.workerToken && !token)
    throw new VolleyError('VOLLEY_BAD_OPTION', 'a worker token without a control token would leave the control API open; give both');
  // API clients send the token as a bearer; the dashboard's page a session id of its own (dashboard/sessions.ts)
  const sessions = new DashboardSessions();
  const authorized = (req: IncomingMessage): boolean =>
    !token || tokenMatches(bearerToken(req.headers.authorization), token) || sessions.valid(header(req, 'x-volley-session'), Date.now());
  const guard = (req: IncomingMessage): Refusal | undefined => guardRequest(req, { tokenless: !token, secure: !!opts.tls });
  const routes = controlRoutes({ cluster, catalog: opts.scenarios ?? directoryCatalog(undefined), sessions, token });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://coordinator').pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true });
    const refused = guard(req);
    if (refused) {
      log.warn(
        { remote: req.socket.remoteAddress, method: req.method, path, origin: req.headers.origin, host: req.headers.host },
        `request refused: ${refused.message}`,
      );
      throw new HttpError(refused.status, refused.message);
    }
    const found = matchRoute(routes, req.method, path);
    // without the token, no route is told apart from another
    if (found?.route.access !== 'open' && !authorized(req)) throw new HttpError(401, 'missing or wrong token');
    if (!found) throw new HttpError(404, `no route ${req.method} ${path}`);
    await found.route.handle({ req, res, params: found.params });
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      const status = statusOf(err);
      if (status === 500) log.error({ err: errorMessage(err) }, 'control API failed');
      if (!res.headersSent) send(res, status, { error: errorMessage(err) });
      else res.destroy();
    });
  };
  // node:https only when serving TLS: ~12 ms of every start otherwise
  const server = opts.tls
    ? (requireBuiltin('node:https') as typeof Https).createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
    : createHttpServer(handler);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WORKER_FRAME });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refused = guard(req);
    if (refused) {
      log.warn(
        { remote: req.socket.remoteAddress, origin: req.headers.origin, host: req.headers.host },
        `worker link refused: ${refused.message}`,
      );
      socket.end(
        `HTTP/1.1 ${refused.status} ${refused.status === 403 ? 'Forbidden' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    if (workerToken && !tokenMatches(bearerToken(req.headers.authorization), workerToken)) {
      log.warn({ remote: req.socket.remoteAddress }, 'worker refused: missing or wrong token');
      socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachWorker(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`));
  });

  function attachWorker(ws: WebSocket, remote: string): void {
    const session = cluster.attach({
      remote,
      send: (msg) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
      },
      close: (code, reason) => ws.close(code, reason),
    });
    const frames = new TokenBucket(WORKER_FRAMES.capacity, WORKER_FRAMES.perSecond, Date.now());
    const bytes = new TokenBucket(WORKER_BYTES.capacity, WORKER_BYTES.perSecond, Date.now());
    ws.on('message', (data, isBinary) => {
      const now = Date.now();
      if (!frames.take(1, now) || !bytes.take((data as Buffer).length ?? 0, now)) {
        log.warn({ remote }, 'message flood from a worker; closing its link');
        ws.close(1008, 'message flood');
        ws.removeAllListeners('message');
        return;
      }
      try {
        if (isBinary) throw new VolleyError('VOLLEY_BAD_MESSAGE', 'binary frames are not part of the protocol');
        const text = data.toString();
        session.onMessage(decodeWorkerMessage(text));
      } catch (err) {
        log.warn({ remote, err: errorMessage(err) }, 'bad message from a worker; closing its link');
        ws.close(1008, errorMessage(err).slice(0, 120));
      }
    });
    ws.on('error', (err) => log.warn({ remote, err: errorMessage(err) }, 'worker link error'));
    ws.on('close', () => session.onClose());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const secure = opts.tls ? 's' : '';
  log.info(
    { address: `${hostPart}:${addr.port}`, auth: token ? 'token' : 'none (loopback only)', tls: !!opts.tls },
    'coordinator listening',
  );
  return {
    url: `http${secure}://${hostPart}:${addr.port}`,
    workerUrl: `ws${secure}://${hostPart}:${addr.port}`,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
