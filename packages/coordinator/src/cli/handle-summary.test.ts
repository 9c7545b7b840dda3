import { describe, expect, it } from 'vitest';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize } from '../aggregate/summary.js';
import { renderK6Json } from '../report/k6-json.js';
import { runHandleSummary } from './handle-summary.js';

const k6 = (s: Parameters<typeof renderK6Json>[0]): Record<string, unknown> => JSON.parse(renderK6Json(s)) as Record<string, unknown>;

const summary = summarize(new Aggregator(), {
  id: 'r',
  scenario: 's.ts',
  host: 'http://127.0.0.1:1',
  users: 1,
  spawnRate: 1,
  runTimeMs: 1000,
  startedAt: '2026-11-27T00:00:00.000Z',
  durationMs: 1000,
  shortMs: 0,
  events: [],
  workers: [],
});

describe("k6's handleSummary()", () => {
  it('gets the summary in k6’s shape; stdout and stderr are text, every other key a file', async () => {
    let seen: Record<string, any> | undefined;
    const out = await runHandleSummary((data) => {
      seen = data;
      return { stdout: 'a', stderr: 'b', 'out/x.txt': 'c', 'y.bin': new Uint8Array([1]) };
    }, k6(summary));
    expect(seen).toMatchObject({ metrics: {}, state: { testRunDurationMs: 1000 } });
    expect(out.stdout).toBe('a');
    expect(out.stderr).toBe('b');
    expect(out.files.map(([p]) => p.split('/').slice(-2).join('/'))).toEqual(['out/x.txt', expect.stringMatching(/y\.bin$/)]);
  });

  it('names what is wrong with what it returned, or that it threw', async () => {
    await expect(runHandleSummary(() => 'text' as never, k6(summary))).rejects.toThrow(/must return an object/);
    await expect(runHandleSummary(() => ({ stdout: 5 }) as never, k6(summary))).rejects.toThrow(/returned number for "stdout"/);
    await expect(
      runHandleSummary(async () => {
        throw new Error('boom');
      }, k6(summary)),
    ).rejects.toThrow(/handleSummary\(\) threw: boom/);
  });
});
