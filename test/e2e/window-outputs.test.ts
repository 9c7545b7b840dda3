import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistogramLogReader } from 'hdr-histogram-js';
import { startDidServer, type DidServer } from 'volley/did-server';
import { volley } from '../helpers.js';
import { args } from '../cli-args.js';

describe('--out json and --hdr-log, from the run journal', () => {
  let server: DidServer;
  let dir: string;
  let summary: any;
  let journal: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-out-'));
    const res = await volley(
      args`run test/fixtures/fast-did.ts --workers 2 --users 10 --spawn-rate 100 --run-time 3s --host ${server.url} --json ${join(dir, 's.json')} --out json=${join(dir, 'windows.ndjson')} --hdr-log ${join(dir, 'latency')} --journal-dir ${join(dir, 'j')} --csv ${join(dir, 'locust')} --csv-full-history`,
    );
    expect(res.code, res.stderr).toBe(0);
    journal = /journal: (\S+)/.exec(res.stdout)![1]!;
    summary = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')).volley;
  });
  afterAll(() => server.close());

  it('writes every second of every series, one JSON object a line, adding up to the summary', async () => {
    const lines = (await readFile(join(dir, 'windows.ndjson'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ type: 'Metric', data: { name: expect.any(String), type: expect.any(String) } });
    const durations = lines.filter((l) => l.type === 'Window' && l.metric === 'http_req_duration');
    expect(durations.reduce((n, l) => n + l.data.count, 0)).toBe(summary.total.count);
    expect(new Set(durations.map((l) => l.data.index)).size).toBeGreaterThanOrEqual(3);
    expect(durations[0].data).toMatchObject({
      time: expect.stringMatching(/Z$/),
      tags: { method: expect.any(String), name: expect.any(String) },
    });
  });

  it('writes an HdrHistogram log per request name that HdrHistogram’s reader reads back', async () => {
    const logs = (await readdir(dir)).filter((f) => f.endsWith('.hlog')).sort();
    expect(logs).toEqual(['latency_enroll_biometric.hlog', 'latency_health_check.hlog', 'latency_verify_biometric.hlog']);
    for (const r of summary.requests) {
      const reader = new HistogramLogReader(await readFile(join(dir, `latency_${r.name}.hlog`), 'utf8'));
      let total = 0;
      for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) total += h.totalCount;
      expect(total, r.name).toBe(r.count);
    }
  });

  it("--csv-full-history (Locust's): a row per request each second before the Aggregated row, adding up to it and to the stats; the journal rebuilds the same", async () => {
    const text = await readFile(join(dir, 'locust_stats_history.csv'), 'utf8');
    const rows = text
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const seconds = new Map<string, string[][]>();
    for (const r of rows) seconds.set(r[0]!, [...(seconds.get(r[0]!) ?? []), r]);
    expect(seconds.size).toBeGreaterThanOrEqual(3);
    for (const [second, group] of seconds) {
      const aggregated = group.at(-1)!;
      expect(aggregated[3], second).toBe('Aggregated');
      const names = group.slice(0, -1);
      // this second's requests, and the totals so far, add up to the Aggregated row's
      expect(
        names.reduce((n, r) => n + Number(r[4]), 0),
        second,
      ).toBe(Number(aggregated[4]));
      expect(
        names.reduce((n, r) => n + Number(r[17]), 0),
        second,
      ).toBe(Number(aggregated[17]));
    }
    const last = [...seconds.values()].at(-1)!;
    for (const r of summary.requests) expect(Number(last.find((x) => x[3] === r.name)![17]), r.name).toBe(r.count);
    const again = await volley(['report', journal, '--csv', join(dir, 'rebuilt'), '--csv-full-history']);
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(join(dir, 'rebuilt_stats_history.csv'), 'utf8')).toBe(text);
    const bad = await volley(args`run test/fixtures/fast-did.ts --workers 1 --run-time 1s --host ${server.url} --csv-full-history`);
    expect(bad.stderr).toMatch(/--csv-full-history goes with --csv PREFIX/);
    expect(bad.code).toBe(2);
  });

  it('refuses an --out it does not know, before the run', async () => {
    const res = await volley(args`run test/fixtures/fast-did.ts --workers 1 --run-time 1s --host ${server.url} --out influxdb=http://x`);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--out influxdb=http:\/\/x: write json=FILE/);
  });
});
