import { createHash } from 'node:crypto';
import type { RunSummary } from '../aggregate/summary.js';
import { DEFAULT_TREND_STATS } from '../aggregate/trend-stats.js';

/**
 * The summary in the shape of k6's end-of-test summary data (what
 * handleSummary() receives): metrics.<name>.type/.contains/.values, with
 * sub-metrics as `http_req_duration{name:verify_biometric}`. Volley's own
 * additions live under `volley`, so readers of k6 summaries are unaffected.
 */
export function renderK6Json(s: RunSummary): string {
  // k6 puts each threshold's verdict under its metric: metrics.<key>.thresholds["p(95)<150"].ok
  const metrics: Record<string, unknown> = { ...s.metrics };
  for (const t of s.thresholds) {
    const m = (metrics[t.metric] ?? { type: 'unknown', values: {} }) as { thresholds?: Record<string, { ok: boolean }> };
    metrics[t.metric] = { ...m, thresholds: { ...m.thresholds, [t.threshold]: { ok: t.ok } } };
  }
  const doc = {
    // k6 lists the checks here; handleSummary scripts and jslib's textSummary read them from here
    root_group: {
      name: '',
      path: '',
      id: 'd41d8cd98f00b204e9800998ecf8427e',
      groups: [],
      checks: s.checks.map((c) => ({
        name: c.name,
        path: `::${c.name}`,
        id: createHash('md5').update(`::${c.name}`).digest('hex'),
        passes: c.passes,
        fails: c.fails,
      })),
    },
    options: { summaryTrendStats: s.run.trendStats ?? [...DEFAULT_TREND_STATS, 'count'], summaryTimeUnit: '' },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: s.run.durationMs },
    metrics,
    volley: {
      warnings: s.warnings,
      notes: s.notes,
      thresholds: s.thresholds,
      checks: s.checks,
      run: s.run,
      requests: s.requests,
      total: s.total,
      failures: s.failures,
      timeline: s.timeline,
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
