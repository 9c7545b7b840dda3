import { tracingConnector, type ConnectOptions, type Connector } from './connector.js';
import { Http1Connection } from './http1-connection.js';
import { TimeoutSweep } from './timeout-sweep.js';

/** k6's batchPerHost: how many connections one VU may have open to one origin at a time. */
const PER_VU_PER_ORIGIN = 6;
const KEEP_ALIVE_MS = 30_000;

interface Lane {
  client: Http1Connection;
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
 * `maxPerOrigin`, then they take turns: a connection queues what is sent
 * to it while it is busy). Shared by every VU of a
 * worker (--connections), the same object keeps thousands of lanes: an idle
 * one is a pop, not a scan.
 */
export class VuConnections {
  private readonly origins = new Map<string, OriginLanes>();
  constructor(
    private readonly pool: ConnectionPool,
    private readonly maxPerOrigin: number,
  ) {}

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
  private readonly connect: Connector;
  private readonly clients = new Set<Http1Connection>();
  private readonly common?: VuConnections;
  private readonly sweep = new TimeoutSweep((now) => {
    for (const c of this.clients) c.expire(now);
  });

  constructor(tls: Omit<ConnectOptions, 'timeoutMs'> = {}, shared?: number) {
    this.connect = tracingConnector({ timeoutMs: 10_000, ...tls });
    if (shared) this.common = new VuConnections(this, shared);
  }

  forVu(): VuConnections {
    return this.common ?? new VuConnections(this, PER_VU_PER_ORIGIN);
  }

  client(origin: string): Http1Connection {
    const c = new Http1Connection(new URL(origin), this.connect, KEEP_ALIVE_MS, this.sweep);
    this.clients.add(c);
    return c;
  }

  async close(): Promise<void> {
    this.sweep.stop();
    for (const c of this.clients) c.close();
    this.clients.clear();
  }
}
