import { shareOf, type Segment } from './segments.js';
import type { Stage } from './stages.js';
import { VolleyError } from './errors.js';

/** A moment (ms after the start instant) when a worker's VU count becomes `vus`. */
export interface Step {
  readonly atMs: number;
  readonly vus: number;
}

/**
 * Locust's --users / --spawn-rate / --run-time as stages: ramp linearly to
 * `users` at `spawnRate` per second, hold, and end at `runTimeMs` (which
 * counts from the start, spawning included, as in Locust).
 */
export function usersToStages(users: number, spawnRate: number, runTimeMs: number): Stage[] {
  if (!Number.isInteger(users) || users < 0) throw new VolleyError('VOLLEY_BAD_OPTION', `--users must be a whole number ≥ 0, got ${users}`);
  if (!(spawnRate > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--spawn-rate must be above 0, got ${spawnRate}`);
  if (!(runTimeMs > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--run-time must be above 0, got ${runTimeMs} ms`);
  const rampMs = Math.round((users / spawnRate) * 1000);
  if (rampMs >= runTimeMs) {
    // the run ends during the ramp: stop the ramp where the run ends
    return [{ durationMs: runTimeMs, target: Math.floor((users * runTimeMs) / rampMs) }];
  }
  return [
    { durationMs: rampMs, target: users },
    { durationMs: runTimeMs - rampMs, target: users },
  ];
}

export function stagesDuration(stages: readonly Stage[]): number {
  return stages.reduce((t, s) => t + s.durationMs, 0);
}

/** The whole cluster's VU count at `t` ms after the start: the ramp, floored (k6's ramping-vus). */
export function vusAt(stages: readonly Stage[], t: number, startVus = 0): number {
  let from = startVus;
  let at = 0;
  for (const s of stages) {
    if (t < at + s.durationMs) return Math.floor(from + ((s.target - from) * (t - at)) / s.durationMs);
    at += s.durationMs;
    from = s.target;
  }
  return from;
}

/**
 * Every instant at which this segment's share of the ramp changes, in time
 * order. The share at any t is shareOf(vusAt(t)), so the shares of all
 * segments sum to the cluster total at every step.
 */
export function planSteps(stages: readonly Stage[], seg: Segment, startVus = 0): Step[] {
  const steps: Step[] = [];
  let current = 0;
  const emit = (atMs: number, total: number): void => {
    const share = shareOf(total, seg);
    if (share === current) return;
    current = share;
    const last = steps[steps.length - 1];
    if (last && last.atMs === atMs) steps[steps.length - 1] = { atMs, vus: share };
    else steps.push({ atMs, vus: share });
  };
  emit(0, startVus);
  let from = startVus;
  let at = 0;
  for (const s of stages) {
    const d = s.durationMs;
    if (d === 0 || s.target === from) {
      emit(at, s.target);
    } else if (s.target > from) {
      for (let v = from + 1; v <= s.target; v++) emit(at + Math.ceil((d * (v - from)) / (s.target - from)), v);
    } else {
      // floor(lerp) drops to v once lerp < v + 1, i.e. just after this instant
      for (let v = from - 1; v >= s.target; v--) emit(at + Math.floor((d * (from - (v + 1))) / (from - s.target)) + 1, v);
    }
    at += d;
    from = s.target;
  }
  return steps;
}

/** A ramping-vus plan holds at most this many stages (the protocol's limit). */
export const MAX_STAGES = 1000;

/**
 * Locust's "edit a running test" and `k6 scale`: the same stages up to
 * `atMs` (ms after the start), then a ramp from the VUs of that instant to
 * `users` at `spawnRate` a second, held to the end; the run's length does
 * not change. A stage that `atMs` falls inside is cut there at the VU count
 * of that instant (floored, as vusAt counts), so on a ramp the cut part
 * may run up to one VU behind the original.
 */
export function rescaleStages(stages: readonly Stage[], atMs: number, users: number, spawnRate: number, startVus = 0): Stage[] {
  if (!Number.isInteger(users) || users < 0) throw new VolleyError('VOLLEY_BAD_OPTION', `users must be a whole number ≥ 0, got ${users}`);
  if (!(spawnRate > 0 && Number.isFinite(spawnRate)))
    throw new VolleyError('VOLLEY_BAD_OPTION', `spawn rate must be above 0, got ${spawnRate}`);
  const total = stagesDuration(stages);
  const at = Math.max(0, Math.round(atMs));
  if (at >= total) throw new VolleyError('VOLLEY_RUN_STATE', 'the run is ending: nothing left to scale');
  const out: Stage[] = [];
  let t = 0;
  for (const s of stages) {
    if (t + s.durationMs > at) break;
    out.push(s);
    t += s.durationMs;
  }
  const now = vusAt(stages, at, startVus);
  if (at > t) out.push({ durationMs: at - t, target: now });
  const rest = total - at;
  const rampMs = Math.round((Math.abs(users - now) / spawnRate) * 1000);
  if (rampMs >= rest) {
    // the run ends during the ramp: stop it where the run ends
    out.push({ durationMs: rest, target: now + Math.trunc(((users - now) * rest) / rampMs) });
  } else {
    if (rampMs > 0) out.push({ durationMs: rampMs, target: users });
    out.push({ durationMs: rest - rampMs, target: users });
  }
  if (out.length > MAX_STAGES)
    throw new VolleyError(
      'VOLLEY_BAD_OPTION',
      `this run has been scaled too often: its plan would hold ${out.length} stages, at most ${MAX_STAGES}`,
    );
  return out;
}
