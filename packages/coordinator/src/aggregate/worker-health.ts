import { WINDOW_MS, type WorkerHealthWire } from '@volley/shared';

/** A worker's load so far in a run, from the health its windows carried. */
export interface WorkerHealth {
  /** CPU used, in ms of one core, over wallMs of windows */
  cpuMs: number;
  wallMs: number;
  /** the busiest window long enough to judge (JUDGED_WINDOW_MS), as a share of one core */
  cpuMax: number;
  /** such windows in which it used BUSY_CPU of a core or more */
  busyWindows: number;
  lagP99MaxMs: number;
  /** the event loop's longest single pause: a second's p99 hides one long stall */
  lagMaxMs: number;
  /** the worst second's mean lateness of users waking from think time */
  wakeLateMaxMs: number;
  last: WorkerHealthWire;
}

/** What a summary says of a worker's load: CPU as a share of one core (average and busiest second), the worst lags. */
export interface HealthSummary {
  cpuAvg: number;
  cpuMax: number;
  busySeconds: number;
  lagP99MaxMs: number;
  lagMaxMs: number;
  wakeLateMaxMs: number;
}

/** Above this share of a core, a worker is the bottleneck (Locust warns at 90 %). */
export const BUSY_CPU = 0.9;

/**
 * A window shorter than this (the last of a run, cut as it stops, may be
 * 1 ms) says little of a worker's load: a few ms of closing work are a
 * whole core's share. It counts toward the average by its length, never
 * toward the busiest.
 */
export const JUDGED_WINDOW_MS = 500;

/**
 * `h` with one more window's health (`newest`: no later window of this
 * worker came before it, so it is the live figure if long enough to
 * judge). A window without its length, an older worker's, counts as a
 * whole one.
 */
export function addHealth(h: WorkerHealth | undefined, w: WorkerHealthWire, newest: boolean): WorkerHealth {
  const wallMs = w.wallMs ?? WINDOW_MS;
  const judged = wallMs >= JUDGED_WINDOW_MS;
  const p = h ?? { cpuMs: 0, wallMs: 0, cpuMax: 0, busyWindows: 0, lagP99MaxMs: 0, lagMaxMs: 0, wakeLateMaxMs: 0, last: w };
  return {
    cpuMs: p.cpuMs + w.cpu * wallMs,
    wallMs: p.wallMs + wallMs,
    cpuMax: judged ? Math.max(p.cpuMax, w.cpu) : p.cpuMax,
    busyWindows: p.busyWindows + (judged && w.cpu >= BUSY_CPU ? 1 : 0),
    lagP99MaxMs: Math.max(p.lagP99MaxMs, w.lagP99Ms),
    lagMaxMs: Math.max(p.lagMaxMs, w.lagMaxMs),
    wakeLateMaxMs: Math.max(p.wakeLateMaxMs, w.wakeLateMs ?? 0),
    // /metrics shows it: a stop's 1 ms window would read as a busy core
    last: newest && judged ? w : p.last,
  };
}

/** The run's figures of a worker's load; none before its first window. */
export function healthOf(h: WorkerHealth | undefined): HealthSummary | undefined {
  return h
    ? {
        cpuAvg: h.wallMs ? h.cpuMs / h.wallMs : 0,
        cpuMax: h.cpuMax,
        busySeconds: h.busyWindows,
        lagP99MaxMs: h.lagP99MaxMs,
        lagMaxMs: h.lagMaxMs,
        wakeLateMaxMs: h.wakeLateMaxMs,
      }
    : undefined;
}
