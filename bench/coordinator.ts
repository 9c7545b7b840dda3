/**
 * What merging costs the coordinator: N simulated workers (bench/sim-workers.ts,
 * real WebSockets, real windows with `names` request names and the built-in
 * series, on core 1) feed a real `volley coordinator --run` (core 0, in a
 * cgroup). Reported per N: the coordinator's CPU as a fraction of one core
 * over the steady middle of the run, and its peak RSS. Root (cgroups).
 *
 *   npm run build && node --import tsx bench/coordinator.ts [--names 10] [--seconds 40] [--workers-list 10,100,1000]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { arg, CpuMeter, freePort, root, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const names = arg('names', 10);
const seconds = arg('seconds', 40);
const i = process.argv.indexOf('--workers-list');
const counts = (i > 0 ? process.argv[i + 1]! : '10,100,1000').split(',').map(Number);
const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

const rows: { workers: number; names: number; cpu: number; peakRssMb: number; windowsPerSecond: number }[] = [];
for (const n of counts) {
  const meter = new CpuMeter(`volley-bench-coord-${n}`);
  const port = await freePort();
  const [cmd, argv] = meter.wrap(
    'taskset',
    args`-c 0 ${process.execPath} ${volleyBin} coordinator --listen 127.0.0.1:${port} --run ${join(root, 'examples/did-api/locustfile.ts')} --host http://127.0.0.1:9 --users ${String(n * 10)} --spawn-rate ${String(n * 10)} --run-time ${seconds}s --expect-workers ${String(n)} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
  );
  const coord = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  await new Promise((r) => setTimeout(r, 1500));
  const sims = spawn(
    'taskset',
    args`-c 1 ${process.execPath} --import tsx ${join(root, 'bench/sim-workers.ts')} ws://127.0.0.1:${port}/ ${String(n)} ${String(names)}`,
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let peak = 0;
  const t0 = Date.now();
  const samples: { t: number; cpu: number }[] = [];
  const poll = setInterval(() => {
    try {
      peak = Math.max(peak, rssKb(coord.pid!));
      samples.push({ t: Date.now() - t0, cpu: meter.seconds() });
    } catch {
      // exited
    }
  }, 500);
  await once(coord, 'exit');
  clearInterval(poll);
  sims.kill();
  // the steady middle: from 12 s in until 8 s before the end
  const mid = samples.filter((s) => s.t >= 12_000 && s.t <= (seconds - 8) * 1000);
  const cpu = mid.length > 1 ? (mid.at(-1)!.cpu - mid[0]!.cpu) / ((mid.at(-1)!.t - mid[0]!.t) / 1000) : NaN;
  rows.push({ workers: n, names, cpu: Number(cpu.toFixed(3)), peakRssMb: Math.round(peak / 1024), windowsPerSecond: n });
  console.error(JSON.stringify(rows.at(-1)));
  meter.remove();
}
console.log(JSON.stringify({ names, seconds, rows }, null, 2));
