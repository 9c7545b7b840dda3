import { format } from 'node:util';
import type { Logger } from 'pino';
import {
  MAX_SETUP_DATA,
  nthOwnedUnit,
  WINDOW_MS,
  type PrepareMessage,
  type Segment,
  type Stage,
  type WindowMessage,
  type AbortMessage,
} from '@volley/shared';
import type { ScenarioDefinition } from '@volley/shared/scenario';
import { RUNTIME_KEY, type MetricsRuntime } from '@volley/shared/scenario';
import { Recorder } from './recorder.js';
import { createHttpClient, type ClientDeps } from './http/client.js';
import { ConnectionPool } from './http/connections.js';
import { CookieJar } from './http/cookies.js';
import { createExecutor, type Executor } from './executors/index.js';
import { sourcesFor } from './vu.js';
import { deepFreeze } from './deep-freeze.js';
import { SelfHealth } from './self-health.js';
import { TimerWheel } from './timer-wheel.js';

/**
 * Runs a hook with console output collected into `lines` (setup and
 * teardown run alone on a worker whose stdout nobody watches; the
 * coordinator shows what they printed).
 */
async function capturing<T>(lines: string[], fn: () => T | Promise<T>): Promise<T> {
  const names = ['log', 'info', 'warn', 'error'] as const;
  const saved = names.map((n) => console[n]);
  for (const n of names) console[n] = (...args: unknown[]) => void (lines.length < 200 && lines.push(format(...args).slice(0, 4096)));
  try {
    return await fn();
  } finally {
    for (const [i, n] of names.entries()) console[n] = saved[i]!;
  }
}

/** Routes a scenario's Trend/Counter/Rate/Gauge/check calls to this run's recorder. */
function installMetricsRuntime(recorder: Recorder): void {
  const rt: MetricsRuntime = {
    add(kind, name, value, tags) {
      const refused = recorder.metric(kind, name, value, tags ?? {});
      if (refused) recorder.count('task_errors', { user: 'scenario', task: 'metric', error: refused.slice(0, 200) });
    },
  };
  (globalThis as Record<symbol, unknown>)[RUNTIME_KEY] = rt;
}

/**
 * One run on this worker: its scenarios' executors, the recorder, and the
 * window clock. Window i covers [startAt + i·1 s, startAt + (i+1)·1 s) on
 * the coordinator's clock; each is kept until the coordinator acknowledges it.
 */
export class WorkerRun {
  readonly runId: string;
  private readonly recorder: Recorder;
  /** this process's own CPU and event-loop lag, per window */
  private readonly health = new SelfHealth();
  /** where every VU of this run sleeps */
  private readonly wheel = new TimerWheel();
  private readonly connections: ConnectionPool;
  private readonly executors: { name: string; executor: Executor; startTimeMs: number; gracefulStopMs: number; timer?: NodeJS.Timeout }[];
  private readonly unacked = new Map<number, WindowMessage>();
  private nextIndex = 0;
  private windowTimer?: NodeJS.Timeout;
  private startLocal = 0;
  private stopping?: Promise<number>;
  private setupData: unknown;
  private readonly baseUrl: URL;
  private readonly debug?: ClientDeps['debug'];
  private readonly env: Record<string, string | undefined>;
  private readonly files: Readonly<Record<string, unknown>>;
  /** called each time every executor has done its work (again, after iterations were moved here) */
  onIdle?: () => void;
  private readonly finished: boolean[];
  private segment: Segment;

  constructor(
    prepare: PrepareMessage,
    private readonly send: (msg: WindowMessage | AbortMessage) => void,
    private readonly log: Logger,
    private readonly scenario: ScenarioDefinition,
  ) {
    this.runId = prepare.config.runId;
    this.recorder = new Recorder(new Set(prepare.config.taggedPhases));
    this.connections = new ConnectionPool(prepare.config.targetTls, prepare.config.connections);
    installMetricsRuntime(this.recorder);
    const baseUrl = (this.baseUrl = new URL(prepare.config.host));
    const level = prepare.config.httpDebug;
    const debug = (this.debug = level ? { level, write: (text: string) => void process.stderr.write(text) } : undefined);
    const env = (this.env = { ...process.env, ...prepare.config.env });
    const files = (this.files = deepFreeze(
      Object.fromEntries(Object.entries(prepare.config.files).map(([k, v]) => [k, JSON.parse(v) as unknown])),
    ));
    const wheel = this.wheel;
    this.segment = prepare.segment;
    this.executors = prepare.config.plan.scenarios.map((plan) => ({
      name: plan.name,
      startTimeMs: plan.startTimeMs,
      gracefulStopMs: plan.gracefulStopMs,
      executor: createExecutor(
        plan,
        prepare.segment,
        {
          scenario: plan.name,
          segment: prepare.segment,
          settled: () => this.checkIdle(),
          sourceFor: sourcesFor(scenario, plan.exec, prepare.scenario.name),
          makeClient: (takeDue, group) =>
            createHttpClient({
              baseUrl,
              connections: this.connections.forVu(),
              recorder: this.recorder,
              takeDue,
              group,
              jar: new CookieJar(),
              debug,
              maxBodyBytes: prepare.config.maxBodyBytes,
            }),
          recorder: this.recorder,
          env: plan.env ? { ...env, ...plan.env } : env,
          tags: plan.tags,
          nextIterationInTest: this.iterationCounter(),
          setupData: () => this.setupData,
          files,
          wheel,
          host: baseUrl.href,
          abortRun: (reason) => this.send({ type: 'abort', runId: this.runId, reason: reason.slice(0, 1024) }),
          log: log.child({ scenario: plan.name }),
        },
        prepare.joining,
      ),
    }));
    this.finished = this.executors.map(() => false);
    this.executors.forEach(
      (e, i) =>
        void e.executor.completed.then(() => {
          this.finished[i] = true;
          this.checkIdle();
        }),
    );
  }

