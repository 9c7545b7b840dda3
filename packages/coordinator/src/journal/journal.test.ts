import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSparse, type WindowMessage } from '@volley/shared';
import { Recorder, totalOnly } from '@volley/worker';
import { Aggregator } from '../aggregate/aggregator.js';
import { summarize, type RunInfo } from '../aggregate/summary.js';
import { healthOf } from '../aggregate/worker-health.js';
import { replayJournal } from './replay.js';
import { mergedWindows } from './windows.js';
import { JournalWriter } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-journal-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const RUN = {
  id: 'run-1',
  scenario: 's.ts',
  host: 'http://127.0.0.1:1',
  users: 30,
  spawnRate: 30,
  runTimeMs: 6000,
  startedAt: '2026-11-27T00:00:00.000Z',
};
const WORKERS = ['w0', 'w1', 'w2', 'w3', 'w4'];
/** The summary's workers, from what an aggregator merged of each. */
const workersOf = (live: Aggregator) =>
  WORKERS.map((id) => ({
    id,
    name: id,
    cores: 1,
    requests: live.requestsByWorker.get(id) ?? 0,
    health: healthOf(live.healthByWorker.get(id)),
  }));
const SECONDS = 6;

/** Each worker's windows, recorded by the worker's own Recorder and sent through JSON as the wire does. */
function windows(): { worker: string; msg: WindowMessage }[] {
  let x = 7;
  const rnd = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: { worker: string; msg: WindowMessage }[] = [];
  for (const [wi, worker] of WORKERS.entries()) {
    const rec = new Recorder();
    for (let index = 0; index < SECONDS; index++) {
      for (let i = 0; i < 200 + wi * 37; i++) {
        const us = Math.round(300 + 40_000 * rnd() ** 5);
        const name = ['health', 'verify', 'enroll'][i % 3]!;
        rec.request(i % 4 ? 'GET' : 'POST', name, totalOnly(us, 120), us < 30_000, us < 30_000 ? undefined : 'HTTP 503');
        rec.iteration(us + 5);
      }
      rec.metric('counter', 'orders', 3 + wi);
      rec.metric('gauge', 'queue_depth', index * 10 + wi);
      rec.metric('trend', 'think_ms', 1000 + index * 100 + wi);
      const msg: WindowMessage = {
        type: 'window',
        runId: RUN.id,
        index,
        vus: 6,
        ...(wi % 2 ? { health: { cpu: 0.1 * wi + index / 100, lagP99Ms: wi + index, lagMaxMs: 2 * wi + index } } : {}),
        series: rec.cut(),
      };
      out.push({ worker, msg: JSON.parse(JSON.stringify(msg)) as WindowMessage });
    }
  }
  return out;
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('the run journal', () => {
  it('merges the windows of a turn into one record per second, and rebuilds exactly the summary of the live run', async () => {
    const all = windows();
    const path = join(dir, 'merged.jsonl');
    const journal = new JournalWriter(path);
    const live = new Aggregator();
    journal.append({ t: 'run', run: RUN });
    for (const id of WORKERS) journal.append({ t: 'worker', id, name: id, cores: 1 });
    // in the order a coordinator sees them: second by second, the workers' windows spread over turns
    for (let index = 0; index < SECONDS; index++) {
      const these = all.filter((w) => w.msg.index === index);
      for (const [i, { worker, msg }] of these.entries()) {
        expect(live.add(worker, msg, (accepted) => journal.addWindow(accepted))).toBe('added');
        if (i === 2) await turn();
      }
      // a window resent after a reconnect counts once, and is not journaled again
      expect(
        live.add(these[0]!.worker, these[0]!.msg, () => {
          throw new Error('journaled twice');
        }),
      ).toBe('duplicate');
      if (index === 3) journal.append({ t: 'event', atMs: 3500, kind: 'worker-lost', worker: 'w4', detail: 'test' });
      await turn();
    }
    journal.append({ t: 'end', durationMs: SECONDS * 1000, shortMs: 0 });
    journal.close();

    const text = readFileSync(path, 'utf8');
    const records = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; index?: number; parts?: unknown[] });
    const merged = records.filter((r) => r.t === 'windows');
    // two turns a second: one record holds three workers' windows, the next two
    expect(merged).toHaveLength(SECONDS * 2);
    expect(merged.map((r) => r.parts!.length)).toEqual(Array.from({ length: SECONDS }, () => [3, 2]).flat());
    expect(records.filter((r) => r.t === 'window')).toHaveLength(0);
    // the event written between the windows of second 3 and those of second 4
    const eventAt = records.findIndex((r) => r.t === 'event');
    expect(records[eventAt - 1]).toMatchObject({ t: 'windows', index: 3 });
    expect(records[eventAt + 1]).toMatchObject({ t: 'windows', index: 4 });

    const info: RunInfo = {
      ...RUN,
      durationMs: SECONDS * 1000,
      shortMs: 0,
      events: [{ atMs: 3500, kind: 'worker-lost', worker: 'w4', detail: 'test' }],
      workers: workersOf(live),
    };
    const rebuilt = replayJournal(text, path);
    expect(rebuilt.complete).toBe(true);
    expect(rebuilt.summary).toEqual(summarize(live, info));
    expect(rebuilt.summary.run.workers.find((w) => w.id === 'w1')?.health?.cpuMax).toBeGreaterThan(0);

    // the per-second outputs read the same records: each second's requests add up to the whole
    const seconds = [...mergedWindows(text, path)];
    expect(seconds.map((s) => s.index)).toEqual([0, 1, 2, 3, 4, 5]);
    let requests = 0;
    for (const s of seconds)
      for (const agg of s.series.values()) if (agg.kind === 'trend' && agg.metric === 'http_req_duration') requests += agg.count;
    expect(requests).toBe(rebuilt.summary.total.count);
  });

  it('a merged record holds exactly the sum of its windows, bucket by bucket', async () => {
    const all = windows().filter((w) => w.msg.index === 0);
    const path = join(dir, 'sum.jsonl');
    const journal = new JournalWriter(path);
    const agg = new Aggregator();
    for (const { worker, msg } of all) agg.add(worker, msg, (accepted) => journal.addWindow(accepted));
    journal.close();
    const [rec] = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rec).toMatchObject({ t: 'windows', index: 0, parts: WORKERS.map((w) => ({ w, vus: 6 })) });
    for (const s of rec.series) {
      const mine = all.flatMap((w) =>
        w.msg.series.filter((x) => x.metric === s.metric && JSON.stringify(x.tags) === JSON.stringify(s.tags)),
      );
      if (s.kind !== 'trend') continue;
      expect(s.count).toBe(mine.reduce((a, x) => a + (x.kind === 'trend' ? x.count : 0), 0));
      const buckets = new Map<number, number>();
      for (const x of mine) {
        if (x.kind !== 'trend' || x.count === 0) continue;
        const h = decodeSparse(x.hist);
        for (const [j, i] of h.indexes.entries()) buckets.set(i, (buckets.get(i) ?? 0) + h.counts[j]!);
      }
      const got = decodeSparse(s.hist);
      expect(new Map(got.indexes.map((i, j) => [i, got.counts[j]!]))).toEqual(buckets);
    }
  });

  it('still reads a journal of each worker’s own windows (before 2026-11-27)', () => {
    const all = windows();
    const lines = [JSON.stringify({ t: 'run', run: RUN }), ...WORKERS.map((id) => JSON.stringify({ t: 'worker', id, name: id, cores: 1 }))];
    const live = new Aggregator();
    for (const { worker, msg } of all) {
      live.add(worker, msg);
      lines.push(JSON.stringify({ t: 'window', w: worker, m: msg }));
    }
    lines.push(JSON.stringify({ t: 'window', w: all[0]!.worker, m: all[0]!.msg })); // a resend
    const rebuilt = replayJournal(`${lines.join('\n')}\n`, 'old.jsonl');
    expect(rebuilt.complete).toBe(false);
    const info: RunInfo = {
      ...RUN,
      durationMs: SECONDS * 1000,
      shortMs: 0,
      events: [],
      workers: workersOf(live),
    };
    expect(rebuilt.summary).toEqual(summarize(live, info));
  });

  it('names the line of a merged record that is not one', () => {
    const journal = (rec: object): string =>
      [JSON.stringify({ t: 'run', run: RUN }), JSON.stringify(rec), JSON.stringify({ t: 'end', durationMs: 1, shortMs: 0 })].join('\n');
    const part = { w: 'w0', vus: 1, requests: 1 };
    const trend = { kind: 'trend', metric: 'http_req_duration', tags: {}, count: 1, sum: 5, min: 5, max: 5 };
    expect(() => replayJournal(journal({ t: 'windows', index: 0, parts: [], series: [] }), 'bad.jsonl')).toThrow(
      /bad\.jsonl:2: not a journal record \(parts/,
    );
    expect(() => replayJournal(journal({ t: 'windows', index: 0, parts: [part, part], series: [] }), 'bad.jsonl')).toThrow(
      /bad\.jsonl:2: .*a worker named twice/,
    );
    expect(() =>
      replayJournal(journal({ t: 'windows', index: 0, parts: [part], series: [{ ...trend, hist: 'bm90IGEgaGlzdG9ncmFt' }] }), 'bad.jsonl'),
    ).toThrow(/bad\.jsonl:2: malformed histogram/);
  });
});
