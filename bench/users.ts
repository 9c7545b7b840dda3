/**
 * Many users in one worker process, in the guide's shape (one request, then
 * 1–3 s of think time), against nginx on core 1 (worker and coordinator on
 * core 0). For each user count: the worker's peak RSS, its event-loop lag
 * (p99 per window: median and worst over the steady part) and its CPU
 * (fraction of a core, median over the steady part), how late its users
 * woke (worst second), from its own health reports and /proc; and the
 * request rate over the whole run (ramp included) and over the steady part
 * beside what the users ask for (users / 2 s, the mean think time). Up to 10,000 users each VU holds its own keep-alive
 * connection, as in k6 and Locust; above that the users share
 * `--connections` (default 2,000) per worker, since a process here may not
 * hold more than 20,000 descriptors (hard limit, no CAP_SYS_RESOURCE).
 *
 *   npm run build && node --import tsx bench/users.ts [--users-list 1000,100000] [--spawn-rate 5000] [--hold 30] [--connections 2000]
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, median, root, startNginx, volleyBin, workerPeakRssKb } from './lib.js';
import { args } from '../test/cli-args.js';

const i = process.argv.indexOf('--users-list');
const counts = (i > 0 ? process.argv[i + 1]! : '1000,100000').split(',').map(Number);
const spawnRate = arg('spawn-rate', 5000);
const hold = arg('hold', 30);
const shared = arg('connections', 2000);
const journalDir = join(tmpdir(), `volley-bench-users-${process.pid}`);

/** Requests finished in one window: the counts of its http_req_duration series. */
const requestsIn = (w: { series: { metric: string; count?: number }[] }): number =>
  w.series.filter((x) => x.metric === 'http_req_duration').reduce((a, x) => a + (x.count ?? 0), 0);

const nginx = await startNginx(1, { connections: 16_000 });
const rows: Record<string, unknown>[] = [];
try {
  for (const users of counts) {
    const rampS = Math.ceil(users / spawnRate);
    const runS = rampS + hold;
    const child = spawn(
      'taskset',
      args`-c 0 ${process.execPath} ${volleyBin} run ${join(root, 'bench/fixtures/think.ts')} --workers 1 --users ${String(users)} --spawn-rate ${String(spawnRate)} --run-time ${runS}s --host ${nginx.url} ${users > 10_000 ? ['--connections', String(shared)] : []} --journal-dir ${journalDir} --json ${join(tmpdir(), `volley-bench-users-${users}.json`)}`,
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const peak = await workerPeakRssKb(child);
    const newest = readdirSync(journalDir)
      .map((f) => join(journalDir, f))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]!;
    // one worker: each journal record of merged windows holds its one window of that second
    const windows = readFileSync(newest, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.t === 'windows')
      .map((l) => ({ index: l.index, vus: l.parts[0].vus, health: l.parts[0].health, series: l.series }));
    const steady = windows.filter((w) => w.index >= rampS + 2 && w.index < runS - 1 && w.health);
    const s = JSON.parse(readFileSync(join(tmpdir(), `volley-bench-users-${users}.json`), 'utf8'));
    rows.push({
      users,
      connections: users > 10_000 ? `${shared} shared` : 'one per user',
      peakVus: Math.max(...windows.map((w) => w.vus)),
      requestsPerSecond: Math.round(s.metrics.http_reqs.values.rate),
      steadyPerSecond: { median: median(steady.map(requestsIn)), asked: users / 2 },
      wakeLateMsWorst: Math.max(...steady.map((w) => w.health.wakeLateMs ?? 0)),
      worstLagSecond: steady.reduce((a, w) => (w.health.lagP99Ms > a.health.lagP99Ms ? w : a)).index,
      peakRssMb: Math.round(peak / 1024),
      lagP99Ms: { median: median(steady.map((w) => w.health.lagP99Ms)), worst: Math.max(...steady.map((w) => w.health.lagP99Ms)) },
      cpu: median(steady.map((w) => w.health.cpu)),
      failed: s.metrics.http_req_failed.values.passes,
    });
    console.error(JSON.stringify(rows.at(-1)));
  }
} finally {
  await nginx.stop();
}
console.log(JSON.stringify({ spawnRate, hold, rows }, null, 2));
