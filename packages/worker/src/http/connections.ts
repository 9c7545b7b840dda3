import { Client } from 'undici';
import { tracingConnector, type ConnectOptions } from './connector.js';

/** k6's batchPerHost: how many connections one VU may have open to one origin at a time. */
const PER_VU_PER_ORIGIN = 6;
const KEEP_ALIVE_MS = 30_000;

interface Lane {
  client: Client;
  /** requests on the lane now */
  busy: number;
  /** its origin's idle lanes, where it goes back when its last request ends */
  idle: Lane[];
}

interface OriginLanes {
  all: Lane[];
  /** lanes with nothing in flight, the most recently used last */
  idle: Lane[];
  /** when every lane is busy and no more may open: whose turn it is */
  turn: number;
}

/**
 * A VU's own keep-alive connections, as k6 and Locust give each user: one
 * per origin, more only while the VU has requests in parallel (up to
 * `maxPerOrigin`, then they take turns). Busy-ness is our own count, not
 * undici's pool flags: a pool keeps a connection marked busy until a tick
 * after its response and would open a second connection for a user's very
 * next request (64 users held 128 connections). Shared by every VU of a
 * worker (--connections), the same object keeps thousands of lanes: an idle
 * one is a pop, not a scan.
 */
export class VuConnections {
  private readonly origins = new Map<string, OriginLanes>();
  constructor(private readonly pool: ConnectionPool, private readonly maxPerOrigin: number) {}

  /** A connection for one request to `origin`; give it back with `release`. */
  acquire(origin: string): Lane {
    let o = this.origins.get(origin);
    if (!o) this.origins.set(origin, (o = { all: [], idle: [], turn: 0 }));
    let lane = o.idle.pop();
    if (!lane) {
      if (o.all.length < this.maxPerOrigin) o.all.push((lane = { client: this.pool.client(origin), busy: 0, idle: o.idle }));
      else lane = o.all[o.turn++ % o.all.length]!;
    }
    lane.busy++;
    return lane;
  }

  release(lane: Lane): void {
    if (--lane.busy === 0) lane.idle.push(lane);
  }
}

/**
 * Every connection of one worker's run: one connector (TLS options), closed
 * together at the end. With `shared` (the run's --connections), all VUs draw
 * from one set of at most that many connections per origin, opened as
 * concurrency needs them: for more users than the process may hold sockets.
 */
export class ConnectionPool {
  private readonly connect;
  private readonly clients = new Set<Client>();
  private readonly common?: VuConnections;

  constructor(tls: Omit<ConnectOptions, 'timeoutMs'> = {}, shared?: number) {
    this.connect = tracingConnector({ timeoutMs: 10_000, ...tls });
    if (shared) this.common = new VuConnections(this, shared);
  }

  forVu(): VuConnections {
    return this.common ?? new VuConnections(this, PER_VU_PER_ORIGIN);
  }

  client(origin: string): Client {
    const c = new Client(origin, { pipelining: 1, keepAliveTimeout: KEEP_ALIVE_MS, connect: this.connect });
    this.clients.add(c);
    return c;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients].map((c) => c.destroy().catch(() => undefined)));
    this.clients.clear();
  }
}
