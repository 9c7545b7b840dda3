import { describe, expect, it } from 'vitest';
import { isTrendStat, parseTrendStats } from './trend-stats.js';
import { scenarioTrendStats } from '../cli/scenario-options.js';
import type { ScenarioDefinition } from '@volley/shared/scenario';

describe("summary trend stats (k6's --summary-trend-stats)", () => {
  it("takes k6's names and any percentile, in the order given, once each", () => {
    expect(parseTrendStats('avg, med,p(95),p(99.9),count,p(95),p(0),p(100)')).toEqual([
      'avg',
      'med',
      'p(95)',
      'p(99.9)',
      'count',
      'p(0)',
      'p(100)',
    ]);
  });

  it('names what it does not take', () => {
    expect(() => parseTrendStats('avg,p95')).toThrow(
      /--summary-trend-stats: p95 is not one of avg, min, med, max, count, p\(N\) with N from 0 to 100/,
    );
    expect(() => parseTrendStats('p(100.5)')).toThrow(/p\(100\.5\) is not one of/);
    expect(() => parseTrendStats(' , ')).toThrow(/name at least one/);
    expect(isTrendStat('P(95)')).toBe(false);
  });

  it("reads a script's options.summaryTrendStats, naming the file when it is wrong", () => {
    const def = (stats: unknown): ScenarioDefinition => ({ volley: 1, users: [], options: { summaryTrendStats: stats as string[] } });
    expect(scenarioTrendStats(def(['avg', 'p(99.9)']), 'k6.ts')).toEqual(['avg', 'p(99.9)']);
    expect(scenarioTrendStats({}, 'k6.ts')).toBeUndefined();
    expect(() => scenarioTrendStats(def(['p(200)']), 'k6.ts')).toThrow(/^k6\.ts: options\.summaryTrendStats: p\(200\) is not one of/);
    expect(() => scenarioTrendStats(def('avg'), 'k6.ts')).toThrow(/k6\.ts: options\.summaryTrendStats must be a list of strings/);
  });
});
