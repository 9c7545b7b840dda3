// The cluster core over in-memory worker connections and a fake clock:
// no sockets, no real timers (as Locust tests its master).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { PROTOCOL_VERSION, type CoordinatorMessage, type WorkerMessage } from '@volley/shared';
import { Cluster, type StartRequest } from './cluster.js';

/** One end of a worker's link, as the ws server would give it. */
function link(cluster: Cluster) {
  const sent: CoordinatorMessage[] = [];
  const conn = {
    remote: 'memory',
    closed: undefined as { code: number; reason: string } | undefined,
    send: (m: CoordinatorMessage) => void sent.push(m),
    close(code: number, reason: string) {
      if (conn.closed) return;
      conn.closed = { code, reason };
      session.onClose();
    },
  };
  const session = cluster.attach(conn);
  return {
    conn, sent,
    say: (m: WorkerMessage) => session.onMessage(m),
    hello: (extra: Partial<Extract<WorkerMessage, { type: 'hello' }>> = {}) =>
      session.onMessage({ type: 'hello', protocol: PROTOCOL_VERSION, name: 'mem', cores: 1, pid: 1, version: 't', ...extra }),
    last: <T extends CoordinatorMessage['type']>(type: T) => sent.filter((m) => m.type === type).at(-1) as Extract<CoordinatorMessage, { type: T }> | undefined,
    hangUp: () => session.onClose(),
  };
}

const request = (over: Partial<StartRequest> = {}): StartRequest => ({
  scenario: { name: 'mem.ts', code: 'export default 1' }, host: 'http://127.0.0.1:9', users: 2, spawnRate: 100, runTimeMs: 5000,
  gracefulStopMs: 0, env: {}, expectWorkers: 1, expectWorkersTimeoutMs: 5000, ...over,
});

