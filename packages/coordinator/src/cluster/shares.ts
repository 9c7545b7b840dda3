import { iterationsOwed, shareOf, type ScenarioPlan, type Segment } from '@volley/shared';

/**
 * Who owes which iterations: pure functions over a run's plan and its
 * members' weights. A member's share of the users (or the rate) is its
 * segment; iteration scenarios also count what each member owes, so that a
 * lost member's unfinished iterations move to the others.
 */

/** Iterations a member owes at the start, per iteration scenario (none for the others). */
export function owedAtStart(plans: readonly ScenarioPlan[], seg: Segment): Map<string, number> {
  const owed = new Map<string, number>();
  for (const plan of plans) {
    const n = iterationsOwed(plan.executor, seg);
    if (n > 0) owed.set(plan.name, n);
  }
  return owed;
}

/**
 * A lost member's iterations not reported done, per scenario. Its windows
 * after the last one that arrived are not counted, so what it did in that
 * last moment runs again: every iteration at least, a few in-flight ones
 * more at most.
 */
export function unfinishedIterations(
  owed: ReadonlyMap<string, number> | undefined,
  done: ReadonlyMap<string, number> | undefined,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [scenario, n] of owed ?? []) {
    const left = n - (done?.get(scenario) ?? 0);
    if (left > 0) out.set(scenario, left);
  }
  return out;
}

/** One member's part of the moved iterations, by its segment (parts over all members add up to each total). */
export function movedShare(moved: ReadonlyMap<string, number>, seg: Segment): Map<string, number> {
  const mine = new Map<string, number>();
  for (const [scenario, n] of moved) {
    const part = shareOf(n, seg);
    if (part > 0) mine.set(scenario, part);
  }
  return mine;
}

/** Adds `more` to what a member owes. */
export function addOwed(owed: Map<string, number>, more: ReadonlyMap<string, number>): void {
  for (const [scenario, n] of more) owed.set(scenario, (owed.get(scenario) ?? 0) + n);
}
