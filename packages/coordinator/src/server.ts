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
import { ScaleBodySchema, StartRunBodySchema } from './api/schema.js';
import { TokenBucket, WORKER_BYTES, WORKER_FRAMES } from './rate-limit.js';
import type { Registry } from 'prom-client';
import { renderDashboard } from './dashboard/page.js';
import { directoryCatalog, type ScenarioCatalog } from './dashboard/scenarios.js';
import { loadHtmlAssets } from './report/write.js';
import { renderHtml, runSections, type HtmlAssets } from './report/html.js';
import { renderK6Json } from './report/k6-json.js';
import { guardRequest, type Refusal } from './request-guard.js';
import { DashboardSessions } from './dashboard/sessions.js';
import { renderLocustStatsCsv } from './report/locust-csv.js';
import { z } from 'zod';

const DashboardFormSchema = z.object({
  file: z.string().min(1).max(256),
  users: z.number().int().min(0).max(10_000_000),
  spawnRate: z.number().positive().max(1_000_000),
  runTimeMs: z.number().int().positive().max(31 * 24 * 3_600_000).optional(),
  host: z.string().url(),
  ownPlan: z.boolean().optional(),
});

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

const MAX_BODY = 64 * 1024 * 1024;
/** the dashboard's tables, redrawn every second: the busiest workers only */
const LIVE_SECTIONS = { requestsId: 'live-requests', maxWorkers: 50 };

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

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

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

/** Why an address could not be listened on, in the user's terms: bad input, not a crash. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const why = { EADDRINUSE: 'the port is in use; choose another', EACCES: 'not permitted (ports below 1024 need root)', EADDRNOTAVAIL: 'no such address on this machine', ENOTFOUND: 'no such host' }[err.code ?? ''];
  return why ? new VolleyError('VOLLEY_BAD_OPTION', `cannot listen on ${host}:${port}: ${why}`) : err;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { cluster, log, token } = opts;
  assertMayListen(opts.host, token);
  const workerToken = opts.workerToken ?? token;
  if (opts.workerToken && !token) throw new VolleyError('VOLLEY_BAD_OPTION', 'a worker token without a control token would leave the control API open; give both');
  // prom-client loads on the first scrape, not with every coordinator
  let metrics: Registry | undefined;
  // API clients send the token as a bearer; the dashboard's page a session id of its own (dashboard/sessions.ts)
  const sessions = new DashboardSessions();
  const authorized = (req: IncomingMessage): boolean =>
    !token || tokenMatches(bearerToken(req.headers.authorization), token) || sessions.valid(header(req, 'x-volley-session'), Date.now());
  const guard = (req: IncomingMessage): Refusal | undefined => guardRequest(req, { tokenless: !token, secure: !!opts.tls });
  let assets: HtmlAssets | undefined;
  const catalog = opts.scenarios ?? directoryCatalog(undefined);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://coordinator');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true });
    const refused = guard(req);
    if (refused) {
      log.warn({ remote: req.socket.remoteAddress, method: req.method, path, origin: req.headers.origin, host: req.headers.host }, `request refused: ${refused.message}`);
      throw new HttpError(refused.status, refused.message);
    }
    // the page holds nothing secret: it asks for its data with the session it makes from /?token=…
    if (req.method === 'GET' && path === '/') {
      assets ??= await loadHtmlAssets();
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
      res.end(renderDashboard(assets));
      return;
    }
    if (req.method === 'POST' && path === '/api/session') {
      if (!token) return send(res, 200, { session: null });
      if (!tokenMatches(bearerToken(req.headers.authorization), token)) throw new HttpError(401, 'wrong token');
      return send(res, 201, { session: sessions.create(Date.now()) });
    }
    if (!authorized(req)) throw new HttpError(401, 'missing or wrong token');
    if (req.method === 'GET' && path === '/api/dashboard') {
      return send(res, 200, { scenarios: await catalog.list(), defaults: catalog.defaults });
    }
    if (req.method === 'GET' && path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      const push = (): void => {
        const summary = cluster.liveSummary();
        res.write(`data: ${JSON.stringify({ status: cluster.status(), summary, sections: summary && runSections(summary, LIVE_SECTIONS) })}\n\n`);
      };
      push();
      const timer = setInterval(push, 1000);
      req.on('close', () => clearInterval(timer));
      return;
    }
    if (req.method === 'GET' && path === '/api/scenarios') return send(res, 200, { scenarios: await catalog.list() });
    if (req.method === 'POST' && path === '/api/runs/from-dashboard') {
      const parsed = DashboardFormSchema.safeParse(await readBody(req));
      if (!parsed.success) throw new HttpError(400, `${parsed.error.issues[0]!.path.join('.') || 'body'}: ${parsed.error.issues[0]!.message}`);
      let body;
      try {
        body = (await catalog.prepare(parsed.data)).body;
      } catch (err) {
        throw new HttpError(400, errorMessage(err));
      }
      try {
        return send(res, 202, { id: cluster.start(body as Parameters<Cluster['start']>[0]).id });
      } catch (err) {
        throw new HttpError(err instanceof VolleyError && err.code === 'VOLLEY_RUN_STATE' ? 409 : 400, errorMessage(err));
      }
    }
    const download = /^\/api\/runs\/([\w.:-]+)\/(report\.html|summary\.json|stats\.csv)$/.exec(path);
    if (req.method === 'GET' && download) {
      const summary = cluster.runById(download[1]!)?.summary;
      if (!summary) throw new HttpError(404, `no finished run ${download[1]}`);
      const [type, text] = download[2] === 'report.html' ? ['text/html; charset=utf-8', renderHtml(summary, (assets ??= await loadHtmlAssets()))]
        : download[2] === 'summary.json' ? ['application/json', renderK6Json(summary)] : ['text/csv', renderLocustStatsCsv(summary)];
      res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${summary.run.id}-${download[2]}"` });
      res.end(text);
      return;
    }

    if (req.method === 'GET' && path === '/api/status') return send(res, 200, cluster.status());
    if (req.method === 'GET' && path === '/metrics') {
      metrics ??= (await import('./api/prometheus.js')).prometheusRegistry(cluster);
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
    if (req.method === 'POST' && path === '/api/runs/current/scale') {
      const parsed = ScaleBodySchema.safeParse(await readBody(req));
      if (!parsed.success) throw new HttpError(400, `${parsed.error.issues[0]!.path.join('.') || 'body'}: ${parsed.error.issues[0]!.message}`);
      try {
        return send(res, 200, cluster.scale(parsed.data.users, parsed.data.spawnRate));
      } catch (err) {
        throw new HttpError(err instanceof VolleyError && err.code === 'VOLLEY_RUN_STATE' ? 409 : 400, errorMessage(err));
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
    const refused = guard(req);
    if (refused) {
      log.warn({ remote: req.socket.remoteAddress, origin: req.headers.origin, host: req.headers.host }, `worker link refused: ${refused.message}`);
      socket.end(`HTTP/1.1 ${refused.status} ${refused.status === 403 ? 'Forbidden' : 'Bad Request'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
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
