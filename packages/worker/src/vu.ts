import type {
  HttpClient,
  ScenarioDefinition,
  Task,
  UserContext,
  UserDefinition,
  IterationFunction,
  WaitTime,
} from '@volley/shared/scenario';
import { ownerOf } from '@volley/shared';
import type { Recorder } from './recorder.js';
import type { VuHttpClient } from './http/client.js';
import type { Sleeper, TimerWheel } from './timer-wheel.js';

/** What a VU runs: a Locust user class (weighted tasks, then a wait) or a k6 function. */
export interface IterationSource {
  readonly name: string;
  onStart?(ctx: UserContext<undefined>): Promise<unknown> | unknown;
  onStop?(ctx: UserContext<unknown>): Promise<void> | void;
  iterate(ctx: UserContext<unknown>): Promise<void> | void;
  /** think time after an iteration that took `tookMs` (ms), in the looping executors */
  waitMs(tookMs: number): number;
}

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

/** How long to wait after a task that took `tookMs`, by the user's wait time. */
export function waitFor(w: WaitTime | undefined, tookMs: number): number {
  if (!w) return 0;
  switch (w.kind) {
    case 'constant':
      return w.seconds * 1000;
    case 'between':
      return (w.min + Math.random() * (w.max - w.min)) * 1000;
    case 'pacing':
      return Math.max(0, w.seconds * 1000 - tookMs);
  }
}

function fromUser(user: UserDefinition<unknown>): IterationSource {
  const pick = taskPicker(user.tasks);
  const w = user.waitTime;
  return {
    name: user.name ?? 'user',
    onStart: user.onStart as IterationSource['onStart'],
    onStop: user.onStop as IterationSource['onStop'],
    iterate: (ctx) => pick().run(ctx),
    waitMs: (tookMs) => waitFor(w, tookMs),
  };
}

function fromFunction(name: string, fn: IterationFunction): IterationSource {
  return { name, iterate: (ctx) => fn(ctx as UserContext<undefined>), waitMs: () => 0 };
}

/**
 * Chooses the source for each VU of a scenario: its `exec` function, else
 * the Locust user classes by weight (the class of VU number n is the same
 * on every worker), else the default function.
 */
export function sourcesFor(def: ScenarioDefinition, exec: string | undefined, file: string): (vuNumber: number) => IterationSource {
  if (def.perVu) {
    const s = def.perVu(exec);
    const src: IterationSource = { name: s.name, onStart: s.onStart, iterate: s.iterate, waitMs: () => 0 };
    return () => src;
  }
  if (exec !== undefined) {
    const fn = def.exec?.[exec];
    if (typeof fn !== 'function') throw new Error(`${file}: exec "${exec}" is not an exported function`);
    const src = fromFunction(exec, fn);
    return () => src;
  }
  const sources = def.users.map((u) => fromUser(u as UserDefinition<unknown>));
  const weights = def.users.map((u) => u.weight ?? 1);
  return sources.length === 1 ? () => sources[0]! : (n) => sources[ownerOf(n, weights)]!;
}

export interface VuDeps {
  /** the k6 scenario this VU belongs to (tags its iterations) */
  scenario?: string;
  makeClient(takeDue: () => number | undefined, group: () => string | undefined): VuHttpClient;
  recorder: Recorder;
  env: Readonly<Record<string, string | undefined>>;
  /** setup()'s result, known once the run starts */
  setupData(): unknown;
  /** the run's data files, parsed once per worker */
  files: Readonly<Record<string, unknown>>;
  /** where every VU of the worker sleeps */
  wheel: TimerWheel;
  /** the run's base URL (k6 scripts tell a relative URL without one) */
  host?: string;
  /** k6's test.abort(): asks the coordinator to stop the whole run */
  abortRun?: (reason: string) => void;
  /** k6's scenario tags, for its requests and checks */
  tags?: Readonly<Record<string, string>>;
  /** k6's scenario.iterationInTest for an iteration that starts now (unique across the cluster) */
  nextIterationInTest?: () => number;
}

const ZERO_WAITS_PER_YIELD = 16;

/** One virtual user: its own HTTP client and state, iterations one at a time. */
export class Vu implements Sleeper {
  stopping = false;
  wakeAt = 0;
  private readonly http: VuHttpClient;
  /** what a pause goes on with: the loop's next step, or a sleep's resolve */
  private resume?: () => void;
  private immediate?: NodeJS.Immediate;
  /** when the current iteration was due (arrival-rate executors), for its first request */
  private due?: number;
  private readonly ctx: {
    http: HttpClient;
    state: unknown;
    vu: number;
    env: VuDeps['env'];
    data: unknown;
    files: VuDeps['files'];
    scenario?: string;
    host?: string;
    abortRun?: (reason: string) => void;
    tags?: Readonly<Record<string, string>>;
    nextIterationInTest?: () => number;
    sleep(s: number): Promise<void>;
    group<T>(name: string, fn: () => Promise<T> | T): Promise<T>;
  };
  /** the group path the VU is in (k6's ::a::b) */
  private groupPath?: string;
  private started = false;
  /** zero waits since the last yield to the event loop */
  private zeroWaits = 0;

