import { histogramLogWriter, percentile, type HistogramLogWriter, type SeriesAgg } from '@volley/shared';
import type { MergedWindow } from '../journal/windows.js';

const ms = (us: number): number => us / 1000;

/** A window's values for one series, as `--out json` writes them. */
function values(s: SeriesAgg): Record<string, number> {
  switch (s.kind) {
    case 'trend':
      return {
        count: s.count,
        sum: ms(s.sum),
        avg: s.count ? ms(s.sum / s.count) : 0,
        min: s.count ? ms(s.min) : 0,
        max: s.count ? ms(s.max) : 0,
        med: ms(percentile(s.hist, 50)),
        'p(90)': ms(percentile(s.hist, 90)),
        'p(95)': ms(percentile(s.hist, 95)),
        'p(99)': ms(percentile(s.hist, 99)),
      };
    case 'counter':
      return { value: s.value };
    case 'rate':
      return { passes: s.passes, fails: s.fails, rate: s.passes + s.fails ? s.passes / (s.passes + s.fails) : 0 };
    case 'gauge':
      return { value: s.value };
  }
}

/**
 * `--out json=FILE`: one JSON object a line, as k6's JSON output: a
 * `Metric` line the first time a metric appears, then one `Window` line per
 * second and series (k6 writes a `Point` per sample; Volley's unit is the
 * merged second, with its aggregates; times in ms).
 */
export function* windowLines(windows: Iterable<MergedWindow>): Generator<string> {
  const declared = new Set<string>();
  for (const w of windows) {
    const time = new Date(w.endMs).toISOString();
    for (const s of w.series.values()) {
      if (!declared.has(s.metric)) {
        declared.add(s.metric);
        yield JSON.stringify({
          type: 'Metric',
          metric: s.metric,
          data: { name: s.metric, type: s.kind, contains: s.kind === 'trend' ? 'time' : 'default' },
        });
      }
      yield JSON.stringify({ type: 'Window', metric: s.metric, data: { time, index: w.index, tags: s.tags, ...values(s) } });
    }
  }
}

/**
 * HdrHistogram interval logs, one per request name: each second's
 * response times (all methods of that name), readable by HdrHistogram's own
 * tools (HistogramLogProcessor). Values are microseconds; the max column in
 * milliseconds.
 */
export async function hdrLogs(windows: Iterable<MergedWindow>, startMs: number): Promise<Map<string, string>> {
  const Writer = await histogramLogWriter();
  const out = new Map<string, { text: string[]; writer: HistogramLogWriter }>();
  for (const w of windows) {
    const byName = new Map<string, SeriesAgg>();
    for (const s of w.series.values()) {
      if (s.kind !== 'trend' || s.metric !== 'http_req_duration' || s.count === 0) continue;
      const name = s.tags.name ?? '';
      const acc = byName.get(name);
      if (acc && acc.kind === 'trend') acc.hist.add(s.hist);
      else byName.set(name, s);
    }
    for (const [name, s] of byName) {
      let log = out.get(name);
      if (!log) {
        const text: string[] = [];
        const writer = new Writer((line: string) => text.push(line));
        writer.outputComment(`volley: http_req_duration{name:${name}}, microseconds`);
        writer.outputLogFormatVersion();
        writer.outputStartTime(startMs);
        writer.outputLegend();
        out.set(name, (log = { text, writer }));
      }
      if (s.kind !== 'trend') continue;
      s.hist.startTimeStampMsec = w.endMs - 1000;
      s.hist.endTimeStampMsec = w.endMs;
      log.writer.outputIntervalHistogram(s.hist, (w.endMs - 1000 - startMs) / 1000, (w.endMs - startMs) / 1000, 1000);
    }
  }
  return new Map([...out].map(([name, l]) => [name, l.text.join('')]));
}
