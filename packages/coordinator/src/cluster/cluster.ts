import type { Logger } from 'pino';
import {
  errorMessage,
  HEARTBEAT_MS,
  IDLE_SILENCE_MS,
  LIVENESS_TICK_MS,
  memberLiveness,
  planMaxVus,
  PROTOCOL_VERSION,
  rescaleStages,
  vusAt,
  VolleyError,
  type WorkerMessage,
} from '@volley/shared';
import type { RunSummary } from '../aggregate/summary.js';
import { abortingThreshold, evaluateThresholds, parseThresholds, taggedPhases } from '../thresholds/evaluate.js';
import { systemClock, type Clock } from './clock.js';
import type { ClusterContext } from './context.js';
import { handleMessage } from './dispatch.js';
import { executeRun, release, START_LEAD_MS } from './lifecycle.js';
import { checkLimits, type RunLimits } from './limits.js';
import { admit, loseMember, recordEvent, sendStages } from './membership.js';
import { WorkerRegistry, type WorkerConnection, type WorkerEntry } from './registry.js';
import { Run } from './run.js';
import { newRunId, runConfigFor, type StartRequest } from './start-request.js';
import {
  clusterStatus,
  metricsSnapshot,
  runStatus,
  runSummary,
  type ClusterStatus,
  type MetricsSnapshot,
  type RunStatus,
} from './views.js';
import { Waiter } from './waiter.js';

export type { WorkerConnection } from './registry.js';
export type { RunEvent, RunState } from './run.js';
export { runPlan, type StartRequest } from './start-request.js';
export type { ClusterStatus, MetricsSnapshot, RunStatus } from './views.js';

/** finished runs the coordinator still answers for (GET /api/runs/:id, downloads): their status and summary only */
const KEPT_RUNS = 100;
/** lead time between a scale request and the instant the new ramp starts on every worker */
const SCALE_LEAD_MS = 300;

export interface ClusterOptions {
  journalDir?: string;
  /** what a start request may ask for (a shared coordinator's); absent: no limit (a local run is the user's own) */
  limits?: RunLimits;
  /** told of every run started, whoever started it (the web UI of `volley run -f` prints each one's end) */
  onRunStarted?: (run: { id: string; request: StartRequest; finished: Promise<RunSummary> }) => void;
  /** the wall clock and its timers (tests move a ManualClock by hand) */
  clock?: Clock;
  /** lead time between the start message and the common start instant (default START_LEAD_MS; a local run's workers are on loopback) */
  startLeadMs?: number;
}

/**
 * The coordinator's core: the worker registry and one run at a time
 * (preparing → running → stopping → finished | failed). It owns the
 * liveness tick and the run clock, through the injected clock, but no
 * sockets: each worker's link is a WorkerConnection.
 */
export class Cluster {
  private readonly ctx: ClusterContext;
  /** the current run, or the last one, whole */
  private current?: Run;
  /** earlier runs, oldest first: what the API still shows of them */
  private readonly past = new Map<string, { status: RunStatus; summary?: RunSummary }>();
  private currentSettled: Promise<unknown> = Promise.resolve();
  private readonly stopTicking: () => void;
  private ticks = 0;

  constructor(
    log: Logger,
    private readonly options: ClusterOptions = {},
  ) {
    const clock = options.clock ?? systemClock;
    this.ctx = { log, clock, registry: new WorkerRegistry(log), waiter: new Waiter(clock) };
    this.stopTicking = clock.every(LIVENESS_TICK_MS, () => this.tick());
  }

  close(reason = 'coordinator closing'): void {
    this.stopTicking();
    for (const w of this.ctx.registry.values()) w.conn?.close(1001, reason);
  }

  /** Asks every connected worker to exit (workers spawned by `volley run`). */
  shutdownWorkers(reason: string): void {
    for (const w of this.ctx.registry.values()) w.conn?.send({ type: 'shutdown', reason });
  }

  connectedWorkers(): number {
    return this.ctx.registry.connected();
  }

