/**
 * Start-up: how soon a local run sends its first request after the
 * command, and what the whole command costs in CPU, for a run short enough
 * that start-up is most of it: `volley run --url URL --rate 100 --users 2
 * --run-time 1s --workers 1` (`--rate 5000`: at another rate). Beside it in
 * the same invocation: hey and autocannon sending one second's requests at that rate, and, with `--other DIR`,
 * another checkout's build of Volley (the change's peer). The target is a
 * Node HTTP server in this process that notes its first request's time.
 *
 *   npm run build && node --import tsx bench/startup.ts [--rounds 10] [--rate 100] [--other ../before] [--node PATH] [--cpus 0,1]
 *
 * `--cpus 0,1`: the cores the tools may use (default one, core 0).
 * `--node`: the Node that runs Volley (e.g. `$(scripts/node-line.sh 26)`).
 * Each build's first run of a command makes the bin's code cache
 * (cli/code-cache.ts), which the rounds after it use: the first round is
 * the slow one.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { args } from '../test/cli-args.js';
import { arg, autocannonBin, CpuMeter, ensureDebian, median, volleyBin } from './lib.js';

const rounds = arg('rounds', 10);
const rate = String(arg('rate', 100));
const perConnection = String(Number(rate) / 2);
const i = process.argv.indexOf('--other');
const otherBin = i > 0 ? resolve(process.argv[i + 1]!, 'packages/coordinator/dist/volley.js') : undefined;
if (otherBin && !existsSync(otherBin)) throw new Error(`${otherBin}: build that checkout first`);
const n = process.argv.indexOf('--node');
const node = n > 0 ? process.argv[n + 1]! : process.execPath;
// the cores the tools may use: one by default, so that CPU, not parallelism, decides; `--cpus 0,1` as on a laptop
const c = process.argv.indexOf('--cpus');
const cpuList = c > 0 ? process.argv[c + 1]! : '0';
ensureDebian('/usr/bin/hey', 'hey');

let firstAt: number | undefined;
const server = createServer((_req, res) => {
  firstAt ??= performance.now();
  res.end('{"ok":true}');
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const journal = join(tmpdir(), 'volley-bench-journal');
const tools: Record<string, string[]> = {
  volley: args`${node} ${volleyBin} run --url ${url} --rate ${rate} --users 2 --run-time 1s --workers 1 --journal-dir ${journal}`,
  ...(otherBin
    ? { other: args`${node} ${otherBin} run --url ${url} --rate ${rate} --users 2 --run-time 1s --workers 1 --journal-dir ${journal}` }
    : {}),
  hey: args`hey -n ${rate} -c 2 -q ${perConnection} ${url}`,
  autocannon: args`${process.execPath} ${autocannonBin} -c 2 -a ${rate} -R ${rate} ${url}`,
};
const first: Record<string, number[]> = {};
const cpu: Record<string, number[]> = {};
const meter = new CpuMeter('volley-bench-startup');
try {
  for (let r = 1; r <= rounds; r++) {
    for (const [tool, argv] of Object.entries(tools)) {
      firstAt = undefined;
      const before = meter.seconds();
      const [cmd, wrapped] = meter.wrap('taskset', ['-c', cpuList, ...argv]);
      const began = performance.now();
      const child = spawn(cmd, wrapped, { stdio: 'ignore' });
      await once(child, 'exit');
      (first[tool] ??= []).push(firstAt === undefined ? Number.NaN : firstAt - began);
      (cpu[tool] ??= []).push(meter.seconds() - before);
    }
    console.error(
      `round ${r}: ${Object.keys(tools)
        .map((t) => `${t} ${first[t]!.at(-1)!.toFixed(0)} ms, ${cpu[t]!.at(-1)!.toFixed(2)} CPU-s`)
        .join('; ')}`,
    );
  }
} finally {
  meter.remove();
  server.close();
}
console.log(
  JSON.stringify(
    {
      rounds,
      rate: Number(rate),
      node: node === process.execPath ? process.version : node,
      cpus: cpuList,
      firstRequestMs: Object.fromEntries(Object.entries(first).map(([t, xs]) => [t, Math.round(median(xs))])),
      cpuSeconds: Object.fromEntries(Object.entries(cpu).map(([t, xs]) => [t, Number(median(xs).toFixed(3))])),
      runs: { first, cpu },
    },
    null,
    2,
  ),
);
