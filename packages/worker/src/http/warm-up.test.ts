import { describe, expect, it } from 'vitest';
import { startWarmUp, warmUp, warmUpFor, warmUpSent } from './warm-up.js';

const handles = (): number => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

describe('warm-up', () => {
  it('runs real requests through the client on loopback, ends, and leaves no handle behind', async () => {
    const before = handles();
    const began = performance.now();
    await warmUp(300, 4);
    // it delays every worker's first run: it must end, not wait on a connection
    expect(performance.now() - began).toBeLessThan(4_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(handles()).toBeLessThanOrEqual(before);
  });

  it('ends early when capped, a few in flight past the cap at most, and a cap never raises its size', async () => {
    const w = startWarmUp(3000, 4);
    w.cap(200);
    w.cap(5000);
    await w.done;
    expect(w.sent()).toBeGreaterThanOrEqual(200);
    expect(w.sent()).toBeLessThan(200 + 4);
    const none = startWarmUp(3000, 4);
    none.cap(0);
    await none.done;
    expect(none.sent()).toBe(0);
  });

  it('tops up: a later run that needs more gets the rest, one that needs less waits for nothing', async () => {
    await warmUpFor(150);
    const first = warmUpSent();
    expect(first).toBeGreaterThanOrEqual(150);
    expect(first).toBeLessThan(150 + 8);
    await warmUpFor(100);
    expect(warmUpSent()).toBe(first);
    await warmUpFor(400);
    expect(warmUpSent()).toBeGreaterThanOrEqual(400);
    expect(warmUpSent()).toBeLessThan(400 + 8);
  });
});
