import { createServer, type AddressInfo, type Server } from 'node:net';
import { Recorder } from '../recorder.js';
import { TimerWheel } from '../timer-wheel.js';
import { Vu, type IterationSource, type VuDeps } from '../vu.js';
import { createHttpClient } from './client.js';
import { ConnectionPool } from './connections.js';
import { WARM_UP_FULL, warmUpCap } from '../warm-up-size.js';

/**
 * Runs the request path — VU loop, think-time wheel, client, connection,
 * parser, recorder, histogram encoding — against a server inside this
 * process on loopback, before the run starts, so that V8 has compiled it
 * by the first real request: a cold path measured 43 ms p99 in the first
 * second against a 20 ms target (22 ms once warm). Nothing reaches the
 * target; what is recorded is thrown away. How many requests a run needs
 * is warm-up-size.ts's to say.
 * The server is a canned answer on a raw socket, so that the warm-up's CPU
 * goes to the path being warmed (against node:http, 3,000 requests cost
 * 0.33 CPU-s; here about 0.25, most of it V8 compiling what a cold run
 * would compile anyway).
 */
export function startWarmUp(requests: number, concurrency = 8): WarmUp {
  let sent = 0;
  let limit = requests;
  let vus: Vu[] = [];
  const stopIfDone = (): void => {
    if (sent >= limit) for (const vu of vus) vu.stop();
  };
  const run = async (): Promise<void> => {
    const server = cannedServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const pool = new ConnectionPool();
    const recorder = new Recorder();
    try {
      const baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const source: IterationSource = {
        name: 'warm-up',
        async iterate(ctx) {
          if (sent >= limit) return;
          (await ctx.http.get('/warm', { name: 'warm-up' })).text();
          if (++sent % 100 === 0) recorder.cut(); // encoding, too
          stopIfDone();
        },
        // now and then a think time, so that the wheel is compiled too
        waitMs: () => (sent % 64 === 0 ? 1 : 0),
      };
      const deps: VuDeps = {
        makeClient: (takeDue, group) => createHttpClient({ baseUrl, connections: pool.forVu(), recorder, takeDue, group }),
        recorder,
        env: {},
        setupData: () => undefined,
        files: {},
        wheel: new TimerWheel(),
      };
      vus = Array.from({ length: concurrency }, (_, i) => new Vu(i + 1, source, deps));
      stopIfDone();
      await Promise.all(vus.map((vu) => vu.loop()));
    } finally {
      await pool.close();
      await new Promise((r) => server.close(r));
    }
  };
  return {
    sent: () => sent,
    cap(n) {
      limit = Math.min(limit, Math.max(n, sent));
      stopIfDone();
    },
    done: run(),
  };
}

/** A warm-up under way. */
export interface WarmUp {
  /** requests answered so far */
  sent(): number;
  /** ends it once n requests have been answered (at once, if they have); never raises its size */
  cap(n: number): void;
  readonly done: Promise<void>;
}

/** A whole warm-up of `requests`, for tests and benches. */
export function warmUp(requests = WARM_UP_FULL, concurrency = 8): Promise<void> {
  return startWarmUp(requests, concurrency).done;
}

let current: WarmUp | undefined;
let sentBefore = 0;

/**
 * The process's warm-up (none with VOLLEY_NO_WARM_UP=1), begun as a worker
 * starts, before it knows what its run needs: a `volley worker`, which
 * waits for runs, warms up fully while it is idle; a local worker, which
 * loads beside its coordinator and has a core of its own only on a
 * machine with two, begins with `requests` (the least a run needs) and
 * leaves the rest to its prepare. A failure is kept for a prepare to
 * report, not thrown where nobody waits.
 */
export function beginWarmUp(requests = warmUpCap()): void {
  if (current || process.env.VOLLEY_NO_WARM_UP === '1') return;
  current = startWarmUp(requests);
  current.done.catch(() => undefined);
}

/** Warm-up requests this process has had answered, in all. */
export function warmUpSent(): number {
  return sentBefore + (current?.sent() ?? 0);
}

/**
 * Resolves once the process has sent `requests` warm-up requests in all:
 * a warm-up under way ends there (or goes on to its end, if it is past),
 * and one that ended short is topped up — a later run may need more than
 * an earlier one did.
 */
export async function warmUpFor(requests: number): Promise<void> {
  if (process.env.VOLLEY_NO_WARM_UP === '1') return;
  beginWarmUp(requests);
  for (;;) {
    const w = current!;
    w.cap(requests - sentBefore);
    await w.done;
    if (current !== w) continue; // a prepare beside this one topped it up first
    const total = sentBefore + w.sent();
    if (total >= requests) return;
    sentBefore = total;
    current = startWarmUp(requests - total);
  }
}

const CANNED = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n{"status":"warm"}';

/** Answers each bodiless request (a head ending in a blank line) with CANNED, on keep-alive connections. */
function cannedServer(): Server {
  return createServer((socket) => {
    let rest = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      const heads = (rest + chunk).split('\r\n\r\n');
      rest = heads.pop()!;
      if (heads.length) socket.write(CANNED.repeat(heads.length));
    });
    socket.on('error', () => socket.destroy());
  });
}
