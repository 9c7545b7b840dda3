import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import {
  addAgg, emptyAgg, percentile, type SeriesAgg,
  planDuration, HEARTBEAT_MS, IDLE_SILENCE_MS, LIVENESS_TICK_MS, MEMBER_LOST_MS, memberLiveness,
  errorMessage, iterationsOwed, planMaxVus, PROTOCOL_VERSION, tokenMatches, rescaleStages, segmentsFor, shareOf, usersToStages, vusAt, VolleyError,
  type CoordinatorMessage, type RunConfig, type ScenarioPlan, type ScenarioBundle, type WorkerMessage,
} from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import { healthOf, summarize, type RunSummary, type WorkerInfo } from '../aggregate/summary.js';
import { Waiter } from './waiter.js';
import { abortingThreshold, evaluateThresholds, parseThresholds, taggedPhases, type ThresholdSet, type ThresholdSpecs } from '../thresholds/evaluate.js';
import { JournalWriter } from '../journal/writer.js';
import { checkLimits, type RunLimits } from './limits.js';
import { join } from 'node:path';

/** How the cluster reaches one worker; the ws server implements it (tests may use an in-memory pair). */
export interface WorkerConnection {
  readonly remote: string;
  send(msg: CoordinatorMessage): void;
  close(code: number, reason: string): void;
}

export interface StartRequest {
  scenario: ScenarioBundle;
  host: string;
  users: number;
  spawnRate: number;
  runTimeMs: number;
  gracefulStopMs: number;
  env: Record<string, string>;
  files?: Record<string, string>;
  targetTls?: RunConfig['targetTls'];
  connections?: number;
  /** wait until this many workers have joined (Locust's --expect-workers) */
  expectWorkers: number;
  expectWorkersTimeoutMs: number;
  thresholds?: ThresholdSpecs;
  /** k6-style scenarios instead of users/spawnRate/runTime */
  scenarios?: ScenarioPlan[];
  /** the scenario has setup() / teardown(): run each once, on one worker */
  setup?: boolean;
  teardown?: boolean;
  /** k6's setupTimeout and teardownTimeout (default SETUP_TIMEOUT_MS) */
  setupTimeoutMs?: number;
  teardownTimeoutMs?: number;
  /** k6's summaryTrendStats */
  summaryTrendStats?: string[];
  /** k6's --http-debug */
  httpDebug?: 'headers' | 'full';
  /** --max-body-size */
  maxBodyBytes?: number;
}

export type RunState = 'preparing' | 'running' | 'stopping' | 'finished' | 'failed';

interface WorkerEntry {
  /** random: ids do not repeat across coordinator restarts, so a stale one names no one */
  id: string;
  /** given with the id in welcome; a hello that resumes the id must carry it */
  secret: string;
  name: string;
  cores: number;
  conn?: WorkerConnection;
  lastHeard: number;
  /** the run this worker is part of, if any, and where it stands in it */
  runId?: string;
  phase?: 'preparing' | 'ready' | 'running' | 'idle' | 'done';
  /** windows accepted but not yet acknowledged: they go with the next heartbeat */
  acks?: { runId: string; indexes: number[] };
}

/** Something that happened to the cluster during a run, for the summary and reports. */
export interface RunEvent {
  /** ms since the start instant (negative while preparing) */
  atMs: number;
  kind: 'worker-lost' | 'worker-joined' | 'worker-failed' | 'rebalanced' | 'threshold-abort' | 'script-abort' | 'scaled' | 'journal-failed';
  worker?: string;
  detail: string;
}

class Run {
  state: RunState = 'preparing';
  readonly aggregator = new Aggregator();
  /** every worker that took part: their windows count */
  readonly participants = new Set<string>();
  /** the workers holding a share now, in segment order */
  members: string[] = [];
  readonly events: RunEvent[] = [];
  /** total time the cluster ran with a lost worker's share unassigned */
  shortMs = 0;
  /** set while no worker at all holds a share */
  shortSince?: number;
  startAt = 0;
  stoppedAt = 0;
  journal?: JournalWriter;
  stopRequested = false;
  summary?: RunSummary;
  error?: string;
  stopReason = 'run time reached';
  /** its ramp was rewritten by a scale: a worker prepared before it is told the new stages when it joins */
  scaled = false;
  /** setup()'s result as JSON text, and whether setup/teardown have answered */
  setupData?: string;
  setupDone = false;
  teardownDone = false;
  /** what setup() and teardown() printed */
  readonly output: string[] = [];
  /** iterations each worker owes per iteration scenario: its first share, plus what was moved to it */
  readonly owed = new Map<string, Map<string, number>>();
  /** workers dropped for implausible windows: what else they send for this run is acknowledged and ignored */
  readonly dropped = new Set<string>();
  /** the last window index a worker may send: the run's length, its graceful stops, and slack for clocks */
  readonly maxIndex: number;
  /** the most VUs its plan holds at once, all workers together (a scale changes it) */
  maxVus: number;
  constructor(readonly id: string, readonly request: StartRequest, readonly config: RunConfig, readonly thresholds: ThresholdSet[]) {
    this.maxVus = planMaxVus(config.plan.scenarios);
    const grace = Math.max(request.gracefulStopMs, ...config.plan.scenarios.map((sc) => sc.gracefulStopMs + ('gracefulRampDownMs' in sc.executor ? sc.executor.gracefulRampDownMs : 0)));
    this.maxIndex = Math.ceil((request.runTimeMs + grace) / 1000) + WINDOW_SLACK;
  }
}

