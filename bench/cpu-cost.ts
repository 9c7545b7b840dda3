/**
 * What a request costs the generator at a fixed rate: CPU-seconds per
 * 100,000 requests at 5,000/s against nginx, Volley (coordinator and
 * worker together, measured by a cgroup) beside autocannon and hey at the
 * same rate and connections, in turn, medians. Generators on core 0, nginx
 * on core 1. Root (cgroups, nginx). bench/pacing.ts shows how evenly each
 * spreads the rate: the peers send in bursts. Also measured, paced the
 * same way with a response that only counts: Node's sockets and HTTP parser
 * alone (bench/fixtures/socket-floor.mjs), the floor under Volley's request
 * path, and undici alone (undici-floor.mjs), the floor it had until
 * 2026-11-27.
 *
 *   npm run build && node --import tsx bench/cpu-cost.ts [--rate 5000] [--seconds 20] [--connections 64] [--rounds 3] [--node PATH] [--peers hey]
 *
 * `--peers`: which of autocannon, hey, sockets and undici run beside Volley
 * (all by default); fewer make a round shorter, so more rounds fit. The
 * figures: medians of each tool's rounds, and the median of Volley's
 * per-round ratio to each peer, which a slow spell of the machine moves
 * less (both ran in it).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, autocannonBin, CpuMeter, ensureDebian, median, root, startNginx, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const rate = arg('rate', 5000);
const seconds = arg('seconds', 20);
const connections = arg('connections', 64);
const rounds = arg('rounds', 3);
// the Node that runs Volley (e.g. `$(scripts/node-line.sh 26)`): the machine's may not be a supported line
const n = process.argv.indexOf('--node');
const node = n > 0 ? process.argv[n + 1]! : process.execPath;
const PEERS = ['autocannon', 'hey', 'sockets', 'undici'] as const;
const p = process.argv.indexOf('--peers');
const peers = new Set(p > 0 ? process.argv[p + 1]!.split(',') : PEERS);
for (const x of peers)
  if (!(PEERS as readonly string[]).includes(x)) throw new Error(`--peers: unknown peer "${x}"; choose from ${PEERS.join(', ')}`);

ensureDebian('/usr/bin/hey', 'hey');
const nginx = await startNginx(1);
const meter = new CpuMeter('volley-bench-cpu');
const per100k = {
  volley: [] as number[],
  autocannon: [] as number[],
  hey: [] as number[],
  sockets: [] as number[],
  undici: [] as number[],
};
const sent = { volley: [] as number[], autocannon: [] as number[], hey: [] as number[], sockets: [] as number[], undici: [] as number[] };
try {
  for (let r = 1; r <= rounds; r++) {
    const out = join(tmpdir(), `volley-bench-cpu-${process.pid}-${r}.json`);
    const v = meter.run(
      'taskset',
      args`-c 0 ${node} ${volleyBin} run --url ${nginx.url}/ --rate ${String(rate)} --users ${String(connections)} --workers 1 --run-time ${seconds}s --json ${out} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
    );
    const n = JSON.parse(readFileSync(out, 'utf8')).metrics.http_reqs.values.count as number;
    per100k.volley.push((v.cpuSeconds / n) * 100_000);
    sent.volley.push(n);

    const line = [`volley ${v.cpuSeconds.toFixed(2)} CPU-s for ${n} requests`];
    if (peers.has('autocannon')) {
      const a = meter.run(
        'taskset',
        args`-c 0 ${process.execPath} ${autocannonBin} -c ${String(connections)} --overallRate ${String(rate)} -d ${String(seconds)} -j ${nginx.url}/`,
      );
      const an = JSON.parse(a.stdout).requests.total as number;
      per100k.autocannon.push((a.cpuSeconds / an) * 100_000);
      sent.autocannon.push(an);
      line.push(`autocannon ${a.cpuSeconds.toFixed(2)} for ${an}`);
    }
    if (peers.has('hey')) {
      // hey's -q is per connection
      const h = meter.run(
        'taskset',
        args`-c 0 hey -z ${seconds}s -c ${String(connections)} -q ${String(Math.round(rate / connections))} ${nginx.url}/`,
      );
      const hn = Number(/\[200\]\s+(\d+) responses/.exec(h.stdout)?.[1] ?? NaN);
      per100k.hey.push((h.cpuSeconds / hn) * 100_000);
      sent.hey.push(hn);
      line.push(`hey ${h.cpuSeconds.toFixed(2)} for ${hn}`);
    }
    for (const floor of ['sockets', 'undici'] as const) {
      if (!peers.has(floor)) continue;
      const fixture = join(root, `bench/fixtures/${floor === 'sockets' ? 'socket' : 'undici'}-floor.mjs`);
      const u = meter.run('taskset', [
        '-c',
        '0',
        process.execPath,
        fixture,
        `${nginx.url}/`,
        String(rate),
        String(seconds),
        String(connections),
      ]);
      const un = JSON.parse(u.stdout).done as number;
      per100k[floor].push((u.cpuSeconds / un) * 100_000);
      sent[floor].push(un);
      line.push(`${floor} alone ${u.cpuSeconds.toFixed(2)} for ${un}`);
    }
    console.error(`round ${r}: ${line.join(', ')}`);
  }
} finally {
  await nginx.stop();
  meter.remove();
}
const v = median(per100k.volley);
/** Volley's median over the peer's; nothing for a peer that did not run */
const against = (xs: number[]): number | undefined => (xs.length ? Number((v / median(xs)).toFixed(2)) : undefined);
const figure = (xs: number[]): number | undefined => (xs.length ? Number(median(xs).toFixed(2)) : undefined);
/** the median of Volley's ratio to the peer round by round */
const perRound = (xs: number[]): number | undefined =>
  xs.length ? Number(median(xs.map((x, i) => per100k.volley[i]! / x)).toFixed(3)) : undefined;
console.log(
  JSON.stringify(
    {
      rate,
      node: node === process.execPath ? process.version : node,
      seconds,
      connections,
      rounds,
      cpuSecondsPer100k: {
        volley: Number(v.toFixed(2)),
        autocannon: figure(per100k.autocannon),
        hey: figure(per100k.hey),
        socketsAlone: figure(per100k.sockets),
        undiciAlone: figure(per100k.undici),
      },
      ratio: {
        autocannon: against(per100k.autocannon),
        hey: against(per100k.hey),
        socketsAlone: against(per100k.sockets),
        undiciAlone: against(per100k.undici),
      },
      ratioPerRound: {
        autocannon: perRound(per100k.autocannon),
        hey: perRound(per100k.hey),
        socketsAlone: perRound(per100k.sockets),
        undiciAlone: perRound(per100k.undici),
      },
      per100k,
      sent,
    },
    null,
    2,
  ),
);
