import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import type { PrepareMessage, Segment, WindowMessage } from '@volley/shared';
import type { ScenarioDefinition } from '@volley/shared/scenario';
import { RUNTIME_KEY, type MetricsRuntime } from '@volley/shared/scenario';
import { Recorder } from './recorder.js';
import { createDispatcher, createHttpClient } from './http/client.js';
import { createExecutor, type Executor } from './executors/index.js';
import { sourcesFor } from './vu.js';

export const WINDOW_MS = 1000;

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
  private readonly recorder = new Recorder();
  private readonly dispatcher: Dispatcher;
  private readonly executors: { executor: Executor; startTimeMs: number; timer?: NodeJS.Timeout }[];
  private readonly unacked = new Map<number, WindowMessage>();
  private nextIndex = 0;
  private windowTimer?: NodeJS.Timeout;
  private startLocal = 0;
  private stopping?: Promise<number>;
  /** resolves when every executor has done its work on its own */
  readonly completed: Promise<void>;

  constructor(
    prepare: PrepareMessage,
    scenario: ScenarioDefinition,
    private readonly send: (msg: WindowMessage) => void,
    private readonly log: Logger,
    setupData?: unknown,
  ) {
    this.runId = prepare.config.runId;
    this.dispatcher = createDispatcher();
    installMetricsRuntime(this.recorder);
    const baseUrl = new URL(prepare.config.host);
    const env = { ...process.env, ...prepare.config.env };
    this.executors = prepare.config.plan.scenarios.map((plan) => ({
      startTimeMs: plan.startTimeMs,
      executor: createExecutor(plan, prepare.segment, {
        segment: prepare.segment,
        sourceFor: sourcesFor(scenario, plan.exec, prepare.scenario.name),
        makeClient: (signal, takeDue) => createHttpClient({ baseUrl, dispatcher: this.dispatcher, recorder: this.recorder, signal, takeDue }),
        recorder: this.recorder,
        env,
        setupData,
        log: log.child({ scenario: plan.name }),
      }),
    }));
    this.completed = Promise.all(this.executors.map((e) => e.executor.completed)).then(() => undefined);
  }

  get vus(): number {
    return this.executors.reduce((n, e) => n + e.executor.vus, 0);
  }

  get started(): boolean {
    return this.startLocal !== 0;
  }

  /** Starts at `startLocal` (a performance.now() instant, maybe in the future or, for a late joiner, the past). */
  start(startLocal: number): void {
    this.startLocal = startLocal;
    this.nextIndex = Math.max(0, Math.floor((performance.now() - startLocal) / WINDOW_MS));
    for (const e of this.executors) e.executor.start(startLocal + e.startTimeMs);
    this.scheduleCut();
  }

  reassign(segment: Segment): void {
    for (const e of this.executors) e.executor.reassign(segment);
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
      await Promise.all(this.executors.map((e) => e.executor.stop(gracefulStopMs)));
      clearTimeout(this.windowTimer);
      const last = this.started ? this.cut() : -1;
      await this.dispatcher.close().catch(() => undefined);
      return last;
    })();
    return this.stopping;
  }

  private scheduleCut(): void {
    const due = this.startLocal + (this.nextIndex + 1) * WINDOW_MS;
    this.windowTimer = setTimeout(() => {
      this.cut();
      this.scheduleCut();
    }, Math.max(0, due - performance.now()));
  }

  private cut(): number {
    const index = this.nextIndex++;
    const msg: WindowMessage = { type: 'window', runId: this.runId, index, vus: this.vus, series: this.recorder.cut() };
    this.unacked.set(index, msg);
    this.send(msg);
    return index;
  }
}
