import { describe, expect, it } from 'vitest';
import { progressBar, progressLine } from './progress.js';
import type { RunStatus } from '../cluster/cluster.js';

const status: RunStatus = {
  id: 'r',
  state: 'running',
  scenario: 's',
  elapsedMs: 15_000,
  vus: 200,
  requests: 1000,
  failures: 5,
  rps: 98,
  p95Ms: 3.14,
  workers: 2,
};

describe('progress', () => {
  it('says elapsed/total, users, RPS, p95, errors and workers on one line', () => {
    expect(progressLine(status, 30_000)).toBe(
      '[   15s / 30s] running · 200 users · 98 req/s · p95 3.1 ms · 1000 requests · 0.50% failed · 2 workers',
    );
  });
  it('draws a bar for a terminal', () => {
    expect(progressBar(status, 30_000, 10).startsWith('█████░░░░░ [')).toBe(true);
  });
});
