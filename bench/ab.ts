/**
 * Two builds of Volley A/B, in one invocation: this checkout's CLI against
 * another's (`--other DIR`, a checkout whose `npm run build` is done), in
 * alternating rounds, against nginx on core 1 with the generator on core
 * 0. The peer is the other build, so the figure is what a change did:
 *
 * - max: one worker, 64 users back to back (max-rate's shape): requests/s;
 * - rate: one worker at a fixed 5,000/s (cpu-cost's shape): the whole
 *   command's CPU-seconds per 100,000 requests, start-up included.
 *
 *   npm run build && node --import tsx bench/ab.ts --other ../before [--rounds 8] [--seconds 8] [--rate 5000]
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { args } from '../test/cli-args.js';
import { arg, CpuMeter, median, startNginx, volleyBin } from './lib.js';

const rounds = arg('rounds', 8);
const seconds = arg('seconds', 8);
const rate = arg('rate', 5000);
const i = process.argv.indexOf('--other');
const otherDir = i > 0 ? process.argv[i + 1] : undefined;
const otherBin = otherDir && resolve(otherDir, 'packages/coordinator/dist/volley.js');
if (!otherBin || !existsSync(otherBin)) throw new Error('give --other DIR: a checkout with its CLI built (npm run build)');

const bins = { other: otherBin, this: volleyBin } as const;
type Build = keyof typeof bins;
const max: Record<Build, number[]> = { other: [], this: [] };
const cpu: Record<Build, number[]> = { other: [], this: [] };
const nginx = await startNginx(1, { connections: 16_000 });
const meter = new CpuMeter('volley-bench-ab');
try {
  for (let r = 1; r <= rounds; r++) {
    // each round starts with the other build half the time, so neither always runs first
    const order: Build[] = r % 2 ? ['other', 'this'] : ['this', 'other'];
    for (const build of order) {
      const out = join(tmpdir(), `volley-bench-ab-${process.pid}.json`);
      const common = args`--workers 1 --run-time ${seconds}s --json ${out} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`;
      meter.run('taskset', args`-c 0 ${process.execPath} ${bins[build]} run --url ${nginx.url}/ --users 64 ${common}`);
      max[build].push(JSON.parse(readFileSync(out, 'utf8')).metrics.http_reqs.values.rate);
      const v = meter.run(
        'taskset',
        args`-c 0 ${process.execPath} ${bins[build]} run --url ${nginx.url}/ --rate ${String(rate)} --users 64 ${common}`,
      );
      const count = JSON.parse(readFileSync(out, 'utf8')).metrics.http_reqs.values.count;
      cpu[build].push((v.cpuSeconds * 100_000) / count);
    }
    console.error(
      `round ${r}: max this ${max.this.at(-1)!.toFixed(0)} other ${max.other.at(-1)!.toFixed(0)} req/s; CPU-s per 100k at ${rate}/s this ${cpu.this.at(-1)!.toFixed(2)} other ${cpu.other.at(-1)!.toFixed(2)}`,
    );
  }
} finally {
  await nginx.stop();
  meter.remove();
}
const ratio = (xs: Record<Build, number[]>) => Number(median(xs.this.map((x, k) => x / xs.other[k]!)).toFixed(3));
console.log(
  JSON.stringify(
    {
      other: otherDir,
      rounds,
      seconds,
      rate,
      maxRps: { this: Math.round(median(max.this)), other: Math.round(median(max.other)), thisToOther: ratio(max) },
      cpuSecondsPer100k: {
        this: Number(median(cpu.this).toFixed(2)),
        other: Number(median(cpu.other).toFixed(2)),
        thisToOther: ratio(cpu),
      },
      runs: { max, cpu },
    },
    null,
    2,
  ),
);