export interface RunStatus {
  id: string;
  state: RunState;
  scenario: string;
  elapsedMs: number;
  vus: number;
  requests: number;
  failures: number;
  /** requests in the last complete window */
  rps: number;
  /** p95 response time in the last complete window, ms */
  p95Ms: number;
  workers: number;
  error?: string;
  /** where this run's journal is written */
  journal?: string;
}

export interface MetricsSnapshot {
  workers: { id: string; name: string; connected: boolean; silentMs: number; inRun: boolean; cpu?: number; lagP99Ms?: number; wakeLateMs?: number }[];
  run?: {
    id: string; state: RunState; vus: number; rps: number; requests: number; failures: number; elapsedMs: number;
    /** seconds */
    byName: { name: string; count: number; failures: number; p50: number; p95: number; p99: number }[];
    errors: { name: string; error: string; count: number }[];
  };
}

export interface ClusterStatus {
  workers: { id: string; name: string; cores: number; connected: boolean; runId?: string }[];
  run?: RunStatus;
}

const READY_TIMEOUT_MS = 30_000;
/** windows past the run's end (and its graceful stops) still taken: clock offsets, a slow last window */
const WINDOW_SLACK = 30;
/** finished runs the coordinator still answers for (GET /api/runs/:id, downloads) */
const KEPT_RUNS = 100;
/** a worker gone this long, and not part of the current run, is forgotten (its id no longer resumes) */
const FORGET_MS = 5 * 60_000;
/** how long setup() and teardown() may take */
const SETUP_TIMEOUT_MS = 120_000;
/** lead time between the start message and the common start instant */
const START_LEAD_MS = 500;
/** lead time between a scale request and the instant the new ramp starts on every worker */
const SCALE_LEAD_MS = 300;

/**
 * The coordinator's core: the worker registry and the run lifecycle
 * (preparing → running → stopping → finished | failed). It owns timers
 * (heartbeats, the run clock) but no sockets.
 */
/** The scenarios a start request runs: its k6 scenarios, or Locust's users, spawn rate and run time as one ramp. */
export function runPlan(req: Pick<StartRequest, 'scenarios' | 'users' | 'spawnRate' | 'runTimeMs' | 'gracefulStopMs'>): ScenarioPlan[] {
  return req.scenarios ?? [{
    name: 'default', startTimeMs: 0, gracefulStopMs: req.gracefulStopMs,
    executor: { type: 'ramping-vus', startVUs: 0, stages: usersToStages(req.users, req.spawnRate, req.runTimeMs), gracefulRampDownMs: req.gracefulStopMs },
  }];
}

export interface ClusterOptions {
  journalDir?: string;
  /** what a start request may ask for (a shared coordinator's); absent: no limit (a local run is the user's own) */
  limits?: RunLimits;
  /** told of every run started, whoever started it (the web UI of `volley run -f` prints each one's end) */
  onRunStarted?: (run: { id: string; request: StartRequest; finished: Promise<RunSummary> }) => void;
}

export class Cluster {
  private readonly workers = new Map<string, WorkerEntry>();
  private readonly runs = new Map<string, Run>();
  private current?: Run;
  private currentSettled: Promise<unknown> = Promise.resolve();
  private readonly waiter = new Waiter();
  private readonly heartbeat: NodeJS.Timeout;
  private ticks = 0;

  constructor(private readonly log: Logger, private readonly options: ClusterOptions = {}) {
    this.heartbeat = setInterval(() => this.tick(), LIVENESS_TICK_MS);
  }

  close(reason = 'coordinator closing'): void {
    clearInterval(this.heartbeat);
    for (const w of this.workers.values()) w.conn?.close(1001, reason);
  }

  /** Asks every connected worker to exit (workers spawned by `volley run`). */
  shutdownWorkers(reason: string): void {
    for (const w of this.workers.values()) w.conn?.send({ type: 'shutdown', reason });
  }

  connectedWorkers(): number {
    return [...this.workers.values()].filter((w) => w.conn).length;
  }

  /**
   * A new connection: the session ends at close; the first message must be
   * hello.
   */
  attach(conn: WorkerConnection): { onMessage(msg: WorkerMessage): void; onClose(): void } {
    let entry: WorkerEntry | undefined;
    return {
      onMessage: (msg) => {
        if (!entry) {
          if (msg.type !== 'hello') return conn.close(1008, 'expected hello first');
          if (msg.protocol !== PROTOCOL_VERSION) return conn.close(1002, `protocol ${msg.protocol} unsupported; this coordinator speaks ${PROTOCOL_VERSION}`);
          entry = this.join(conn, msg);
          return;
        }
        entry.lastHeard = Date.now();
        try {
          this.handle(entry, msg);
        } catch (err) {
          this.log.warn({ worker: entry.id, err: errorMessage(err) }, 'bad message; closing that worker');
          conn.close(1008, errorMessage(err).slice(0, 120));
        }
      },
      onClose: () => {
        if (entry && entry.conn === conn) {
          entry.conn = undefined;
          const inRun = this.current && entry.runId === this.current.id && entry.phase !== 'done';
          this.log[inRun ? 'warn' : 'info']({ worker: entry.id, name: entry.name }, 'worker disconnected');
          this.waiter.notify();
        }
      },
    };
  }

