import { ownerOf, ownsUnit, planSteps, type Plan, type Segment, type Step } from '@volley/shared';
import type { HttpClient, ScenarioDefinition, Task, UserContext, UserDefinition } from '@volley/shared/scenario';
import type { Logger } from 'pino';
import type { Recorder } from '../recorder.js';

/**
 * Runs Locust-style users along a ramp. The plan (when this worker's VU
 * count changes) is pure — planSteps() from the shared core — and this
 * runner only follows it: one timer for the next step, users started or
 * stopped to match it.
 */
export interface RunnerDeps {
  scenario: ScenarioDefinition;
  plan: Plan;
  segment: Segment;
  /** an HTTP client whose in-flight requests end when `signal` aborts */
  makeClient(signal: AbortSignal): HttpClient;
  recorder: Recorder;
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
}

interface Vu {
  readonly number: number;
  stopping: boolean;
  wake?: () => void;
  readonly abort: AbortController;
  done: Promise<void>;
}

/** Picks tasks by weight (Locust's @task(n)). */
function taskPicker<S>(tasks: readonly Task<S>[]): () => Task<S> {
  if (tasks.length === 1) return () => tasks[0]!;
  const cumulative: number[] = [];
  let sum = 0;
  for (const t of tasks) cumulative.push((sum += t.weight ?? 1));
  return () => {
    const r = Math.random() * sum;
    let i = 0;
    while (cumulative[i]! <= r) i++;
    return tasks[i]!;
  };
}

function waitMs(user: UserDefinition<unknown>): number {
  const w = user.waitTime;
  if (!w) return 0;
  return w.kind === 'constant' ? w.seconds * 1000 : (w.min + Math.random() * (w.max - w.min)) * 1000;
}

export class RampingUsersRunner {
  private readonly active: Vu[] = [];
  private readonly running = new Set<Promise<void>>();
  private steps: Step[] = [];
  private nextStep = 0;
  private timer?: NodeJS.Timeout;
  private startLocal = 0;
  private stopped = false;
  private segment: Segment;
  /** this worker's unit numbers in order, extended as needed */
  private owned: number[] = [];
  private scanned = 0;
  private readonly classWeights: number[];
  private readonly pickers: (() => Task<unknown>)[];

  constructor(private readonly deps: RunnerDeps) {
    this.segment = deps.segment;
    this.classWeights = deps.scenario.users.map((u) => u.weight ?? 1);
    this.pickers = deps.scenario.users.map((u) => taskPicker(u.tasks));
  }

  get vus(): number {
    return this.active.length;
  }

  /** Follows the plan from `startLocal` (performance.now() time of the start instant). */
  start(startLocal: number): void {
    this.startLocal = startLocal;
    this.follow();
  }

  /** A new share after a rebalance: re-plan and jump to where the ramp is now. */
  reassign(segment: Segment): void {
    this.segment = segment;
    this.owned = [];
    this.scanned = 0;
    if (this.stopped || this.startLocal === 0) return;
    this.follow();
  }

  /** Plans this segment's steps and applies the ones already due (a late start or a new share). */
  private follow(): void {
    clearTimeout(this.timer);
    this.steps = planSteps(this.deps.plan.stages, this.segment);
    const elapsed = performance.now() - this.startLocal;
    this.nextStep = 0;
    let target: number | undefined;
    while (this.nextStep < this.steps.length && this.steps[this.nextStep]!.atMs <= elapsed) target = this.steps[this.nextStep++]!.vus;
    if (target !== undefined || this.active.length > 0) this.setTarget(target ?? 0);
    this.schedule();
  }

