import { VolleyError } from '@volley/shared';

// k6's summaryTrendStats: which statistics of a trend the summary shows.
// Kept apart from the summary so that the CLI checks them without loading it.

/** The trend statistics a summary shows unless asked for others: k6's, and p(99). */
export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'] as const;

const TREND_STAT = /^(avg|min|med|max|count|p\((\d{1,3}(?:\.\d+)?)\))$/;

/**
 * k6's --summary-trend-stats: a comma-separated list of avg, min, med, max,
 * count and p(N) for 0 ≤ N ≤ 100; bad input names the stat.
 */
export function parseTrendStats(text: string): string[] {
  const stats = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (stats.length === 0)
    throw new VolleyError('VOLLEY_BAD_OPTION', '--summary-trend-stats: name at least one of avg, min, med, max, count, p(N)');
  for (const stat of stats) {
    if (!isTrendStat(stat))
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `--summary-trend-stats: ${stat} is not one of avg, min, med, max, count, p(N) with N from 0 to 100`,
      );
  }
  return [...new Set(stats)];
}

/** Whether `stat` is one k6 takes (a p(N) above 100 is not). */
export function isTrendStat(stat: string): boolean {
  const m = TREND_STAT.exec(stat);
  return !!m && (m[2] === undefined || Number(m[2]) <= 100);
}