  /** A new connection: the session ends at close; the first message must be hello. */
  attach(conn: WorkerConnection): { onMessage(msg: WorkerMessage): void; onClose(): void } {
    const { log, clock, registry, waiter } = this.ctx;
    let entry: WorkerEntry | undefined;
    return {
      onMessage: (msg) => {
        if (!entry) {
          if (msg.type !== 'hello') return conn.close(1008, 'expected hello first');
          if (msg.protocol !== PROTOCOL_VERSION)
            return conn.close(1002, `protocol ${msg.protocol} unsupported; this coordinator speaks ${PROTOCOL_VERSION}`);
          entry = registry.join(conn, msg, clock.now());
          waiter.notify();
          return;
        }
        entry.lastHeard = clock.now();
        try {
          const run = this.current && 'runId' in msg && msg.runId === this.current.id ? this.current : undefined;
          handleMessage(this.ctx, run, entry, msg);
        } catch (err) {
          log.warn({ worker: entry.id, err: errorMessage(err) }, 'bad message; closing that worker');
          conn.close(1008, errorMessage(err).slice(0, 120));
        }
      },
      onClose: () => {
        if (entry && entry.conn === conn) {
          entry.conn = undefined;
          const inRun = this.current && entry.runId === this.current.id && entry.phase !== 'done';
          log[inRun ? 'warn' : 'info']({ worker: entry.id, name: entry.name }, 'worker disconnected');
          waiter.notify();
        }
      },
    };
  }

