import { afterEach, describe, expect, it } from 'vitest';
import { SelfHealth } from './self-health.js';

const block = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until); // the event loop held, as a sync on a busy disk held it
};
const turns = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('a worker’s own lag', () => {
  let health: SelfHealth | undefined;
  afterEach(() => health?.close());

  it('sees a stall that begins at the run’s start', async () => {
    health = new SelfHealth();
    await turns(50);
    health.restart();
    block(200);
    await turns(30);
    const w = health.cut();
    expect(w.lagMaxMs).toBeGreaterThanOrEqual(170);
  });

  it('sees a stall that begins just after a window is cut, in the next window', async () => {
    health = new SelfHealth();
    await turns(50);
    health.cut();
    block(200);
    await turns(30);
    const after = health.cut();
    expect(after.lagMaxMs).toBeGreaterThanOrEqual(170);
    expect(after.wallMs).toBeGreaterThanOrEqual(225);
  });

  it('a stall in the middle of a window, where the monitor sees it', async () => {
    health = new SelfHealth();
    await turns(50);
    health.cut();
    await turns(50);
    block(200);
    await turns(30);
    const w = health.cut();
    expect(w.lagMaxMs).toBeGreaterThanOrEqual(185);
    expect(w.wallMs).toBeGreaterThanOrEqual(275);
  });
});
