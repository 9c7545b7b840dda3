// The cluster core over in-memory worker connections and a fake clock:
// no sockets, no real timers (as Locust tests its master).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { PROTOCOL_VERSION, type CoordinatorMessage, type WorkerMessage } from '@volley/shared';
import { ManualClock } from './clock.js';
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
    conn,
    sent,
    say: (m: WorkerMessage) => session.onMessage(m),
    hello: (extra: Partial<Extract<WorkerMessage, { type: 'hello' }>> = {}) =>
      session.onMessage({ type: 'hello', protocol: PROTOCOL_VERSION, name: 'mem', cores: 1, pid: 1, version: 't', ...extra }),
    last: <T extends CoordinatorMessage['type']>(type: T) =>
      sent.filter((m) => m.type === type).at(-1) as Extract<CoordinatorMessage, { type: T }> | undefined,
    hangUp: () => session.onClose(),
  };
}

const request = (over: Partial<StartRequest> = {}): StartRequest => ({
  scenario: { name: 'mem.ts', code: 'export default 1' },
  host: 'http://127.0.0.1:9',
  users: 2,
  spawnRate: 100,
  runTimeMs: 5000,
  gracefulStopMs: 0,
  env: {},
  expectWorkers: 1,
  expectWorkersTimeoutMs: 5000,
  ...over,
});

