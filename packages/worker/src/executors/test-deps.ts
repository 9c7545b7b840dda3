import pino from 'pino';
import { Recorder } from '../recorder.js';
import { TimerWheel } from '../timer-wheel.js';
import { createHttpClient } from '../http/client.js';
import { ConnectionPool } from '../http/connections.js';
import type { IterationSource } from '../vu.js';
import type { ExecutorDeps } from './group.js';

/** An executor's dependencies for its unit tests: one worker, `source`'s users, a client to nowhere (port 9), no logs. */
export function testDeps(source: IterationSource, recorder = new Recorder()): ExecutorDeps {
  const pool = new ConnectionPool();
  return {
    segment: { weights: [1], index: 0 },
    sourceFor: () => source,
    makeClient: (takeDue, group) =>
      createHttpClient({ baseUrl: new URL('http://127.0.0.1:9'), connections: pool.forVu(), recorder, takeDue, group }),
    recorder,
    env: {},
    setupData: () => undefined,
    files: {},
    wheel: new TimerWheel(),
    log: pino({ level: 'silent' }),
  };
}
