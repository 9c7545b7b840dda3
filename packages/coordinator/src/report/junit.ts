import type { RunSummary } from '../aggregate/summary.js';

const xml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/**
 * JUnit XML for CI systems: one test case per threshold (class = the metric,
 * name = the expression), failed ones with the observed value.
 */
export function renderJunit(s: RunSummary): string {
  const failures = s.thresholds.filter((t) => !t.ok).length;
  const seconds = (s.run.durationMs / 1000).toFixed(3);
  const cases = s.thresholds.map((t) => {
    const seen = t.observed === undefined ? (t.note ?? 'no data') : `${t.aggregation}=${t.observed}`;
    const head = `    <testcase classname="${xml(t.metric)}" name="${xml(t.threshold)}" time="0">`;
    return t.ok
      ? `${head}<system-out>${xml(seen)}</system-out></testcase>`
      : `${head}\n      <failure message="${xml(`${t.metric} ${t.threshold}: ${seen}`)}" type="threshold">${xml(seen)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="volley" tests="${s.thresholds.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="${xml(`${s.run.scenario} thresholds`)}" tests="${s.thresholds.length}" failures="${failures}" errors="0" time="${seconds}" timestamp="${xml(s.run.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
