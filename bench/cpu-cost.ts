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
 *   npm run build && node --import tsx bench/cpu-cost.ts [--rate 5000] [--seconds 20] [--connections 64] [--rounds 3] [--node PATH]
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

    const a = meter.run(
      'taskset',
      args`-c 0 ${process.execPath} ${autocannonBin} -c ${String(connections)} --overallRate ${String(rate)} -d ${String(seconds)} -j ${nginx.url}/`,
    );
    const an = JSON.parse(a.stdout).requests.total as number;
    per100k.autocannon.push((a.cpuSeconds / an) * 100_000);
    sent.autocannon.push(an);
    // hey's -q is per connection
    const h = meter.run(
      'taskset',
      args`-c 0 hey -z ${seconds}s -c ${String(connections)} -q ${String(Math.round(rate / connections))} ${nginx.url}/`,
    );
    const hn = Number(/\[200\]\s+(\d+) responses/.exec(h.stdout)?.[1] ?? NaN);
    per100k.hey.push((h.cpuSeconds / hn) * 100_000);
    sent.hey.push(hn);
    const floors: string[] = [];
    for (const floor of ['sockets', 'undici'] as const) {
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
      floors.push(`${floor} alone ${u.cpuSeconds.toFixed(2)} for ${un}`);
    }
    console.error(
      `round ${r}: volley ${v.cpuSeconds.toFixed(2)} CPU-s for ${n} requests, autocannon ${a.cpuSeconds.toFixed(2)} for ${an}, hey ${h.cpuSeconds.toFixed(2)} for ${hn}, ${floors.join(', ')}`,
    );
  }
} finally {
  await nginx.stop();
  meter.remove();
}
const v = median(per100k.volley);
const a = median(per100k.autocannon);
const h = median(per100k.hey);
const f = median(per100k.sockets);
const u = median(per100k.undici);
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
        autocannon: Number(a.toFixed(2)),
        hey: Number(h.toFixed(2)),
        socketsAlone: Number(f.toFixed(2)),
        undiciAlone: Number(u.toFixed(2)),
      },
      ratio: {
        autocannon: Number((v / a).toFixed(2)),
        hey: Number((v / h).toFixed(2)),
        socketsAlone: Number((v / f).toFixed(2)),
        undiciAlone: Number((v / u).toFixed(2)),
      },
      per100k,
      sent,
    },
    null,
    2,
  ),
);
