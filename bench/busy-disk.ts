/**
 * A busy disk: what a local run reports of a fast target while another
 * process writes to the disk its journal is on. The journal syncs each
 * second, and a `--url` run's worker shares the coordinator's event loop,
 * so a sync that waited on the disk there held the worker's requests and
 * timed them late. `volley run --url URL --rate 1000 --users 50 --run-time
 * 8s --workers 1`, the journal in `--dir`, against a Node server in this
 * process that answers at once, while `dd` writes `--fill-mb` (default
 * 4,000) MB into the same directory, its file removed after each round;
 * with `--other DIR`, another checkout's build, rounds alternating.
 *
 *   npm run build && node --import tsx bench/busy-disk.ts [--rounds 3] [--fill-mb 4000] [--dir /var/tmp] [--other ../before]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { args } from '../test/cli-args.js';
import { arg, median, volleyBin } from './lib.js';

const rounds = arg('rounds', 3);
const fillMb = arg('fill-mb', 4000);
const d = process.argv.indexOf('--dir');
const base = mkdtempSync(join(d > 0 ? process.argv[d + 1]! : '/var/tmp', 'volley-bench-disk-'));
const i = process.argv.indexOf('--other');
const otherBin = i > 0 ? resolve(process.argv[i + 1]!, 'packages/coordinator/dist/volley.js') : undefined;
if (otherBin && !existsSync(otherBin)) throw new Error(`${otherBin}: build that checkout first`);
const fs = statfsSync(base);
if (fs.bavail * fs.bsize < 2 * fillMb * 2 ** 20) throw new Error(`${base}: less than twice --fill-mb ${fillMb} MB free`);

const server = createServer((_req, res) => res.end('ok'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const builds: Record<string, string> = { volley: volleyBin, ...(otherBin ? { other: otherBin } : {}) };
type Figures = { count: number; p50: number; p99: number; max: number; lagMaxMs?: number };
const results: Record<string, Figures[]> = {};
try {
  for (let r = 1; r <= rounds; r++) {
    for (const [name, bin] of Object.entries(builds)) {
      const fill = join(base, 'fill');
      const dd = spawn('dd', ['if=/dev/zero', `of=${fill}`, 'bs=1M', `count=${fillMb}`, 'conv=fdatasync', 'status=none'], {
        stdio: 'ignore',
      });
      await new Promise((ok) => setTimeout(ok, 500)); // the disk busy before the run starts
      const json = join(base, `${name}.json`);
      const argv = args`${bin} run --url ${url} --rate 1000 --users 50 --run-time 8s --workers 1 --journal-dir ${join(base, 'journal')} --json ${json}`;
      const child = spawn(process.execPath, argv, { stdio: 'ignore' });
      const [code] = await once(child, 'exit');
      if (dd.exitCode === null && dd.signalCode === null) {
        dd.kill();
        await once(dd, 'exit');
      }
      rmSync(fill, { force: true });
      if (code !== 0) throw new Error(`${name} exited with ${code}`);
      const s = JSON.parse(readFileSync(json, 'utf8')).volley;
      const t = s.total;
      const f: Figures = {
        count: t.count,
        p50: t.percentilesMs['50'],
        p99: t.percentilesMs['99'],
        max: t.maxMs,
        lagMaxMs: s.run.workers[0].health?.lagMaxMs,
      };
      (results[name] ??= []).push(f);
      console.error(
        `round ${r}: ${name} ${f.count} requests, p50 ${f.p50} ms, p99 ${f.p99} ms, max ${f.max} ms, longest stall ${f.lagMaxMs ?? '—'} ms`,
      );
    }
  }
} finally {
  server.close();
  rmSync(base, { recursive: true, force: true });
}
const med = (xs: Figures[], k: keyof Figures): number | undefined =>
  xs.every((x) => x[k] !== undefined) ? median(xs.map((x) => x[k]!)) : undefined;
console.log(
  JSON.stringify(
    {
      rounds,
      fillMb,
      medians: Object.fromEntries(
        Object.entries(results).map(([n, xs]) => [
          n,
          { count: med(xs, 'count'), p50: med(xs, 'p50'), p99: med(xs, 'p99'), max: med(xs, 'max'), lagMaxMs: med(xs, 'lagMaxMs') },
        ]),
      ),
      runs: results,
    },
    null,
    2,
  ),
);