  /** A hello: a new worker, or one resuming its id (with the secret it was given); an id claimed without its secret is refused. */
  private join(conn: WorkerConnection, hello: Extract<WorkerMessage, { type: 'hello' }>): WorkerEntry | undefined {
    let entry = hello.workerId ? this.workers.get(hello.workerId) : undefined;
    if (entry && !tokenMatches(hello.secret, entry.secret)) {
      this.log.warn({ worker: entry.id, name: hello.name, remote: conn.remote }, 'a connection claimed a worker id without its secret; refused');
      conn.close(1008, `worker id ${entry.id} is taken`);
      return undefined;
    }
    if (entry) {
      entry.conn?.close(1000, 'replaced by a new connection');
      entry.conn = conn;
      entry.lastHeard = Date.now();
      this.log.info({ worker: entry.id }, 'worker reconnected');
    } else {
      const id = `w-${randomBytes(4).toString('hex')}`;
      entry = { id, secret: randomBytes(16).toString('hex'), name: hello.name, cores: hello.cores, conn, lastHeard: Date.now() };
      this.workers.set(id, entry);
      this.log.info({ worker: id, name: hello.name, cores: hello.cores, remote: conn.remote }, 'worker joined');
    }
    conn.send({ type: 'welcome', protocol: PROTOCOL_VERSION, workerId: entry.id, secret: entry.secret, now: Date.now() });
    this.waiter.notify();
    return entry;
  }

  private handle(w: WorkerEntry, msg: WorkerMessage): void {
    const run = msg.type !== 'hello' && 'runId' in msg ? this.runs.get(msg.runId) : undefined;
    switch (msg.type) {
      case 'hello':
        throw new VolleyError('VOLLEY_BAD_MESSAGE', 'hello sent twice');
      case 'ping':
        w.conn?.send({ type: 'pong', t0: msg.t0, now: Date.now() });
        return;
      case 'heartbeat':
        return;
      case 'ready':
        if (!run || w.runId !== run.id || w.phase !== 'preparing') break;
        w.phase = 'ready';
        if (run.state === 'running') this.joinRunning(run, w);
        else if (run.state === 'stopping') w.conn?.send({ type: 'stop', runId: run.id, reason: 'run ending', gracefulStopMs: 0 });
        break;
      case 'failed':
        if (!run || w.runId !== run.id) break;
        if (run.state === 'preparing') run.error = `worker ${w.name}: ${msg.reason}`;
        else this.event(run, 'worker-failed', w, msg.reason);
        w.phase = 'done';
        break;
      case 'window': {
        // a run this coordinator does not know (it restarted since): acknowledged, so the worker stops resending it, and dropped
        if (!run || run.dropped.has(w.id)) return this.ack(w, msg.runId, msg.index);
        if (!run.participants.has(w.id)) throw new VolleyError('VOLLEY_BAD_MESSAGE', `window for a run this worker is not in`);
        if (run.state !== 'finished' && run.state !== 'failed') {
          try {
            this.checkPlausible(run, msg);
            const journal = run.journal;
            run.aggregator.add(w.id, msg, journal && ((accepted) => journal.addWindow(accepted)));
          } catch (err) {
            // nothing of it was applied; what it sent before stays, and its share moves to the others
            run.dropped.add(w.id);
            const why = `dropped: ${errorMessage(err)}`.slice(0, 300);
            if (run.members.includes(w.id)) this.loseMember(run, w, Date.now(), why);
            else {
              w.phase = 'done';
              this.event(run, 'worker-lost', w, why);
            }
            throw err;
          }
        }
        return this.ack(w, msg.runId, msg.index);
      }
      case 'setup-done':
        if (!run || w.runId !== run.id || run.setupDone) break;
        run.setupDone = true;
        run.output.push(...(msg.output ?? []).map((l) => `setup: ${l}`));
        if (msg.error) run.error = msg.error;
        else run.setupData = msg.data;
        break;
      case 'teardown-done':
        if (!run || w.runId !== run.id) break;
        run.teardownDone = true;
        run.output.push(...(msg.output ?? []).map((l) => `teardown: ${l}`));
        if (msg.error) this.event(run, 'worker-failed', w, msg.error);
        break;
      case 'abort':
        // k6's test.abort(): the first one stops the run (exit 108, as k6)
        if (!run || w.runId !== run.id || run.state !== 'running' || run.events.some((e) => e.kind === 'script-abort')) break;
        this.event(run, 'script-abort', w, msg.reason);
        run.stopReason = `test.abort(): ${msg.reason}`;
        run.stopRequested = true;
        this.waiter.notify();
        break;
      case 'idle':
        // its executors have done their work; the run ends when every member is idle
        if (run && w.runId === run.id && w.phase === 'running') w.phase = 'idle';
        break;
      case 'done':
        if (!run || w.runId !== run.id) break;
        // a member that stopped while the run goes on has left it (its dead-man switch
        // tripped, or it is shutting down): its share moves now; it stays out of this run.
        if (run.state === 'running' && run.members.includes(w.id)) {
          this.loseMember(run, w, Date.now(), msg.reason ?? 'stopped on its own', run.startAt + Math.max(0, msg.lastIndex) * 1000);
        }
        w.phase = 'done';
        break;
      default: {
        const never: never = msg;
        throw new Error(`unhandled ${JSON.stringify(never)}`);
      }
    }
    this.waiter.notify();
  }

