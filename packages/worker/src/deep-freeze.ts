/** Freezes a value and everything it holds: what every VU of a worker shares read-only (setup's data, data files, SharedArray). */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
