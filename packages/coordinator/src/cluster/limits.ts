import { formatDuration, planDuration, planMaxVus, VolleyError, type ScenarioPlan } from '@volley/shared';

/**
 * What one start request may ask of a coordinator's workers, whoever sends
 * it: a typo's extra zeros (or a hostile client) must not become ten
 * million users or a month of load. `volley coordinator --max-users
 * --max-rate --max-duration` set them.
 */
export interface RunLimits {
  maxUsers: number;
  /** arrival-rate iterations a second, the peak of every scenario's rate added */
  maxRatePerSecond: number;
  maxDurationMs: number;
}

export const DEFAULT_LIMITS: RunLimits = { maxUsers: 1_000_000, maxRatePerSecond: 1_000_000, maxDurationMs: 24 * 3_600_000 };

/** The highest arrival rate of a plan, per second, its scenarios added as if at their peaks together. */
export function peakRatePerSecond(plan: readonly ScenarioPlan[]): number {
  let sum = 0;
  for (const { executor: e } of plan) {
    if (e.type === 'constant-arrival-rate') sum += (e.rate * 1000) / e.timeUnitMs;
    else if (e.type === 'ramping-arrival-rate') sum += (Math.max(e.startRate, ...e.stages.map((s) => s.target)) * 1000) / e.timeUnitMs;
  }
  return sum;
}

/** Throws a VolleyError (bad option: a 400) naming the first limit the plan is over, and the option that sets it. */
export function checkLimits(plan: readonly ScenarioPlan[], asked: { users: number; runTimeMs: number }, limits: RunLimits): void {
  const over = (what: string, limit: string, option: string): never => {
    throw new VolleyError('VOLLEY_BAD_OPTION', `${what} is over this coordinator's limit of ${limit} (${option})`);
  };
  // what was asked, even where the ramp would not reach it in time
  const users = Math.max(asked.users, planMaxVus(plan));
  if (users > limits.maxUsers) over(`${users} users`, String(limits.maxUsers), '--max-users');
  const rate = peakRatePerSecond(plan);
  if (rate > limits.maxRatePerSecond) over(`an arrival rate of ${+rate.toFixed(3)}/s`, `${limits.maxRatePerSecond}/s`, '--max-rate');
  const duration = Math.max(asked.runTimeMs, planDuration(plan));
  if (duration > limits.maxDurationMs) over(`a run of ${formatDuration(duration)}`, formatDuration(limits.maxDurationMs), '--max-duration');
}
