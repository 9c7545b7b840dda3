import { describe, expect, it } from 'vitest';
import { warmUp } from './warm-up.js';

describe('warm-up', () => {
  it('runs real requests through the client on loopback, ends, and leaves no handle behind', async () => {
    const handles = (): number => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const before = handles();
    const began = performance.now();
    await warmUp(300, 4);
    // it delays every worker's first run: it must end, not wait on a connection
    expect(performance.now() - began).toBeLessThan(4_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(handles()).toBeLessThanOrEqual(before);
  });
});
