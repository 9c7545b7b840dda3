import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * The guide's decentralized-identity API, as a real HTTP server for
 * demos and tests:
 *   GET  /health               200
 *   POST /api/v1/did/enroll    201 new wallet (with a DID), 409 already enrolled
 *   POST /api/v1/did/verify    200 enrolled with that hash, 401 otherwise
 *   400 for a malformed body; optional per-client rate limit (429 with
 *   Retry-After) and artificial latency.
 * It counts what it answered per route and status: GET /_counts, so tests
 * can compare the server's view with a report's.
 */
export interface DidServerOptions {
  port?: number;
  host?: string;
  /** requests per second allowed per client address; 0 = no limit */
  rateLimit?: number;
  /** artificial latency added to every answer, ms */
  latencyMs?: number;
  /** stop answering for `forMs` of every `everyMs` (answers held until the stall ends), from server start */
  stall?: { everyMs: number; forMs: number };
}

export interface DidServer {
  url: string;
  port: number;
  /** `METHOD /path` → status → count */
  counts(): Record<string, Record<string, number>>;
  /** requests per route, whatever the status */
  totals(): Record<string, number>;
  /** Date.now() of the last API request, 0 before any */
  lastRequestAt(): number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

const ROUTES = new Set(['GET /health', 'POST /api/v1/did/enroll', 'POST /api/v1/did/verify']);

export async function startDidServer(opts: DidServerOptions = {}): Promise<DidServer> {
  const enrolled = new Map<string, string>();
  const counts = new Map<string, Map<number, number>>();
  const buckets = new Map<string, { tokens: number; at: number }>();
  const rateLimit = opts.rateLimit ?? 0;
  const latencyMs = opts.latencyMs ?? 0;
  const bornAt = performance.now();
  /** ms until the current stall ends (0 outside a stall) */
  const stalledFor = (): number => {
    if (!opts.stall) return 0;
    const phase = (performance.now() - bornAt) % opts.stall.everyMs;
    const start = opts.stall.everyMs - opts.stall.forMs;
    return phase >= start ? opts.stall.everyMs - phase : 0;
  };

  let lastAt = 0;
  const count = (route: string, status: number): void => {
    lastAt = Date.now();
    let m = counts.get(route);
    if (!m) counts.set(route, (m = new Map()));
    m.set(status, (m.get(status) ?? 0) + 1);
  };

  /** token bucket per client address */
  const allow = (client: string): boolean => {
    if (rateLimit <= 0) return true;
    const now = performance.now();
    const b = buckets.get(client) ?? { tokens: rateLimit, at: now };
    b.tokens = Math.min(rateLimit, b.tokens + ((now - b.at) / 1000) * rateLimit);
    b.at = now;
    buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };

  const answer = (
    res: ServerResponse,
    route: string | undefined,
    status: number,
    body: Json,
    headers: Record<string, string> = {},
  ): void => {
    if (route) count(route, status);
    const text = JSON.stringify(body);
    const send = (): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const wait = latencyMs + stalledFor();
    if (wait > 0) setTimeout(send, wait);
    else send();
  };

  /** `METHOD /path` → status → count, as plain JSON */
  const countsByRoute = (): Record<string, Record<string, number>> => {
    const out: Record<string, Record<string, number>> = {};
    for (const [r, m] of counts) out[r] = Object.fromEntries(m);
    return out;
  };

  const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 256;

  function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = `${req.method} ${path}`;
    if (route === 'GET /_counts') return answer(res, undefined, 200, countsByRoute());
    if (!ROUTES.has(route)) return answer(res, undefined, 404, { error: `no route ${route}` });
    if (!allow(req.socket.remoteAddress ?? '?')) return answer(res, route, 429, { error: 'rate limited' }, { 'retry-after': '1' });
    if (route === 'GET /health') return answer(res, route, 200, { status: 'healthy' });

    let body: Json;
    try {
      body = JSON.parse(raw) as Json;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return answer(res, route, 400, { error: 'body must be a JSON object' });
    }
    if (!str(body.wallet_address)) return answer(res, route, 400, { error: 'wallet_address: a non-empty string is required' });
    if (!str(body.biometric_hash)) return answer(res, route, 400, { error: 'biometric_hash: a non-empty string is required' });

    if (route === 'POST /api/v1/did/enroll') {
      if (enrolled.has(body.wallet_address)) return answer(res, route, 409, { error: 'wallet already enrolled' });
      enrolled.set(body.wallet_address, body.biometric_hash);
      const did = `did:cardano:${createHash('sha256').update(body.wallet_address).digest('hex').slice(0, 32)}`;
      return answer(res, route, 201, { did, wallet_address: body.wallet_address });
    }
    if (typeof body.timestamp !== 'number') return answer(res, route, 400, { error: 'timestamp: a number is required' });
    const ok = enrolled.get(body.wallet_address) === body.biometric_hash;
    return ok ? answer(res, route, 200, { verified: true }) : answer(res, route, 401, { verified: false, error: 'not enrolled' });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    port: addr.port,
    counts: countsByRoute,
    totals: () => {
      const out: Record<string, number> = {};
      for (const [r, m] of counts) out[r] = [...m.values()].reduce((a, b) => a + b, 0);
      return out;
    },
    lastRequestAt: () => lastAt,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
