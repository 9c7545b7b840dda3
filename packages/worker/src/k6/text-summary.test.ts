import { describe, expect, it } from 'vitest';
import { jUnit, textSummary } from './text-summary.js';

const data = {
  root_group: { checks: [{ name: 'is 200', passes: 9, fails: 1 }] },
  options: { summaryTrendStats: ['avg', 'p(95)'] },
  metrics: {
    http_req_duration: {
      type: 'trend' as const,
      contains: 'time',
      values: { avg: 0.5, 'p(95)': 1250 },
      thresholds: { 'p(95)<150': { ok: false } },
    },
    'http_req_duration{name:a}': { type: 'trend' as const, contains: 'time', values: { avg: 1, 'p(95)': 2 } },
    checks: { type: 'rate' as const, values: { rate: 0.9, passes: 9, fails: 1 } },
    data_received: { type: 'counter' as const, contains: 'data', values: { count: 12_345, rate: 1234.5 } },
    missing: { type: 'unknown' as never, values: {}, thresholds: { 'rate>0': { ok: false } } },
  },
};

describe("jslib's k6-summary, bundled", () => {
  it('renders checks, then the metrics in k6’s layout: units, ✓/✗ by threshold, sub-metrics only with a threshold', () => {
    const text = textSummary(data, { indent: ' ' });
    expect(text).toContain('   ✗ is 200\n    ↳  90% — ✓ 9 / ✗ 1\n');
    expect(text).toMatch(/ ✗ http_req_duration\.+: avg=500µs p\(95\)=1\.25s\n/);
    expect(text).toMatch(/ {3}checks\.+: 90\.00% ✓ 9 ✗ 1\n/);
    expect(text).toMatch(/ {3}data_received\.+: 12\.3 kB 1\.2 kB\/s\n/);
    expect(text).toMatch(/ ✗ missing\.+: no data\n/);
    expect(text).not.toContain('{name:a}');
    expect(textSummary(data, { enableColors: true })).toContain('\x1b[31m✗\x1b[0m');
  });

  it('writes thresholds as JUnit test cases', () => {
    const xml = jUnit(data);
    expect(xml).toContain('tests="2" failures="2"');
    expect(xml).toContain('<testcase name="http_req_duration - p(95)&#60;150"><failure message="failed" /></testcase>');
  });
});
