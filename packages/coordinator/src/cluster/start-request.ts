import { randomBytes } from 'node:crypto';
import { planDuration, usersToStages, VolleyError, type RunConfig, type ScenarioBundle, type ScenarioPlan } from '@volley/shared';
import type { ThresholdSpecs } from '../thresholds/evaluate.js';

/** What a run is asked to be: the control API's start body, checked. */
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
  /** k6's setupTimeout and teardownTimeout (default: the run's SETUP_TIMEOUT_MS) */
  setupTimeoutMs?: number;
  teardownTimeoutMs?: number;
  /** k6's summaryTrendStats */
  summaryTrendStats?: string[];
  /** k6's --http-debug */
  httpDebug?: 'headers' | 'full';
  /** --max-body-size */
  maxBodyBytes?: number;
}

/** The scenarios a start request runs: its k6 scenarios, or Locust's users, spawn rate and run time as one ramp. */
export function runPlan(req: Pick<StartRequest, 'scenarios' | 'users' | 'spawnRate' | 'runTimeMs' | 'gracefulStopMs'>): ScenarioPlan[] {
  return (
    req.scenarios ?? [
      {
        name: 'default',
        startTimeMs: 0,
        gracefulStopMs: req.gracefulStopMs,
        executor: {
          type: 'ramping-vus',
          startVUs: 0,
          stages: usersToStages(req.users, req.spawnRate, req.runTimeMs),
          gracefulRampDownMs: req.gracefulStopMs,
        },
      },
    ]
  );
}

/** A run's id: sortable by its start, random past it (ids do not repeat across coordinator restarts). */
export function newRunId(now: number): string {
  return `run-${new Date(now).toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`;
}

/** What every worker is sent to prepare the run (its thresholds' tagged phases are filled in by the caller). */
export function runConfigFor(runId: string, req: StartRequest): RunConfig {
  if (req.scenarios && req.runTimeMs !== planDuration(req.scenarios))
    throw new VolleyError('VOLLEY_BAD_OPTION', `runTimeMs ${req.runTimeMs} differs from the scenarios' ${planDuration(req.scenarios)} ms`);
  return {
    runId,
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
}