  get vus(): number {
    return this.executors.reduce((n, e) => n + e.executor.vus, 0);
  }

  get started(): boolean {
    return this.startLocal !== 0;
  }

  /** A client for setup() and teardown(): recorded like every request, never cut by a stop. */
  private hookClient() {
    return createHttpClient({ baseUrl: this.baseUrl, connections: this.connections.forVu(), recorder: this.recorder, debug: this.debug });
  }

  /** Runs the scenario's setup() (on one worker of the cluster); its result as JSON text, and what it printed. */
  async runSetup(output: string[]): Promise<string | undefined> {
    if (!this.scenario.setup) return undefined;
    const setup = this.scenario.setup;
    const result = await capturing(output, () =>
      setup({ http: this.hookClient(), host: this.baseUrl.href.replace(/\/$/, ''), env: this.env, files: this.files, data: undefined }),
    );
    if (result === undefined) return undefined;
    const text = JSON.stringify(result);
    if (text.length > MAX_SETUP_DATA) throw new Error(`setup() returned ${text.length} characters of JSON; at most ${MAX_SETUP_DATA}`);
    return text;
  }

  /** Runs teardown() after the run (on one worker); its requests go out in one more window. */
  async runTeardown(setupData: string | undefined, output: string[]): Promise<void> {
    if (!this.scenario.teardown) return;
    const teardown = this.scenario.teardown;
    try {
      await capturing(output, () =>
        teardown({
          http: this.hookClient(),
          host: this.baseUrl.href.replace(/\/$/, ''),
          env: this.env,
          files: this.files,
          data: setupData === undefined ? undefined : JSON.parse(setupData),
        }),
      );
    } finally {
      if (this.started) this.cut();
    }
  }

  /** Closes the connections; the run is over. */
  dispose(): void {
    this.health.close();
    void this.connections.close();
  }

  /** Starts at `startLocal` (a performance.now() instant, maybe in the future or, for a late joiner, the past). */
  start(startLocal: number, setupData?: string): void {
    // one frozen copy shared by every VU: read-only, never copied per VU
    this.setupData = setupData === undefined ? undefined : deepFreeze(JSON.parse(setupData));
    this.startLocal = startLocal;
    this.nextIndex = Math.max(0, Math.floor((performance.now() - startLocal) / WINDOW_MS));
    this.health.restart();
    for (const e of this.executors) e.executor.start(startLocal + e.startTimeMs);
    this.scheduleCut();
  }

  /**
   * k6's scenario.iterationInTest: the scenario's n-th iteration on this
   * worker gets the n-th unit its segment owns, which no other worker's
   * gets (while the segments stand: after a worker joins or leaves mid-run,
   * numbers may repeat).
   */
  private iterationCounter(): () => number {
    let n = 0;
    return () => nthOwnedUnit(++n, this.segment) - 1;
  }

  reassign(segment: Segment, moved: Record<string, number> = {}): void {
    this.segment = segment;
    for (const e of this.executors) e.executor.reassign(segment, moved[e.name]);
    this.checkIdle();
  }

  /** A scaled run: the ramping scenario's stages from now on (other executors follow their own plan). */
  restage(scenario: string, stages: Stage[]): void {
    const e = this.executors.find((x) => x.name === scenario);
    if (e?.executor.restage) e.executor.restage(stages);
    else this.log.warn({ scenario }, 'asked to scale a scenario that has no ramp here');
  }

  /** Idle: every executor finished, and none has iterations moved to it still to run. */
  checkIdle(): void {
    if (this.executors.every((e, i) => e.executor.idle ?? this.finished[i])) this.onIdle?.();
  }

  acknowledge(index: number): void {
    this.unacked.delete(index);
  }

  /** Windows not yet acknowledged, oldest first (resent after a reconnect). */
  pending(): WindowMessage[] {
    return [...this.unacked.values()].sort((a, b) => a.index - b.index);
  }

  /**
   * Stops every executor (in-flight iterations get `gracefulStopMs`), cuts
   * the last window, and resolves with its index (−1 when never started).
   */
  stop(gracefulStopMs: number): Promise<number> {
    this.stopping ??= (async () => {
      // a scenario's own gracefulStop bounds its grace: the run's stop may shorten it, never lengthen it
      await Promise.all(this.executors.map((e) => e.executor.stop(Math.min(gracefulStopMs, e.gracefulStopMs))));
      clearTimeout(this.windowTimer);
      const last = this.started ? this.cut() : -1;
      this.health.close();
      return last;
    })();
    return this.stopping;
  }

  private scheduleCut(): void {
    const due = this.startLocal + (this.nextIndex + 1) * WINDOW_MS;
    this.windowTimer = setTimeout(
      () => {
        this.cut();
        this.scheduleCut();
      },
      Math.max(0, due - performance.now()),
    );
  }

  private cut(): number {
    const index = this.nextIndex++;
    const msg: WindowMessage = {
      type: 'window',
      runId: this.runId,
      index,
      vus: this.vus,
      series: this.recorder.cut(),
      health: this.health.cut(this.wheel),
    };
    this.unacked.set(index, msg);
    this.send(msg);
    return index;
  }
}