describe('Cluster', () => {
  let cluster: Cluster;
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
    cluster = new Cluster(pino({ level: 'silent' }), { clock });
  });
  afterEach(() => cluster.close());

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

  it('acknowledges and drops windows of a run it does not know (a coordinator restarted), keeping the link', async () => {
    const a = link(cluster);
    a.hello();
    a.say({ type: 'window', runId: 'run-of-the-last-coordinator', index: 3, vus: 1, series: [] });
    a.say({ type: 'done', runId: 'run-of-the-last-coordinator', lastIndex: 3 });
    await clock.advance(1000);
    expect(a.last('heartbeat')!.acked).toEqual({ runId: 'run-of-the-last-coordinator', indexes: [3] });
    expect(a.conn.closed).toBeUndefined();
  });

  it('forgets a worker gone for five minutes, so connections that come and go do not grow the registry', async () => {
    for (let i = 0; i < 50; i++) {
      const l = link(cluster);
      l.hello();
      l.hangUp();
    }
    expect(cluster.status().workers).toHaveLength(50);
    await clock.advance(5 * 60_000 + 2000);
    expect(cluster.status().workers).toHaveLength(0);
  });

  it("drops from the run a worker whose window is implausible, says so in the run's events, and keeps the others' data", async () => {
    const [a, b, d] = [link(cluster), link(cluster), link(cluster)];
    for (const w of [a, b, d]) w.hello();
    const { finished } = cluster.start(request({ expectWorkers: 3, users: 4 }));
    await clock.advance(300);
    for (const w of [a, b, d]) w.say({ type: 'ready', runId: w.last('prepare')!.config.runId });
    await clock.advance(600);
    const runId = a.last('start')!.runId;
    expect(cluster.status().run?.state).toBe('running');

    const honest = {
      type: 'window' as const,
      runId,
      index: 0,
      vus: 2,
      series: [{ kind: 'counter' as const, metric: 'iterations', tags: {}, value: 5 }],
    };
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
    expect(events).toContainEqual(
      expect.objectContaining({ kind: 'worker-lost', detail: expect.stringMatching(/^dropped: implausible window: index 10000000/) }),
    );
    // back with its secret, what it sends for this run is acknowledged and ignored
    const b2 = link(cluster);
    b2.hello({ workerId: b.last('welcome')!.workerId, secret: b.last('welcome')!.secret });
    b2.say({ ...honest, index: 1, vus: 999 });
    expect(b2.conn.closed).toBeUndefined();
    a.say({ ...honest, index: 1, series: [{ kind: 'counter', metric: 'iterations', tags: {}, value: Number.MAX_VALUE }] });
    a.say({ ...honest, index: 2, series: [{ kind: 'counter', metric: 'iterations', tags: {}, value: Number.MAX_VALUE }] });
    expect(a.conn.closed).toEqual({
      code: 1008,
      reason: 'implausible window: series iterations would no longer add up to a finite number',
    });
    await clock.advance(1000);
    expect(b2.last('heartbeat')!.acked).toEqual({ runId, indexes: [1] });
    cluster.stop('test');
    await clock.advance(15_000);
    const summary = await finished;
    // the summary holds what was accepted, every figure finite
    expect(summary.metrics.iterations?.values).toMatchObject({ count: Number.MAX_VALUE });
    expect(JSON.stringify(summary)).not.toMatch(/null|Infinity/);
  });

  it('keeps of an ended run its status and summary, not the run itself, and at most 100 of them', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 102; i++) {
      const { id, finished } = cluster.start(
        request({ expectWorkersTimeoutMs: 0, scenario: { name: `s${i}.ts`, code: 'x'.repeat(1000) } }),
      );
      ids.push(id);
      const settled = finished.catch(() => undefined);
      await clock.advance(1);
      await settled;
    }
    expect(cluster.runById(ids[0]!)).toBeUndefined();
    expect(cluster.runById(ids[1]!)).toBeUndefined();
    expect(cluster.runById(ids[2]!)?.status).toMatchObject({ state: 'failed', scenario: 's2.ts' });
    expect(cluster.runById(ids[101]!)?.status).toMatchObject({ state: 'failed', scenario: 's101.ts' });
    const past = (cluster as unknown as { past: Map<string, object> }).past;
    expect(past.size).toBe(99);
    expect(JSON.stringify([...past.values()])).not.toContain('xxxx');
  });

  /** Workers that have joined, prepared and started a run; `alive` keeps them heard from. */
  async function startedRun(n: number, over: Partial<StartRequest> = {}) {
    const ws = Array.from({ length: n }, () => link(cluster));
    for (const w of ws) w.hello();
    const { id, finished } = cluster.start(request({ expectWorkers: n, ...over }));
    await clock.advance(1);
    for (const w of ws) w.say({ type: 'ready', runId: id });
    await clock.advance(600);
    const alive = (except: typeof ws = []) => {
      for (const w of ws) if (!except.includes(w)) w.say({ type: 'heartbeat' } as WorkerMessage);
    };
    return { ws, id, finished, alive };
  }
  const iterations = (runId: string, index: number, value: number, scenario = 'default') => ({
    type: 'window' as const,
    runId,
    index,
    vus: 1,
    series: [{ kind: 'counter' as const, metric: 'iterations', tags: { scenario }, value }],
  });

  it('runs a run through its steps: prepare with segments, one start instant, stop at the run time, a summary of every window', async () => {
    const {
      ws: [a, b],
      id,
      finished,
      alive,
    } = await startedRun(2, { runTimeMs: 3000, gracefulStopMs: 1000 });
    expect(a!.last('prepare')!.segment).toEqual({ weights: [1, 1], index: 0 });
    expect(b!.last('prepare')!.segment).toEqual({ weights: [1, 1], index: 1 });
    expect(a!.last('start')!.startAt).toBe(b!.last('start')!.startAt);
    for (let i = 0; i < 3; i++) {
      a!.say(iterations(id, i, 2));
      b!.say(iterations(id, i, 3));
      alive();
      await clock.advance(1000);
    }
    expect(a!.last('stop')).toMatchObject({ runId: id, reason: 'run time reached', gracefulStopMs: 1000 });
    expect(cluster.status().run?.state).toBe('stopping');
    for (const w of [a!, b!]) w.say({ type: 'done', runId: id, lastIndex: 2 });
    await clock.advance(1);
    const summary = await finished;
    expect(summary.metrics.iterations?.values).toMatchObject({ count: 15 });
    expect(summary.run.durationMs).toBe(3000);
    expect(cluster.runById(id)?.status.state).toBe('finished');
    // both acknowledged with the next heartbeats
    expect(a!.sent.filter((m) => m.type === 'heartbeat').flatMap((m) => m.acked?.indexes ?? [])).toEqual([0, 1, 2]);
  });

  it("moves a lost member's unfinished iterations to the others, and counts the time its share was unheld", async () => {
    const once = {
      name: 'once',
      startTimeMs: 0,
      gracefulStopMs: 0,
      executor: { type: 'shared-iterations' as const, vus: 4, iterations: 100, maxDurationMs: 20_000 },
    };
    const {
      ws: [a, b, c],
      id,
      finished,
      alive,
    } = await startedRun(3, { scenarios: [once], runTimeMs: 20_000 });
    c!.say(iterations(id, 0, 10, 'once'));
    alive();
    // c is heard no more: after the lost limit its share moves
    for (let t = 0; t < 5000; t += 500) {
      alive([c!]);
      await clock.advance(500);
    }
    const events = cluster.liveSummary()!.run.events;
    expect(events).toContainEqual(expect.objectContaining({ kind: 'worker-lost', worker: 'mem' }));
    const moved = [a!, b!].map((w) => w.last('assign')!);
    expect(moved.map((m) => m.segment)).toEqual([
      { weights: [1, 1], index: 0 },
      { weights: [1, 1], index: 1 },
    ]);
    // c holds VU 3 of 4, so 25 of the 100 iterations (3, 7, …, 99); it did 10: 15 move, split between a and b
    const owedByC = 25;
    const parts = moved.map((m) => m.moved?.once ?? 0);
    expect(parts[0]! + parts[1]!).toBe(owedByC - 10);
    expect(cluster.status().run?.workers).toBe(2);
    cluster.stop('test');
    for (const w of [a!, b!]) w.say({ type: 'done', runId: id, lastIndex: 5 });
    await clock.advance(1);
    const summary = await finished;
    expect(summary.run.shortMs).toBeGreaterThan(0);
  });

  it("admits a worker that joins a running run: it prepares, then gets a share and the run's start instant", async () => {
    const {
      ws: [a],
      id,
      alive,
    } = await startedRun(1, { runTimeMs: 60_000 });
    const late = link(cluster);
    late.hello();
    await clock.advance(250);
    expect(late.last('prepare')).toMatchObject({ joining: true, segment: { weights: [1, 1], index: 1 } });
    late.say({ type: 'ready', runId: id });
    alive();
    expect(late.last('start')!.startAt).toBe(a!.last('start')!.startAt);
    expect(a!.last('assign')!.segment).toEqual({ weights: [1, 1], index: 0 });
    expect(cluster.liveSummary()!.run.events.map((e) => e.kind)).toEqual(['worker-joined', 'rebalanced']);
  });

  it('stops at once when asked, tells every member the reason, and ends when their last windows are in', async () => {
    const {
      ws: [a],
      id,
      finished,
    } = await startedRun(1, { runTimeMs: 60_000, gracefulStopMs: 2000 });
    await clock.advance(1500);
    expect(cluster.stop('asked')?.state).toBe('running');
    await clock.advance(1);
    expect(a!.last('stop')).toMatchObject({ reason: 'asked', gracefulStopMs: 2000 });
    expect(cluster.start.bind(cluster, request())).toThrow(/stop it first/);
    a!.say({ type: 'done', runId: id, lastIndex: 1 });
    await clock.advance(1);
    expect((await finished).run.durationMs).toBe(1600); // started 100 ms after the ready, stopped 1.6 s into it
  });

  it('runs setup() once on one worker and hands its result to all; teardown() once at the end', async () => {
    const [a, b] = [link(cluster), link(cluster)];
    for (const w of [a, b]) w.hello();
    const { id, finished } = cluster.start(request({ expectWorkers: 2, runTimeMs: 1000, setup: true, teardown: true }));
    await clock.advance(1);
    for (const w of [a, b]) w.say({ type: 'ready', runId: id });
    await clock.advance(1);
    expect([a.last('setup'), b.last('setup')].filter(Boolean)).toHaveLength(1);
    a.say({ type: 'setup-done', runId: id, data: '{"token":"t"}', output: ['hello'] });
    await clock.advance(600);
    expect([a.last('start')!.setupData, b.last('start')!.setupData]).toEqual(['{"token":"t"}', '{"token":"t"}']);
    await clock.advance(1000);
    for (const w of [a, b]) w.say({ type: 'done', runId: id, lastIndex: 0 });
    await clock.advance(1);
    expect([a.last('teardown'), b.last('teardown')].filter(Boolean)).toHaveLength(1);
    a.say({ type: 'teardown-done', runId: id });
    await clock.advance(1);
    expect((await finished).run.output).toEqual(['setup: hello']);
  });

  it('fails a run whose workers do not all become ready, and frees them for the next', async () => {
    const [a, b] = [link(cluster), link(cluster)];
    for (const w of [a, b]) w.hello();
    const { id, finished } = cluster.start(request({ expectWorkers: 2 }));
    await clock.advance(1);
    a.say({ type: 'ready', runId: id });
    b.say({ type: 'failed', runId: id, reason: 'scenario would not load' });
    await clock.advance(1);
    await expect(finished).rejects.toThrow('worker mem: scenario would not load');
    expect(cluster.status().run).toMatchObject({ state: 'failed' });
    expect(a.last('stop')).toMatchObject({ reason: 'run ended' });
  });
});