  /** Acknowledges a window with the next heartbeat. */
  private ack(w: WorkerEntry, runId: string, index: number): void {
    if (w.acks?.runId !== runId) w.acks = { runId, indexes: [] };
    w.acks.indexes.push(index);
  }

  /** A window no honest worker sends: past the run's end, more VUs than the whole plan, totals that would overflow (the aggregator checks those). */
  private checkPlausible(run: Run, msg: Extract<WorkerMessage, { type: 'window' }>): void {
    if (msg.index > run.maxIndex) throw new VolleyError('VOLLEY_BAD_MESSAGE', `implausible window: index ${msg.index} is past the run's end (${run.maxIndex} at most)`);
    if (msg.vus > run.maxVus) throw new VolleyError('VOLLEY_BAD_MESSAGE', `implausible window: ${msg.vus} VUs, more than the whole run's ${run.maxVus}`);
  }

  private tick(): void {
    const now = Date.now();
    const beat = this.ticks++ % (HEARTBEAT_MS / LIVENESS_TICK_MS) === 0;
    const run = this.current;
    const active = run && (run.state === 'running' || run.state === 'stopping');
    const members = new Set(active ? run.members : []);
    // windows are in the journal before the heartbeat acknowledges them
    if (beat) run?.journal?.writePending();
    for (const w of this.workers.values()) {
      if (!w.conn && now - w.lastHeard > FORGET_MS && !run?.participants.has(w.id)) {
        this.workers.delete(w.id);
        continue;
      }
      if (run && members.has(w.id)) {
        if (memberLiveness(w.lastHeard, !!w.conn, now) === 'lost') this.loseMember(run, w, now);
      } else if (w.conn && now - w.lastHeard > IDLE_SILENCE_MS) {
        this.log.warn({ worker: w.id, silentMs: now - w.lastHeard }, 'worker silent; dropping its link');
        w.conn.close(4000, 'heartbeat timeout');
        w.conn = undefined;
      }
      if (beat && w.conn) {
        w.conn.send({ type: 'heartbeat', now, acked: w.acks });
        w.acks = undefined;
      }
    }
    if (run?.state === 'running' && beat && run.thresholds.length && !run.stopRequested) this.judgeLive(run, now);
    if (run?.state === 'running') {
      for (const w of this.workers.values()) if (w.conn && !run.participants.has(w.id) && (!w.runId || w.phase === 'done')) this.admit(run, w);
    }
    this.waiter.notify();
  }

  /** Judges the thresholds on the data merged so far; an abortOnFail one that fails stops the whole cluster. */
  private judgeLive(run: Run, now: number): void {
    const elapsed = now - run.startAt;
    const results = evaluateThresholds(run.thresholds, [...run.aggregator.totals.values()], run.aggregator.windows, elapsed / 1000);
    const abort = abortingThreshold(results, elapsed);
    if (!abort) return;
    this.event(run, 'threshold-abort', undefined, `${abort.metric} '${abort.threshold}' failed with ${abort.aggregation}=${abort.observed}`);
    run.stopReason = `threshold ${abort.metric} '${abort.threshold}' crossed`;
    run.stopRequested = true;
  }

  private event(run: Run, kind: RunEvent['kind'], worker: WorkerEntry | undefined, detail: string): void {
    const e: RunEvent = { atMs: Date.now() - (run.startAt || Date.now()), kind, worker: worker?.name, detail };
    run.events.push(e);
    run.journal?.append({ t: 'event', ...e });
    // a scale is asked for; the rest happen to the run
    this.log[kind === 'scaled' ? 'info' : 'warn']({ runId: run.id, ...e }, `run event: ${kind}`);
  }

  /**
   * A member is gone (silent past the limit, or stopped on its own): its
   * share moves to the others. `since` is when its users stopped counting.
   */
  private loseMember(run: Run, w: WorkerEntry, now: number, why = `no word for ${now - w.lastHeard} ms`, since = w.lastHeard): void {
    run.members = run.members.filter((id) => id !== w.id);
    w.phase = 'done';
    this.event(run, 'worker-lost', w, why);
    if (run.state !== 'running') return;
    if (run.members.length > 0) {
      run.shortMs += Math.max(0, now - since);
      this.rebalance(run, this.unfinishedIterations(run, w));
    } else {
      run.shortSince ??= since;
    }
  }

  /** A worker that joins a running run: it loads the scenario, then gets a share (see 'ready'). */
  private admit(run: Run, w: WorkerEntry): void {
    const members = [...run.members.map((id) => this.workers.get(id)!), w];
    w.runId = run.id;
    w.phase = 'preparing';
    run.participants.add(w.id);
    run.journal?.append({ t: 'worker', id: w.id, name: w.name, cores: w.cores });
    const segment = { weights: members.map((m) => m.cores), index: members.length - 1 };
    w.conn!.send({ type: 'prepare', config: run.config, scenario: run.request.scenario, segment, joining: true });
    this.log.info({ runId: run.id, worker: w.id }, 'admitting a worker that joined mid-run');
  }

