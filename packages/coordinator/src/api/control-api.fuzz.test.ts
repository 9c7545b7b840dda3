// The control API's JSON bodies, fuzzed against a real server on loopback:
// whatever a client sends, the answer is a 2xx or a 4xx with a reason —
// never a 500, never a crash — and the server answers on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pino from 'pino';
import { Cluster } from '../cluster/cluster.js';
import { DEFAULT_LIMITS } from '../cluster/limits.js';
import { startServer, type RunningServer } from '../server.js';

const TOKEN = 'fuzz-token';
const PATHS = ['/api/runs', '/api/runs/current/scale', '/api/runs/current/stop', '/api/runs/from-dashboard', '/api/session'] as const;

/** A start request with some of its fields replaced by anything at all. */
const startBody = fc.record(
  {
    scenario: fc.oneof(fc.record({ name: fc.string({ maxLength: 20 }), code: fc.string({ maxLength: 40 }) }), fc.anything()),
    host: fc.oneof(fc.constant('http://127.0.0.1:9'), fc.webUrl(), fc.string()),
    users: fc.oneof(fc.integer({ min: -5, max: 20_000_000 }), fc.double(), fc.anything()),
    spawnRate: fc.oneof(fc.double({ min: -1, max: 2e6 }), fc.anything()),
    runTimeMs: fc.oneof(fc.integer({ min: -1, max: 40 * 24 * 3_600_000 }), fc.anything()),
    expectWorkers: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.anything()),
    expectWorkersTimeoutMs: fc.constant(0),
    thresholds: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 30 }), fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.anything()), { maxLength: 3 })),
      fc.anything(),
    ),
    scenarios: fc.oneof(fc.constant(undefined), fc.array(fc.anything(), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

describe('the control API under fuzzed bodies', () => {
  let server: RunningServer;
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = new Cluster(pino({ level: 'silent' }), { limits: DEFAULT_LIMITS });
    server = await startServer({ host: '127.0.0.1', port: 0, token: TOKEN, cluster, log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    cluster.close();
    await server.close();
  });

  it('answers every body with a 2xx or a 4xx and a reason', async () => {
    const body = fc.oneof(
      { weight: 4, arbitrary: startBody.map((b) => JSON.stringify(b)) },
      { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS), body, fc.boolean(), async (path, text, json) => {
        const res = await fetch(`${server.url}${path}`, {
          method: 'POST',
          body: text,
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': json ? 'application/json' : 'text/plain' },
        });
        const answer = (await res.json()) as { error?: string };
        expect(res.status, JSON.stringify(answer)).toBeLessThan(500);
        if (res.status >= 400) expect(answer.error, `${res.status} with no reason`).toMatch(/\w/);
        if (!json) expect(res.status).toBe(415);
        // a run a body happened to start waits for workers that never come: stop it, so the next body meets an idle cluster
        cluster.stop('fuzz');
        await cluster.settled();
      }),
      { numRuns: 300 },
    );
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });
});
