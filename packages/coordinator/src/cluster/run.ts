import { planMaxVus, type RunConfig } from '@volley/shared';
import { Aggregator } from '../aggregate/aggregator.js';
import type { RunSummary } from '../aggregate/summary.js';
import type { JournalWriter } from '../journal/writer.js';
import type { ThresholdSet } from '../thresholds/evaluate.js';
import type { StartRequest } from './start-request.js';

export type RunState = 'preparing' | 'running' | 'stopping' | 'finished' | 'failed';

/** Something that happened to the cluster during a run, for the summary and reports. */
export interface RunEvent {
  /** ms since the start instant (negative while preparing) */
  atMs: number;
  kind: 'worker-lost' | 'worker-joined' | 'worker-failed' | 'rebalanced' | 'threshold-abort' | 'script-abort' | 'scaled' | 'journal-failed';
  worker?: string;
  detail: string;
}

/** windows past the run's end (and its graceful stops) still taken: clock offsets, a slow last window */
const WINDOW_SLACK = 30;

/** One run's state while it lasts: its members, merged data, events and phase. */
export class Run {
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

  constructor(
    readonly id: string,
    readonly request: StartRequest,
    readonly config: RunConfig,
    readonly thresholds: ThresholdSet[],
  ) {
    this.maxVus = planMaxVus(config.plan.scenarios);
    const grace = Math.max(
      request.gracefulStopMs,
      ...config.plan.scenarios.map((sc) => sc.gracefulStopMs + ('gracefulRampDownMs' in sc.executor ? sc.executor.gracefulRampDownMs : 0)),
    );
    this.maxIndex = Math.ceil((request.runTimeMs + grace) / 1000) + WINDOW_SLACK;
  }

  get active(): boolean {
    return this.state === 'preparing' || this.state === 'running' || this.state === 'stopping';
  }

  /** Ends the run's data-taking early: the lifecycle sees it at its next wait. */
  requestStop(reason: string): void {
    this.stopReason = reason;
    this.stopRequested = true;
  }
}