  /** A late joiner is ready: it becomes a member, everyone gets the new shares, and it starts on the run's clock. */
  private joinRunning(run: Run, w: WorkerEntry): void {
    run.members.push(w.id);
    w.phase = 'running';
    if (run.shortSince !== undefined) {
      run.shortMs += Date.now() - run.shortSince;
      run.shortSince = undefined;
    }
    this.event(run, 'worker-joined', w, `${w.cores} core(s)`);
    this.rebalance(run);
    if (run.scaled) this.sendStages(run, w);
    w.conn?.send({ type: 'start', runId: run.id, startAt: run.startAt, setupData: run.setupData });
  }

  /**
   * A lost worker's iterations not reported done, per iteration scenario.
   * Its windows after the last one that arrived are not counted, so what it
   * did in that last moment runs again: at least every iteration, a few more
   * in-flight ones at most.
   */
  private unfinishedIterations(run: Run, w: WorkerEntry): Map<string, number> {
    const out = new Map<string, number>();
    const done = run.aggregator.iterationsByWorker.get(w.id);
    for (const [scenario, owed] of run.owed.get(w.id) ?? []) {
      const left = owed - (done?.get(scenario) ?? 0);
      if (left > 0) out.set(scenario, left);
    }
    return out;
  }

  /** Recomputes the segments over the current members and sends each its share, and its part of any iterations `moved`. */
  private rebalance(run: Run, moved = new Map<string, number>()): void {
    const members = run.members.map((id) => this.workers.get(id)!);
    const weights = members.map((m) => m.cores);
    members.forEach((m, index) => {
      const mine: Record<string, number> = {};
      for (const [scenario, n] of moved) {
        const part = shareOf(n, { weights, index });
        if (part === 0) continue;
        mine[scenario] = part;
        if (m.phase === 'idle') m.phase = 'running'; // it has work again; it will say idle when done
        const owed = run.owed.get(m.id) ?? new Map<string, number>();
        owed.set(scenario, (owed.get(scenario) ?? 0) + part);
        run.owed.set(m.id, owed);
      }
      m.conn?.send({ type: 'assign', runId: run.id, segment: { weights, index }, ...(moved.size ? { moved: mine } : {}) });
    });
    const movedText = [...moved].map(([s, n]) => `; ${n} unfinished iteration(s) of ${s} moved`).join('');
    this.event(run, 'rebalanced', undefined, `${members.length} worker(s): ${members.map((m) => m.name).join(', ')}${movedText}`);
  }

  /** Starts a run; rejects at once if one is in progress. */
  start(req: StartRequest): { id: string; finished: Promise<RunSummary> } {
    if (this.current && (this.current.state === 'preparing' || this.current.state === 'running' || this.current.state === 'stopping')) {
      throw new VolleyError('VOLLEY_RUN_STATE', `run ${this.current.id} is ${this.current.state}; stop it first`);
    }
    const id = `run-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
    const config: RunConfig = {
      runId: id,
      host: req.host,
      plan: { scenarios: runPlan(req) },
      env: req.env,
      files: req.files ?? {},
      targetTls: req.targetTls,
      connections: req.connections,
      taggedPhases: [],
      ...(req.httpDebug ? { httpDebug: req.httpDebug } : {}),
      ...(req.maxBodyBytes !== undefined ? { maxBodyBytes: req.maxBodyBytes } : {}),
    };
    if (req.scenarios && req.runTimeMs !== planDuration(req.scenarios)) throw new VolleyError('VOLLEY_BAD_OPTION', `runTimeMs ${req.runTimeMs} differs from the scenarios' ${planDuration(req.scenarios)} ms`);
    if (this.options.limits) checkLimits(config.plan.scenarios, req, this.options.limits);
    const thresholds = parseThresholds(req.thresholds ?? {});
    config.taggedPhases = taggedPhases(thresholds);
    const run = new Run(id, req, config, thresholds);
    this.runs.set(id, run);
    this.current = run;
    this.forgetOldRuns();
    const finished = this.execute(run).catch((err: unknown) => {
      run.state = 'failed';
      run.error = errorMessage(err);
      run.journal?.close();
      this.log.error({ runId: id, err: run.error }, 'run failed');
      this.release(run);
      throw err;
    });
    finished.catch(() => undefined); // the caller decides; never an unhandled rejection
    this.currentSettled = finished.catch(() => undefined);
    this.options.onRunStarted?.({ id, request: req, finished });
    return { id, finished };
  }

  /**
   * Keeps the last KEPT_RUNS runs (their status and summary, for the API
   * and the dashboard's downloads), and of finished ones not the scenario's
   * code, which only workers joining a running run need: a coordinator that
   * serves runs for months does not keep every bundle it was sent.
   */
  private forgetOldRuns(): void {
    for (const [id, r] of this.runs) {
      if (r === this.current) continue;
      if (this.runs.size > KEPT_RUNS) this.runs.delete(id);
      else r.request.scenario = { name: r.request.scenario.name, code: '' };
    }
  }

  /** Resolves when the current run (if any) has finished or failed. */
  settled(): Promise<unknown> {
    return this.currentSettled;
  }

  stop(reason: string): RunStatus | undefined {
    const run = this.current;
    if (!run || run.state === 'finished' || run.state === 'failed') return undefined;
    this.log.info({ runId: run.id, reason }, 'stop requested');
    run.stopReason = reason;
    run.stopRequested = true;
    this.waiter.notify();
    return this.runStatus(run);
  }