describe('Cluster', () => {
  let cluster: Cluster;
  beforeEach(() => {
    vi.useFakeTimers();
    cluster = new Cluster(pino({ level: 'silent' }));
  });
  afterEach(() => {
    cluster.close();
    vi.useRealTimers();
  });

  it('gives each worker a random id with a secret; an id claimed without its secret is refused, with it resumed', () => {
    const a = link(cluster);
    a.hello();
    const welcome = a.last('welcome')!;
    expect(welcome.workerId).toMatch(/^w-[0-9a-f]{8}$/);
    expect(welcome.secret).toMatch(/^[0-9a-f]{32}$/);
    const b = link(cluster);
    b.hello();
    expect(b.last('welcome')!.workerId).not.toBe(welcome.workerId);

    const impostor = link(cluster);
    impostor.hello({ workerId: welcome.workerId });
    expect(impostor.conn.closed).toEqual({ code: 1008, reason: `worker id ${welcome.workerId} is taken` });
    const forger = link(cluster);
    forger.hello({ workerId: welcome.workerId, secret: '0'.repeat(32) });
    expect(forger.conn.closed?.code).toBe(1008);
    expect(a.conn.closed).toBeUndefined();
    expect(cluster.status().workers.filter((w) => w.connected)).toHaveLength(2);

    // the worker itself, back after a cut, takes its id over
    const again = link(cluster);
    again.hello({ workerId: welcome.workerId, secret: welcome.secret });
    expect(again.last('welcome')!.workerId).toBe(welcome.workerId);
    expect(a.conn.closed).toEqual({ code: 1000, reason: 'replaced by a new connection' });
    expect(cluster.status().workers).toHaveLength(2);
  });

  it('acknowledges and drops windows of a run it does not know (a coordinator restarted), keeping the link', () => {
    const a = link(cluster);
    a.hello();
    a.say({ type: 'window', runId: 'run-of-the-last-coordinator', index: 3, vus: 1, series: [] });
    a.say({ type: 'done', runId: 'run-of-the-last-coordinator', lastIndex: 3 });
    vi.advanceTimersByTime(1000);
    expect(a.last('heartbeat')!.acked).toEqual({ runId: 'run-of-the-last-coordinator', indexes: [3] });
    expect(a.conn.closed).toBeUndefined();
  });

  it('forgets a worker gone for five minutes, so connections that come and go do not grow the registry', () => {
    for (let i = 0; i < 50; i++) {
      const l = link(cluster);
      l.hello();
      l.hangUp();
    }
    expect(cluster.status().workers).toHaveLength(50);
    vi.advanceTimersByTime(5 * 60_000 + 2000);
    expect(cluster.status().workers).toHaveLength(0);
  });

  it('drops from the run a worker whose window is implausible, says so in the run\'s events, and keeps the others\' data', async () => {
    const [a, b, d] = [link(cluster), link(cluster), link(cluster)];
    for (const w of [a, b, d]) w.hello();
    const { finished } = cluster.start(request({ expectWorkers: 3, users: 4 }));
    await vi.advanceTimersByTimeAsync(300);
    for (const w of [a, b, d]) w.say({ type: 'ready', runId: w.last('prepare')!.config.runId });
    await vi.advanceTimersByTimeAsync(600);
    const runId = a.last('start')!.runId;
    expect(cluster.status().run?.state).toBe('running');

    const honest = { type: 'window' as const, runId, index: 0, vus: 2, series: [{ kind: 'counter' as const, metric: 'iterations', tags: {}, value: 5 }] };
    a.say(honest);
    // past the run's end, more VUs than the whole run, a counter that would overflow
    b.say({ ...honest, index: 10_000_000 });
    expect(b.conn.closed).toEqual({ code: 1008, reason: "implausible window: index 10000000 is past the run's end (35 at most)" });
    d.say({ ...honest, vus: 999 });
    expect(d.conn.closed).toEqual({ code: 1008, reason: "implausible window: 999 VUs, more than the whole run's 4" });
    const c = link(cluster);
    c.hello();
    c.say(honest);
    expect(c.conn.closed).toEqual({ code: 1008, reason: 'window for a run this worker is not in' });
    expect(cluster.status().run?.workers).toBe(1);
    const events = cluster.liveSummary()!.run.events;
    expect(events).toContainEqual(expect.objectContaining({ kind: 'worker-lost', detail: expect.stringMatching(/^dropped: implausible window: index 10000000/) }));
    // back with its secret, what it sends for this run is acknowledged and ignored
    const b2 = link(cluster);
    b2.hello({ workerId: b.last('welcome')!.workerId, secret: b.last('welcome')!.secret });
    b2.say({ ...honest, index: 1, vus: 999 });
    expect(b2.conn.closed).toBeUndefined();
    a.say({ ...honest, index: 1, series: [{ kind: 'counter', metric: 'iterations', tags: {}, value: Number.MAX_VALUE }] });
    a.say({ ...honest, index: 2, series: [{ kind: 'counter', metric: 'iterations', tags: {}, value: Number.MAX_VALUE }] });
    expect(a.conn.closed).toEqual({ code: 1008, reason: 'implausible window: series iterations would no longer add up to a finite number' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(b2.last('heartbeat')!.acked).toEqual({ runId, indexes: [1] });
    cluster.stop('test');
    await vi.advanceTimersByTimeAsync(15_000);
    const summary = await finished;
    // the summary holds what was accepted, every figure finite
    expect(summary.metrics.iterations?.values).toMatchObject({ count: Number.MAX_VALUE });
    expect(JSON.stringify(summary)).not.toMatch(/null|Infinity/);
  });

  it('keeps what a finished run needs, not the scenario code it was sent, and at most 100 runs', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 102; i++) {
      const { id, finished } = cluster.start(request({ expectWorkersTimeoutMs: 0, scenario: { name: `s${i}.ts`, code: 'x'.repeat(1000) } }));
      ids.push(id);
      const settled = finished.catch(() => undefined);
      await vi.advanceTimersByTimeAsync(1);
      await settled;
    }
    expect(cluster.runById(ids[0]!)).toBeUndefined();
    expect(cluster.runById(ids[2]!)?.status).toMatchObject({ state: 'failed', scenario: 's2.ts' });
    const kept = (cluster as unknown as { runs: Map<string, { request: StartRequest }> }).runs;
    expect(kept.size).toBe(100);
    expect(kept.get(ids[100]!)!.request.scenario.code).toBe('');
    expect(kept.get(ids[101]!)!.request.scenario.code).toHaveLength(1000); // the current one keeps it
  });
});