  /**
   * Stops every user: no new task starts, sleeps end now, and in-flight
   * tasks may finish for `gracefulStopMs`; then their requests are aborted.
   */
  async stop(gracefulStopMs: number): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const vu of this.active) this.signalStop(vu);
    const all = Promise.all(this.running);
    let hard: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      hard = setTimeout(() => resolve('late'), gracefulStopMs);
    });
    if ((await Promise.race([all, deadline])) === 'late') {
      this.deps.log.warn({ inFlight: this.running.size }, 'graceful stop expired; aborting in-flight requests');
      for (const p of [...this.active]) p.abort.abort();
      // user code that waits on something other than HTTP cannot be cut; give it a second
      await Promise.race([all, new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    clearTimeout(hard);
  }

  private schedule(): void {
    if (this.stopped || this.nextStep >= this.steps.length) return;
    const step = this.steps[this.nextStep]!;
    const delay = Math.max(0, this.startLocal + step.atMs - performance.now());
    this.timer = setTimeout(() => {
      this.nextStep++;
      this.setTarget(step.vus);
      this.schedule();
    }, delay);
  }

  private setTarget(target: number): void {
    while (this.active.length < target) this.spawn(this.unitNumber(this.active.length));
    // ramping down, the newest users leave first
    while (this.active.length > target) this.signalStop(this.active.pop()!);
  }

  /** The cluster-wide number of this worker's i-th user (0-based i). */
  private unitNumber(i: number): number {
    while (this.owned.length <= i) {
      this.scanned++;
      if (ownsUnit(this.scanned, this.segment)) this.owned.push(this.scanned);
    }
    return this.owned[i]!;
  }

  private signalStop(vu: Vu): void {
    vu.stopping = true;
    vu.wake?.();
  }

  private spawn(number: number): void {
    const cls = ownerOf(number, this.classWeights);
    const vu: Vu = { number, stopping: false, abort: new AbortController(), done: Promise.resolve() };
    this.active.push(vu);
    const done = this.runUser(vu, this.deps.scenario.users[cls]!, this.pickers[cls]!).finally(() => {
      this.running.delete(done);
      const i = this.active.indexOf(vu);
      if (i >= 0) this.active.splice(i, 1);
    });
    vu.done = done;
    this.running.add(done);
  }

  private async runUser(vu: Vu, user: UserDefinition<unknown>, pick: () => Task<unknown>): Promise<void> {
    const { recorder, env, log } = this.deps;
    const ctx = { http: this.deps.makeClient(vu.abort.signal), state: undefined as unknown, vu: vu.number, env, sleep: (seconds: number) => this.sleep(vu, seconds * 1000) };
    const userName = user.name ?? 'user';
    try {
      if (user.onStart) ctx.state = await user.onStart(ctx as UserContext<undefined>);
    } catch (err) {
      recorder.count('task_errors', { user: userName, task: 'onStart', error: String((err as Error)?.message ?? err).slice(0, 200) });
      log.warn({ err, vu: vu.number }, 'onStart failed; this user stays idle');
      while (!vu.stopping) await this.sleep(vu, 60_000);
      return;
    }
    while (!vu.stopping) {
      const task = pick();
      const began = performance.now();
      try {
        await task.run(ctx as UserContext<unknown>);
      } catch (err) {
        recorder.count('task_errors', { user: userName, task: task.name ?? 'task', error: String((err as Error)?.message ?? err).slice(0, 200) });
      }
      recorder.iteration(Math.max(1, Math.round((performance.now() - began) * 1000)));
      if (vu.stopping) break;
      await this.sleep(vu, waitMs(user));
    }
    if (user.onStop) {
      try {
        await user.onStop(ctx as UserContext<unknown>);
      } catch (err) {
        recorder.count('task_errors', { user: userName, task: 'onStop', error: String((err as Error)?.message ?? err).slice(0, 200) });
      }
    }
  }

  /** Sleeps, or returns at once when the user is told to stop. A zero wait still yields to the event loop. */
  private sleep(vu: Vu, ms: number): Promise<void> {
    if (vu.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const t = ms > 0 ? setTimeout(done, ms) : setImmediate(done);
      function done(): void {
        vu.wake = undefined;
        if (ms > 0) clearTimeout(t as NodeJS.Timeout);
        else clearImmediate(t as NodeJS.Immediate);
        resolve();
      }
      vu.wake = done;
    });
  }
}