  /**
   * Locust's "edit a running test", k6's `scale`: the users of a run started
   * with users and a spawn rate go to `users`, at `spawnRate` a second
   * (default: the run's own), from a common instant a moment ahead; the
   * run's end stays. Workers that join later get the new plan with their
   * share. A run of k6 scenarios follows its own plan and is refused.
   */
  scale(users: number, spawnRate?: number): RunStatus {
    const run = this.current;
    if (!run || run.state !== 'running') throw new VolleyError('VOLLEY_RUN_STATE', run ? `run ${run.id} is ${run.state}: only a running run can be scaled` : 'no run to scale');
    const plan = run.config.plan.scenarios;
    const ramp = plan.length === 1 && !run.request.scenarios ? plan[0]! : undefined;
    if (!ramp || ramp.executor.type !== 'ramping-vus') {
      throw new VolleyError('VOLLEY_BAD_OPTION', `run ${run.id} follows its scenarios' own plan (${plan.map((p) => p.executor.type).join(', ')}); a run started with users and a spawn rate can be scaled`);
    }
    const rate = spawnRate ?? run.request.spawnRate;
    if (this.options.limits) checkLimits(run.config.plan.scenarios, { users, runTimeMs: run.request.runTimeMs }, this.options.limits);
    const atMs = Date.now() + SCALE_LEAD_MS - run.startAt;
    const from = vusAt(ramp.executor.stages, atMs, ramp.executor.startVUs);
    ramp.executor.stages = rescaleStages(ramp.executor.stages, atMs, users, rate, ramp.executor.startVUs);
    // the old ramp's VUs may still be in the windows of this moment
    run.maxVus = Math.max(run.maxVus, planMaxVus(plan));
    run.scaled = true;
    for (const id of run.members) this.sendStages(run, this.workers.get(id));
    this.event(run, 'scaled', undefined, `${from} → ${users} users at ${rate}/s`);
    return this.runStatus(run);
  }

  /** The run's ramp as it stands now, to one worker. */
  private sendStages(run: Run, w: WorkerEntry | undefined): void {
    for (const sc of run.config.plan.scenarios) {
      if (sc.executor.type === 'ramping-vus') w?.conn?.send({ type: 'restage', runId: run.id, scenario: sc.name, stages: sc.executor.stages });
    }
  }

  status(): ClusterStatus {
    return {
      workers: [...this.workers.values()].map((w) => ({ id: w.id, name: w.name, cores: w.cores, connected: !!w.conn, runId: w.runId })),
      run: this.current ? this.runStatus(this.current) : undefined,
    };
  }

  /** What /metrics shows: workers' health, and the current run's live figures by request name. */
  metricsSnapshot(): MetricsSnapshot {
    const now = Date.now();
    const run = this.current;
    const snap: MetricsSnapshot = {
      workers: [...this.workers.values()].map((w) => {
        const h = run?.aggregator.healthByWorker.get(w.id)?.last;
        return { id: w.id, name: w.name, connected: !!w.conn, silentMs: now - w.lastHeard, inRun: !!run && w.runId === run.id && w.phase !== 'done', cpu: h?.cpu, lagP99Ms: h?.lagP99Ms, wakeLateMs: h?.wakeLateMs };
      }),
    };
    if (run) {
      const status = this.runStatus(run);
      const byName = new Map<string, { count: number; failures: number; hist?: SeriesAgg }>();
      const errors: { name: string; error: string; count: number }[] = [];
      for (const s of run.aggregator.totals.values()) {
        const name = s.tags.name;
        if (name === undefined) continue;
        const e = byName.get(name) ?? { count: 0, failures: 0 };
        byName.set(name, e);
        if (s.metric === 'http_req_duration' && s.kind === 'trend') {
          e.count += s.count;
          if (!e.hist) e.hist = emptyAgg('trend', s.metric, {});
          addAgg(e.hist, s);
        } else if (s.metric === 'http_req_failed' && s.kind === 'rate') e.failures += s.passes;
        else if (s.metric === 'http_req_errors' && s.kind === 'counter') errors.push({ name, error: s.tags.error ?? '', count: s.value });
      }
      snap.run = {
        id: run.id, state: run.state, vus: status.vus, rps: status.rps, requests: status.requests, failures: status.failures, elapsedMs: status.elapsedMs,
        byName: [...byName].map(([name, e]) => {
          const h = e.hist?.kind === 'trend' ? e.hist.hist : undefined;
          const q = (p: number): number => (h && h.totalCount ? percentile(h, p) / 1e6 : 0);
          return { name, count: e.count, failures: e.failures, p50: q(50), p95: q(95), p99: q(99) };
        }),
        errors,
      };
    }
    return snap;
  }

  runById(id: string): { status: RunStatus; summary?: RunSummary } | undefined {
    const run = id === 'current' ? this.current : this.runs.get(id);
    return run ? { status: this.runStatus(run), summary: run.summary } : undefined;
  }