  /** Every LIVENESS_TICK_MS: lost members and silent links, heartbeats (with acks), live thresholds, late joiners. */
  private tick(): void {
    const { log, clock, registry, waiter } = this.ctx;
    const now = clock.now();
    const beat = this.ticks++ % (HEARTBEAT_MS / LIVENESS_TICK_MS) === 0;
    const run = this.current;
    const active = run && (run.state === 'running' || run.state === 'stopping');
    const members = new Set(active ? run.members : []);
    // windows are in the journal before the heartbeat acknowledges them
    if (beat) run?.journal?.writePending();
    registry.forgetGone(now, (id) => !!run?.participants.has(id));
    for (const w of registry.values()) {
      if (run && members.has(w.id)) {
        if (memberLiveness(w.lastHeard, !!w.conn, now) === 'lost') loseMember(this.ctx, run, w, now);
      } else if (w.conn && now - w.lastHeard > IDLE_SILENCE_MS) {
        log.warn({ worker: w.id, silentMs: now - w.lastHeard }, 'worker silent; dropping its link');
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
      for (const w of registry.values())
        if (w.conn && !run.participants.has(w.id) && (!w.runId || w.phase === 'done')) admit(this.ctx, run, w);
    }
    waiter.notify();
  }

  /** Judges the thresholds on the data merged so far; an abortOnFail one that fails stops the whole cluster. */
  private judgeLive(run: Run, now: number): void {
    const elapsed = now - run.startAt;
    const results = evaluateThresholds(run.thresholds, [...run.aggregator.totals.values()], run.aggregator.windows, elapsed / 1000);
    const abort = abortingThreshold(results, elapsed);
    if (!abort) return;
    recordEvent(
      this.ctx,
      run,
      'threshold-abort',
      undefined,
      `${abort.metric} '${abort.threshold}' failed with ${abort.aggregation}=${abort.observed}`,
    );
    run.requestStop(`threshold ${abort.metric} '${abort.threshold}' crossed`);
  }

  /** Starts a run; rejects at once if one is in progress. */
  start(req: StartRequest): { id: string; finished: Promise<RunSummary> } {
    const { log, clock } = this.ctx;
    if (this.current?.active) throw new VolleyError('VOLLEY_RUN_STATE', `run ${this.current.id} is ${this.current.state}; stop it first`);
    const id = newRunId(clock.now());
    const config = runConfigFor(id, req);
    if (this.options.limits) checkLimits(config.plan.scenarios, req, this.options.limits);
    const thresholds = parseThresholds(req.thresholds ?? {});
    config.taggedPhases = taggedPhases(thresholds);
    this.keepPast();
    const run = new Run(id, req, config, thresholds);
    this.current = run;
    const finished = executeRun(this.ctx, run, {
      journalDir: this.options.journalDir,
      startLeadMs: this.options.startLeadMs ?? START_LEAD_MS,
    }).then(
      (summary) => {
        release(this.ctx, run);
        return summary;
      },
      (err: unknown) => {
        run.state = 'failed';
        run.error = errorMessage(err);
        run.journal?.close();
        log.error({ runId: id, err: run.error }, 'run failed');
        release(this.ctx, run);
        throw err;
      },
    );
    finished.catch(() => undefined); // the caller decides; never an unhandled rejection
    this.currentSettled = finished.catch(() => undefined);
    this.options.onRunStarted?.({ id, request: req, finished });
    return { id, finished };
  }

  /**
   * The run that ends is kept as its status and summary alone: not its
   * request (the scenario's code), its aggregator or its members, so a
   * coordinator that serves runs for months does not hold every bundle.
   */
  private keepPast(): void {
    const last = this.current;
    if (!last) return;
    this.past.set(last.id, { status: runStatus(last, this.ctx.clock.now()), summary: last.summary });
    for (const id of this.past.keys()) {
      if (this.past.size < KEPT_RUNS) break;
      this.past.delete(id);
    }
  }

  /** Resolves when the current run (if any) has finished or failed. */
  settled(): Promise<unknown> {
    return this.currentSettled;
  }

  stop(reason: string): RunStatus | undefined {
    const run = this.current;
    if (!run || run.state === 'finished' || run.state === 'failed') return undefined;
    this.ctx.log.info({ runId: run.id, reason }, 'stop requested');
    run.requestStop(reason);
    this.ctx.waiter.notify();
    return runStatus(run, this.ctx.clock.now());
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
    if (run?.state !== 'running')
      throw new VolleyError(
        'VOLLEY_RUN_STATE',
        run ? `run ${run.id} is ${run.state}: only a running run can be scaled` : 'no run to scale',
      );
    const plan = run.config.plan.scenarios;
    const ramp = plan.length === 1 && !run.request.scenarios ? plan[0]! : undefined;
    if (ramp?.executor.type !== 'ramping-vus') {
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `run ${run.id} follows its scenarios' own plan (${plan.map((p) => p.executor.type).join(', ')}); a run started with users and a spawn rate can be scaled`,
      );
    }
    const rate = spawnRate ?? run.request.spawnRate;
    if (this.options.limits) checkLimits(run.config.plan.scenarios, { users, runTimeMs: run.request.runTimeMs }, this.options.limits);
    const now = this.ctx.clock.now();
    const atMs = now + SCALE_LEAD_MS - run.startAt;
    const from = vusAt(ramp.executor.stages, atMs, ramp.executor.startVUs);
    ramp.executor.stages = rescaleStages(ramp.executor.stages, atMs, users, rate, ramp.executor.startVUs);
    // the old ramp's VUs may still be in the windows of this moment
    run.maxVus = Math.max(run.maxVus, planMaxVus(plan));
    run.scaled = true;
    for (const w of this.ctx.registry.all(run.members)) sendStages(run, w);
    recordEvent(this.ctx, run, 'scaled', undefined, `${from} → ${users} users at ${rate}/s`);
    return runStatus(run, now);
  }

  status(): ClusterStatus {
    return clusterStatus(this.ctx.registry, this.current, this.ctx.clock.now());
  }

  /** What /metrics shows: workers' health, and the current run's live figures by request name. */
  metricsSnapshot(): MetricsSnapshot {
    return metricsSnapshot(this.ctx.registry, this.current, this.ctx.clock.now());
  }

  runById(id: string): { status: RunStatus; summary?: RunSummary } | undefined {
    const run = id === 'current' || id === this.current?.id ? this.current : undefined;
    return run ? { status: runStatus(run, this.ctx.clock.now()), summary: run.summary } : this.past.get(id);
  }

  /** The current run's summary so far (the final one once finished), for live views. */
  liveSummary(): RunSummary | undefined {
    const run = this.current;
    if (!run) return undefined;
    if (run.summary) return run.summary;
    if (!run.startAt) return undefined;
    return runSummary(this.ctx.registry, run, this.ctx.clock.now() - run.startAt, false);
  }
}
