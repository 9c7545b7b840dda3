import { describe, expect, it } from 'vitest';
import { addHealth, healthOf, type WorkerHealth } from './worker-health.js';

const windows = (ws: { cpu: number; wallMs?: number }[]): WorkerHealth | undefined =>
  ws.reduce<WorkerHealth | undefined>((h, w) => addHealth(h, { lagP99Ms: 0, lagMaxMs: 0, ...w }, true), undefined);

describe('a worker’s load over a run', () => {
  it('averages CPU over the time its windows covered, not over their count', () => {
    // a light run: three quiet seconds, then the stop's 1 ms and teardown's 5 ms at most of a core
    const light = healthOf(
      windows([
        { cpu: 0.026, wallMs: 1022 },
        { cpu: 0.016, wallMs: 995 },
        { cpu: 0.015, wallMs: 1001 },
        { cpu: 0.82, wallMs: 1 },
        { cpu: 1.415, wallMs: 5 },
      ]),
    )!;
    expect(light.cpuAvg).toBeCloseTo((26.572 + 15.92 + 15.015 + 0.82 + 7.075) / 3024, 6);
    expect(light.cpuAvg).toBeLessThan(0.03);
    // a window too short to judge is neither the busiest nor a busy second
    expect(light.cpuMax).toBe(0.026);
    expect(light.busySeconds).toBe(0);
  });

  it('a busy worker: its full seconds at 90 % or more are counted and the busiest is kept', () => {
    const busy = healthOf(
      windows([
        { cpu: 0.95, wallMs: 1000 },
        { cpu: 1.02, wallMs: 1000 },
        { cpu: 0.5, wallMs: 600 },
        { cpu: 0.99, wallMs: 400 },
      ]),
    )!;
    expect(busy.busySeconds).toBe(2);
    expect(busy.cpuMax).toBe(1.02);
    expect(busy.cpuAvg).toBeCloseTo((950 + 1020 + 300 + 396) / 3000, 6);
  });

  it('a window without its length (an older worker’s journal) counts as a whole second', () => {
    const old = healthOf(windows([{ cpu: 0.2 }, { cpu: 0.4 }]))!;
    expect(old.cpuAvg).toBeCloseTo(0.3, 6);
    expect(old.cpuMax).toBe(0.4);
  });

  it('keeps the newest judged window’s health as the live one, and nothing before the first', () => {
    expect(healthOf(undefined)).toBeUndefined();
    const first = addHealth(undefined, { cpu: 0.1, wallMs: 1000, lagP99Ms: 1, lagMaxMs: 2 }, false);
    const late = addHealth(first, { cpu: 0.3, wallMs: 1000, lagP99Ms: 7, lagMaxMs: 9, wakeLateMs: 4 }, false);
    expect(late.last.cpu).toBe(0.1);
    expect(late.lagP99MaxMs).toBe(7);
    expect(late.wakeLateMaxMs).toBe(4);
    const now = addHealth(late, { cpu: 0.2, wallMs: 1000, lagP99Ms: 0, lagMaxMs: 0 }, true);
    expect(now.last.cpu).toBe(0.2);
    // the stop's few ms do not replace it
    expect(addHealth(now, { cpu: 1.4, wallMs: 5, lagP99Ms: 0, lagMaxMs: 0 }, true).last.cpu).toBe(0.2);
  });
});