  /** The current run's summary so far (the final one once finished), for live views. */
  liveSummary(): RunSummary | undefined {
    const run = this.current;
    if (!run) return undefined;
    if (run.summary) return run.summary;
    if (!run.startAt) return undefined;
    const req = run.request;
    return summarize(run.aggregator, {
      id: run.id, scenario: req.scenario.name, host: req.host, users: req.users, spawnRate: req.scenarios ? 0 : req.spawnRate,
      runTimeMs: req.runTimeMs, startedAt: new Date(run.startAt).toISOString(), durationMs: Math.max(1, Date.now() - run.startAt), trendStats: req.summaryTrendStats,
      workers: [...run.participants].map((id) => this.workers.get(id)!).map((w) => ({ id: w.id, name: w.name, cores: w.cores, requests: run.aggregator.requestsByWorker.get(w.id) ?? 0, health: healthOf(run.aggregator.healthByWorker.get(w.id)) })),
      events: run.events, shortMs: run.shortMs, executors: run.config.plan.scenarios.map((sc) => sc.executor.type),
    }, run.thresholds);
  }

  private runStatus(run: Run): RunStatus {
    let requests = 0;
    let failures = 0;
    for (const s of run.aggregator.totals.values()) {
      if (s.metric === 'http_req_duration' && s.kind === 'trend') requests += s.count;
      if (s.metric === 'http_req_failed' && s.kind === 'rate') failures += s.passes;
    }
    const end = run.stoppedAt || Date.now();
    const elapsedMs = run.startAt && end > run.startAt ? end - run.startAt : 0;
    const lastIndex = run.startAt ? Math.floor(elapsedMs / 1000) - 1 : -1;
    const last = run.aggregator.windows.get(lastIndex);
    let rps = 0;
    const lastDuration = emptyAgg('trend', 'http_req_duration', {});
    for (const s of last?.series.values() ?? []) {
      if (s.metric === 'http_req_duration' && s.kind === 'trend') {
        rps += s.count;
        addAgg(lastDuration, s);
      }
    }
    const p95Ms = last?.point ? last.point.percentilesMs['95'] : lastDuration.kind === 'trend' ? percentile(lastDuration.hist, 95) / 1000 : 0;
    if (last?.point) rps = last.point.requests;
    return {
      id: run.id, state: run.state, scenario: run.request.scenario.name, elapsedMs,
      vus: last?.vus ?? 0, requests, failures, rps, p95Ms, workers: run.members.length, error: run.error, journal: run.journal?.path,
    };
  }

