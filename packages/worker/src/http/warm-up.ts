import { createServer, type AddressInfo, type Server } from 'node:net';
import { Recorder } from '../recorder.js';
import { TimerWheel } from '../timer-wheel.js';
import { Vu, type IterationSource, type VuDeps } from '../vu.js';
import { createHttpClient } from './client.js';
import { ConnectionPool } from './connections.js';

/**
 * Runs the request path — VU loop, think-time wheel, client, connection,
 * parser, recorder, histogram encoding — against a server inside this
 * process on loopback, before the run starts, so that V8 has compiled it
 * by the first real request: a cold path measured 43 ms p99 in the first
 * second against a 20 ms target (22 ms once warm). Nothing reaches the
 * target; what is recorded is thrown away.
 * The server is a canned answer on a raw socket, so that the warm-up's CPU
 * goes to the path being warmed (against node:http, 3,000 requests cost
 * 0.33 CPU-s; here about 0.25, most of it V8 compiling what a cold run
 * would compile anyway). Fewer requests warm less: with 1,500 the first
 * second's p99 was ~35 ms, with 4,000 ~28 ms (accuracy bench).
 */
export async function warmUp(requests = 3000, concurrency = 8): Promise<void> {
  const server = cannedServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const pool = new ConnectionPool();
  const recorder = new Recorder();
  try {
    const baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    let left = requests;
    const source: IterationSource = {
      name: 'warm-up',
      async iterate(ctx) {
        (await ctx.http.get('/warm', { name: 'warm-up' })).text();
        if (--left % 500 === 0) recorder.cut(); // encoding, too
        if (left <= 0) for (const vu of vus) vu.stop();
      },
      // now and then a think time, so that the wheel is compiled too
      waitMs: () => (left % 64 === 0 ? 1 : 0),
    };
    const deps: VuDeps = {
      makeClient: (takeDue, group) => createHttpClient({ baseUrl, connections: pool.forVu(), recorder, takeDue, group }),
      recorder,
      env: {},
      setupData: () => undefined,
      files: {},
      wheel: new TimerWheel(),
    };
    const vus = Array.from({ length: concurrency }, (_, i) => new Vu(i + 1, source, deps));
    await Promise.all(vus.map((vu) => vu.loop()));
  } finally {
    await pool.close();
    await new Promise((r) => server.close(r));
  }
}

let once: Promise<void> | undefined;

/**
 * The process's one warm-up (none with VOLLEY_NO_WARM_UP=1), begun on the
 * first call: a worker begins it as it starts, while it joins and waits
 * for a run, and a run's prepare awaits it. A failure is kept for the
 * prepare to report, not thrown where nobody waits.
 */
export function warmUpOnce(): Promise<void> {
  if (!once) {
    once = process.env.VOLLEY_NO_WARM_UP === '1' ? Promise.resolve() : warmUp();
    once.catch(() => undefined);
  }
  return once;
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
