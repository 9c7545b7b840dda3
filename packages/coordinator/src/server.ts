import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import {
  bearerToken, decodeWorkerMessage, errorMessage, isLoopbackHost, MAX_WORKER_FRAME, tokenMatches, VolleyError,
} from '@volley/shared';
import type { Cluster } from './cluster/cluster.js';
import { StartRunBodySchema } from './api/schema.js';
import { TokenBucket, WORKER_BYTES, WORKER_FRAMES } from './rate-limit.js';
import { prometheusRegistry } from './api/prometheus.js';

export interface ServerOptions {
  host: string;
  port: number;
  /** required of control API clients (and of workers, unless workerToken is set) */
  token?: string;
  /** a separate token for workers */
  workerToken?: string;
  /** PEM certificate and key: serve https and wss */
  tls?: { cert: string; key: string };
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

const MAX_BODY = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, `body over ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(new HttpError(400, 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The coordinator's network face: the control API (JSON over HTTP) and the
 * workers' WebSocket on the same port. Both ask for the token when one is
 * set; without one it refuses to listen beyond loopback.
 */
export function assertMayListen(host: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new VolleyError('VOLLEY_UNAUTHORIZED', `refusing to listen on ${host} without a token: give --token-file or VOLLEY_TOKEN, or listen on 127.0.0.1`);
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { cluster, log, token } = opts;
  assertMayListen(opts.host, token);
  const workerToken = opts.workerToken ?? token;
  if (opts.workerToken && !token) throw new VolleyError('VOLLEY_BAD_OPTION', 'a worker token without a control token would leave the control API open; give both');
  const metrics = prometheusRegistry(cluster);
  const authorized = (req: IncomingMessage, expected = token): boolean => !expected || tokenMatches(bearerToken(req.headers.authorization), expected);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://coordinator');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true });
    if (!authorized(req)) throw new HttpError(401, 'missing or wrong token');

    if (req.method === 'GET' && path === '/api/status') return send(res, 200, cluster.status());
    if (req.method === 'GET' && path === '/metrics') {
      const text = await metrics.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(text);
      return;
    }
    if (req.method === 'POST' && path === '/api/runs') {
      const parsed = StartRunBodySchema.safeParse(await readBody(req));
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new HttpError(400, `${issue.path.join('.') || 'body'}: ${issue.message}`);
      }
      try {
        const { id } = cluster.start(parsed.data);
        return send(res, 202, { id });
      } catch (err) {
        if (err instanceof VolleyError && err.code === 'VOLLEY_RUN_STATE') throw new HttpError(409, err.message);
        if (err instanceof VolleyError) throw new HttpError(400, err.message);
        throw err;
      }
    }
    if (req.method === 'POST' && path === '/api/runs/current/stop') {
      const status = cluster.stop('stopped through the API');
      if (!status) throw new HttpError(409, 'no run in progress');
      return send(res, 202, status);
    }
    const m = /^\/api\/runs\/([\w.:-]+)$/.exec(path);
    if (req.method === 'GET' && m) {
      const run = cluster.runById(m[1]!);
      if (!run) throw new HttpError(404, `no run ${m[1]}`);
      return send(res, 200, run);
    }
    throw new HttpError(404, `no route ${req.method} ${path}`);
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error({ err: errorMessage(err) }, 'control API failed');
      if (!res.headersSent) send(res, status, { error: errorMessage(err) });
      else res.destroy();
    });
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WORKER_FRAME });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!authorized(req, workerToken)) {
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
        session.onMessage(decodeWorkerMessage(data.toString()));
      } catch (err) {
        log.warn({ remote, err: errorMessage(err) }, 'bad message from a worker; closing its link');
        ws.close(1008, errorMessage(err).slice(0, 120));
      }
    });
    ws.on('error', (err) => log.warn({ remote, err: errorMessage(err) }, 'worker link error'));
    ws.on('close', () => session.onClose());
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const secure = opts.tls ? 's' : '';
  log.info({ address: `${hostPart}:${addr.port}`, auth: token ? 'token' : 'none (loopback only)', tls: !!opts.tls }, 'coordinator listening');
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