  private async execute(run: Run): Promise<RunSummary> {
    const req = run.request;
    const log = this.log.child({ runId: run.id });
    const idle = (): WorkerEntry[] => [...this.workers.values()].filter((w) => w.conn && (!w.runId || w.phase === 'done'));
    const want = Math.max(1, req.expectWorkers);
    log.info({ expectWorkers: want }, 'waiting for workers');
    const enough = await this.waiter.until(() => run.stopRequested || idle().length >= want, req.expectWorkersTimeoutMs);
    if (run.stopRequested) throw new VolleyError('VOLLEY_RUN_STATE', 'stopped before it started');
    if (!enough) {
      throw new VolleyError('VOLLEY_NO_WORKERS', `only ${idle().length} of ${want} expected worker(s) joined within ${Math.round(req.expectWorkersTimeoutMs / 1000)} s`);
    }

    const chosen = idle();
    const segments = segmentsFor(chosen.map((w) => w.cores));
    run.members = chosen.map((w) => w.id);
    chosen.forEach((w, i) => {
      run.participants.add(w.id);
      w.runId = run.id;
      w.phase = 'preparing';
      const owed = new Map<string, number>();
      for (const plan of run.config.plan.scenarios) {
        const n = iterationsOwed(plan.executor, segments[i]!);
        if (n > 0) owed.set(plan.name, n);
      }
      run.owed.set(w.id, owed);
      w.conn!.send({ type: 'prepare', config: run.config, scenario: req.scenario, segment: { weights: [...segments[i]!.weights], index: i } });
    });
    log.info({ workers: chosen.map((w) => w.name) }, 'preparing');
    const members = (): WorkerEntry[] => run.members.map((id) => this.workers.get(id)!);
    const allReady = await this.waiter.until(
      () => run.stopRequested || !!run.error || members().every((w) => w.phase === 'ready') || members().some((w) => !w.conn),
      READY_TIMEOUT_MS,
    );
    if (run.error || run.stopRequested || !allReady || members().some((w) => !w.conn)) {
      const why = run.error ?? (run.stopRequested ? 'stopped before it started' : !allReady ? `workers not ready within ${READY_TIMEOUT_MS / 1000} s` : 'a worker left while preparing');
      throw new VolleyError('VOLLEY_WORKER_FAILED', why);
    }

    if (req.setup) {
      // once for the whole cluster, on one worker; its result goes to all
      const first = members()[0]!;
      first.conn?.send({ type: 'setup', runId: run.id });
      log.info({ worker: first.name }, 'running setup()');
      const limitMs = req.setupTimeoutMs ?? SETUP_TIMEOUT_MS;
      const answered = await this.waiter.until(() => run.setupDone || run.stopRequested || !first.conn, limitMs);
      if (run.error) throw new VolleyError('VOLLEY_WORKER_FAILED', run.error);
      if (!answered || !run.setupDone) throw new VolleyError('VOLLEY_WORKER_FAILED', run.stopRequested ? 'stopped during setup()' : `setup() did not finish within ${limitMs / 1000} s`);
    }

    run.startAt = Date.now() + START_LEAD_MS;
    // the journal is open before any traffic: a directory it cannot be made in fails the run here, not after it began
    if (this.options.journalDir) this.openJournal(run, join(this.options.journalDir, `${run.id}.jsonl`));
    for (const w of members()) {
      w.phase = 'running';
      w.conn?.send({ type: 'start', runId: run.id, startAt: run.startAt, setupData: run.setupData });
    }
    run.state = 'running';
    log.info({ startAt: new Date(run.startAt).toISOString(), workers: run.members.length, journal: run.journal?.path }, 'running');

    // membership may change from here on (tick: lost members, late joiners)
    const allCompleted = (): boolean => run.members.length > 0 && members().every((w) => w.phase === 'idle' || w.phase === 'done');
    await this.waiter.until(() => run.stopRequested || allCompleted(), run.startAt - Date.now() + req.runTimeMs);
    run.stoppedAt = Math.min(Date.now(), run.startAt + req.runTimeMs);
    run.state = 'stopping';
    if (run.shortSince !== undefined) run.shortMs += run.stoppedAt - run.shortSince;
    const participants = (): WorkerEntry[] => [...run.participants].map((id) => this.workers.get(id)!);
    for (const w of participants()) {
      if (w.phase !== 'done') w.conn?.send({ type: 'stop', runId: run.id, reason: run.stopReason, gracefulStopMs: req.gracefulStopMs });
    }
    // wait for every participant's last window; one that stays away past the lost limit is not waited for
    const allDone = await this.waiter.until(
      () => participants().every((w) => w.phase === 'done' || (!w.conn && Date.now() - w.lastHeard > MEMBER_LOST_MS)),
      req.gracefulStopMs + 10_000,
    );
    if (!allDone) log.warn('some workers did not finish in time; their last windows are missing');

    if (req.teardown) {
      const by = participants().find((w) => w.conn);
      if (by) {
        by.conn!.send({ type: 'teardown', runId: run.id, setupData: run.setupData });
        log.info({ worker: by.name }, 'running teardown()');
        if (!(await this.waiter.until(() => run.teardownDone || !by.conn, req.teardownTimeoutMs ?? SETUP_TIMEOUT_MS))) log.warn('teardown() did not finish in time');
      } else {
        log.warn('no worker left to run teardown()');
      }
    }

    const workers: WorkerInfo[] = participants().map((w) => ({ id: w.id, name: w.name, cores: w.cores, requests: run.aggregator.requestsByWorker.get(w.id) ?? 0, health: healthOf(run.aggregator.healthByWorker.get(w.id)) }));
    run.summary = summarize(run.aggregator, {
      id: run.id, scenario: req.scenario.name, host: req.host, users: req.users, spawnRate: req.scenarios ? 0 : req.spawnRate,
      runTimeMs: req.runTimeMs, startedAt: new Date(run.startAt).toISOString(),
      durationMs: Math.max(1, run.stoppedAt - run.startAt), workers, events: run.events, shortMs: run.shortMs,
      executors: run.config.plan.scenarios.map((sc) => sc.executor.type), output: run.output, trendStats: req.summaryTrendStats,
    }, run.thresholds);
    run.journal?.append({ t: 'end', durationMs: run.summary.run.durationMs, shortMs: run.shortMs });
    run.journal?.close();
    run.state = 'finished';
    this.release(run);
    log.info({ requests: run.summary.total.count }, 'finished');
    return run.summary;
  }

  private openJournal(run: Run, path: string): void {
    const req = run.request;
    try {
      run.journal = new JournalWriter(path, (err) => this.journalFailed(run, err));
    } catch (err) {
      throw new VolleyError('VOLLEY_RUN_STATE', `cannot write the run's journal ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)} (check --journal-dir); no traffic was sent`);
    }
    run.journal.append({ t: 'run', run: { id: run.id, scenario: req.scenario.name, host: req.host, users: req.users, spawnRate: req.spawnRate, runTimeMs: req.runTimeMs, startedAt: new Date(run.startAt).toISOString(), executors: run.config.plan.scenarios.map((sc) => sc.executor.type), trendStats: req.summaryTrendStats }, thresholds: req.thresholds });
    for (const id of run.members) {
      const w = this.workers.get(id)!;
      run.journal.append({ t: 'worker', id: w.id, name: w.name, cores: w.cores });
    }
  }

  /**
   * The journal could not be written (a full disk): what is acknowledged
   * must be on disk, so the run stops now; its reports hold what was
   * merged, and the coordinator goes on.
   */
  private journalFailed(run: Run, err: Error): void {
    const why = `the journal ${run.journal?.path} could not be written (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`;
    this.log.error({ runId: run.id, err: errorMessage(err) }, `${why}; stopping the run`);
    this.event(run, 'journal-failed', undefined, `${why}: the run was stopped; the reports hold what was merged until then`);
    if (run.state === 'running' && !run.stopRequested) {
      run.stopReason = why;
      run.stopRequested = true;
      this.waiter.notify();
    }
  }

  /** Frees the run's workers for the next run (and tells them to stop, if they still run). */
  private release(run: Run): void {
    for (const id of run.participants) {
      const w = this.workers.get(id);
      if (!w || w.runId !== run.id) continue;
      if (w.phase !== 'done') w.conn?.send({ type: 'stop', runId: run.id, reason: 'run ended', gracefulStopMs: 0 });
      w.phase = 'done';
    }
    this.waiter.notify();
  }
}
