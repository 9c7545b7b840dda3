import { addAgg, emptyAgg, percentile, type SeriesAgg } from '@volley/shared';
import { summarize, type RunSummary, type WorkerInfo } from '../aggregate/summary.js';
import { healthOf } from '../aggregate/worker-health.js';
import type { WorkerRegistry } from './registry.js';
import type { Run, RunState } from './run.js';

/** How the cluster and its runs look from outside: the control API's status, /metrics, the live summary. */

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
  workers: {
    id: string;
    name: string;
    connected: boolean;
    silentMs: number;
    inRun: boolean;
    cpu?: number;
    lagP99Ms?: number;
    wakeLateMs?: number;
  }[];
  run?: {
    id: string;
    state: RunState;
    vus: number;
    rps: number;
    requests: number;
    failures: number;
    elapsedMs: number;
    /** seconds */
    byName: { name: string; count: number; failures: number; p50: number; p95: number; p99: number }[];
    errors: { name: string; error: string; count: number }[];
  };
}

export interface ClusterStatus {
  workers: { id: string; name: string; cores: number; connected: boolean; runId?: string }[];
  run?: RunStatus;
}

export function clusterStatus(registry: WorkerRegistry, run: Run | undefined, now: number): ClusterStatus {
  return {
    workers: [...registry.values()].map((w) => ({ id: w.id, name: w.name, cores: w.cores, connected: !!w.conn, runId: w.runId })),
    run: run ? runStatus(run, now) : undefined,
  };
}

export function runStatus(run: Run, now: number): RunStatus {
  let requests = 0;
  let failures = 0;
  for (const s of run.aggregator.totals.values()) {
    if (s.metric === 'http_req_duration' && s.kind === 'trend') requests += s.count;
    if (s.metric === 'http_req_failed' && s.kind === 'rate') failures += s.passes;
  }
  const end = run.stoppedAt || now;
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
    id: run.id,
    state: run.state,
    scenario: run.request.scenario.name,
    elapsedMs,
    vus: last?.vus ?? 0,
    requests,
    failures,
    rps,
    p95Ms,
    workers: run.members.length,
    error: run.error,
    journal: run.journal?.path,
  };
}

/** What /metrics shows: workers' health, and the current run's live figures by request name. */
export function metricsSnapshot(registry: WorkerRegistry, run: Run | undefined, now: number): MetricsSnapshot {
  const snap: MetricsSnapshot = {
    workers: [...registry.values()].map((w) => {
      const h = run?.aggregator.healthByWorker.get(w.id)?.last;
      return {
        id: w.id,
        name: w.name,
        connected: !!w.conn,
        silentMs: now - w.lastHeard,
        inRun: !!run && w.runId === run.id && w.phase !== 'done',
        cpu: h?.cpu,
        lagP99Ms: h?.lagP99Ms,
        wakeLateMs: h?.wakeLateMs,
      };
    }),
  };
  if (!run) return snap;
  const status = runStatus(run, now);
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
    id: run.id,
    state: run.state,
    vus: status.vus,
    rps: status.rps,
    requests: status.requests,
    failures: status.failures,
    elapsedMs: status.elapsedMs,
    byName: [...byName].map(([name, e]) => {
      const h = e.hist?.kind === 'trend' ? e.hist.hist : undefined;
      const q = (p: number): number => (h?.totalCount ? percentile(h, p) / 1e6 : 0);
      return { name, count: e.count, failures: e.failures, p50: q(50), p95: q(95), p99: q(99) };
    }),
    errors,
  };
  return snap;
}

/** The run's summary from what was merged: `durationMs` so far for a live view, the run's own at its end (with what setup and teardown printed). */
export function runSummary(registry: WorkerRegistry, run: Run, durationMs: number, final: boolean): RunSummary {
  const req = run.request;
  const workers: WorkerInfo[] = registry.all(run.participants).map((w) => ({
    id: w.id,
    name: w.name,
    cores: w.cores,
    requests: run.aggregator.requestsByWorker.get(w.id) ?? 0,
    health: healthOf(run.aggregator.healthByWorker.get(w.id)),
  }));
  return summarize(
    run.aggregator,
    {
      id: run.id,
      scenario: req.scenario.name,
      host: req.host,
      users: req.users,
      spawnRate: req.scenarios ? 0 : req.spawnRate,
      runTimeMs: req.runTimeMs,
      startedAt: new Date(run.startAt).toISOString(),
      durationMs: Math.max(1, durationMs),
      workers,
      events: run.events,
      shortMs: run.shortMs,
      executors: run.config.plan.scenarios.map((sc) => sc.executor.type),
      trendStats: req.summaryTrendStats,
      ...(final ? { output: run.output } : {}),
    },
    run.thresholds,
  );
}