  constructor(
    readonly number: number,
    readonly source: IterationSource,
    private readonly deps: VuDeps,
  ) {
    this.http = deps.makeClient(
      () => {
        const d = this.due;
        this.due = undefined;
        return d;
      },
      () => this.groupPath,
    );
    this.ctx = {
      http: this.http,
      state: undefined,
      vu: number,
      env: deps.env,
      data: deps.setupData(),
      files: deps.files,
      scenario: deps.scenario,
      host: deps.host,
      abortRun: deps.abortRun,
      tags: deps.tags,
      nextIterationInTest: deps.nextIterationInTest,
      sleep: (s) => this.sleep(s * 1000),
      group: async (name, fn) => {
        const outer = this.groupPath;
        const path = (this.groupPath = `${outer ?? ''}::${name}`);
        const began = performance.now();
        try {
          return await fn();
        } finally {
          this.groupPath = outer;
          deps.recorder.metric('trend', 'group_duration', performance.now() - began, { group: path.slice(0, 500) });
        }
      },
    };
  }

  /** onStart, once; false when it failed (the VU then stays idle). */
  async init(): Promise<boolean> {
    if (this.started) return true;
    this.started = true;
    if (!this.source.onStart) return true;
    try {
      this.ctx.state = await this.source.onStart(this.ctx as UserContext<undefined>);
      return true;
    } catch (err) {
      this.taskError('onStart', err);
      return false;
    }
  }

  /** One iteration; `dueAt` (performance.now() time) when it was scheduled for a moment already passed. Resolves with how long it took, ms. */
  async iteration(dueAt?: number): Promise<number> {
    this.due = dueAt;
    const began = dueAt ?? performance.now();
    try {
      await this.source.iterate(this.ctx as UserContext<unknown>);
    } catch (err) {
      // k6's test.abort() ends the iteration; the run's stop says why, it is no task error
      if ((err as Error)?.name !== 'AbortTest') this.taskError(this.source.name, err);
    }
    this.due = undefined;
    const tookMs = performance.now() - began;
    this.deps.recorder.iteration(Math.max(1, Math.round(tookMs * 1000)), this.deps.scenario);
    return tookMs;
  }

  async finish(): Promise<void> {
    if (!this.started || !this.source.onStop) return;
    try {
      await this.source.onStop(this.ctx as UserContext<unknown>);
    } catch (err) {
      this.taskError('onStop', err);
    }
  }

  /**
   * Iterations with the source's think time between them until stopped,
   * then onStop (the looping executors). Callbacks rather than an async
   * loop, so that what lives through a think time is the VU alone: no
   * promise, closure or timer per sleep to be promoted and collected from
   * the old generation (100,000 users). A failed onStart leaves the user
   * idle until stopped.
   */
  loop(): Promise<void> {
    return new Promise((resolve, reject) => {
      const end = (): void => void this.finish().then(resolve, reject);
      const next = (): void => {
        if (this.stopping) return end();
        this.iteration().then(afterIteration, reject);
      };
      const afterIteration = (took: number): void => {
        if (this.stopping) return end();
        this.pause(this.source.waitMs(took), next);
      };
      this.init().then((ok) => {
        if (ok) next();
        else if (this.stopping) resolve();
        else this.resume = resolve;
      }, reject);
    });
  }

  stop(): void {
    this.stopping = true;
    this.deps.wheel.cancel(this);
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.wakeUp();
  }

  /** The hard stop: its requests in flight end now, as INTERRUPTED. */
  abortRequests(): void {
    this.http.abortAll();
  }

  /** The scenario's sleep: ends early when the VU is stopped. */
  sleep(ms: number): Promise<void> {
    // a second sleep at once (user code in parallel) gets its own timer, which a stop does not cut short
    if (this.resume) return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
    return new Promise((resolve) => this.pause(ms, resolve));
  }

  wakeUp(): void {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  /**
   * Goes on with `then` after `ms` on the wheel, or at once when stopped. A
   * zero wait goes on at once, yielding to the event loop only every
   * ZERO_WAITS_PER_YIELD-th time: an iteration that made a request has
   * already been through the loop, and a yield on every one put each
   * request one loop turn later (two, with undici's own turn before reusing
   * a connection, when connections were undici's), which left the loop idle
   * while the target waited (max-rate). The occasional yield keeps a user whose iterations never
   * wait on I/O from starving timers.
   */
  private pause(ms: number, then: () => void): void {
    if (this.stopping) return then();
    if (ms <= 0 && ++this.zeroWaits < ZERO_WAITS_PER_YIELD) return then();
    this.zeroWaits = 0;
    this.resume = then;
    if (ms > 0) this.deps.wheel.file(this, ms);
    else
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.wakeUp();
      });
  }

  private taskError(task: string, err: unknown): void {
    this.deps.recorder.count('task_errors', { user: this.source.name, task, error: String((err as Error)?.message ?? err).slice(0, 200) });
  }
}
