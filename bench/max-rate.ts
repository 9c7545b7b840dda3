/**
 * One worker's maximum request rate against nginx, beside autocannon's and
 * wrk's, in one invocation: same target, same connections, generator pinned
 * to core 0 and nginx to core 1, alternating runs, medians. Also two
 * floors, back to back with a response that only counts: Node's sockets
 * and HTTP parser alone (bench/fixtures/socket-floor.mjs), what Volley's
 * connections are built on, and undici alone (undici-floor.mjs), what they
 * were built on until 2026-11-27. And Volley on its public fallback
 * parser (http-parser-js, VOLLEY_HTTP_PARSER=js), which a Node without
 * node:_http_common would leave it with.
 *
 *   npm run build && node --import tsx bench/max-rate.ts [--connections 64] [--seconds 10] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, autocannonBin, ensureDebian, median, root, run, startNginx, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const connections = arg('connections', 64);
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);

ensureDebian('/usr/bin/wrk', 'wrk');
const nginx = await startNginx(1);
const results: { volley: number[]; volleyJs: number[]; autocannon: number[]; wrk: number[]; sockets: number[]; undici: number[] } = {
  volley: [],
  volleyJs: [],
  autocannon: [],
  wrk: [],
  sockets: [],
  undici: [],
};
try {
  for (let r = 1; r <= rounds; r++) {
    for (const parser of ['native', 'js'] as const) {
      const out = join(tmpdir(), `volley-bench-${process.pid}-${r}-${parser}.json`);
      run(
        'taskset',
        args`-c 0 ${process.execPath} ${volleyBin} run --url ${nginx.url}/ --workers 1 --users ${String(connections)} --run-time ${seconds}s --json ${out} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
        { VOLLEY_HTTP_PARSER: parser },
      );
      const s = JSON.parse(readFileSync(out, 'utf8'));
      results[parser === 'native' ? 'volley' : 'volleyJs'].push(s.metrics.http_reqs.values.rate);
    }

    const ac = JSON.parse(
      run('taskset', ['-c', '0', process.execPath, autocannonBin, '-c', String(connections), '-d', String(seconds), '-j', `${nginx.url}/`]),
    );
    results.autocannon.push(ac.requests.total / (ac.duration || seconds));
    const wrk = run('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, `${nginx.url}/`]);
    results.wrk.push(Number(/Requests\/sec:\s+([\d.]+)/.exec(wrk)![1]));
    for (const floor of ['sockets', 'undici'] as const) {
      const fixture = join(root, `bench/fixtures/${floor === 'sockets' ? 'socket' : 'undici'}-floor.mjs`);
      results[floor].push(
        JSON.parse(run('taskset', ['-c', '0', process.execPath, fixture, `${nginx.url}/`, '0', String(seconds), String(connections)]))
          .done / seconds,
      );
    }
    console.error(
      `round ${r}: volley ${results.volley[r - 1]!.toFixed(0)} req/s (on http-parser-js ${results.volleyJs[r - 1]!.toFixed(0)}), autocannon ${results.autocannon[r - 1]!.toFixed(0)}, wrk ${results.wrk[r - 1]!.toFixed(0)}, sockets alone ${results.sockets[r - 1]!.toFixed(0)}, undici alone ${results.undici[r - 1]!.toFixed(0)}`,
    );
  }
} finally {
  await nginx.stop();
}
const v = median(results.volley);
const vj = median(results.volleyJs);
const a = median(results.autocannon);
const w = median(results.wrk);
const f = median(results.sockets);
const u = median(results.undici);
console.log(
  JSON.stringify(
    {
      connections,
      seconds,
      rounds,
      rps: {
        volley: Math.round(v),
        volleyOnHttpParserJs: Math.round(vj),
        autocannon: Math.round(a),
        wrk: Math.round(w),
        socketsAlone: Math.round(f),
        undiciAlone: Math.round(u),
      },
      ratio: {
        httpParserJsToNative: Number((vj / v).toFixed(3)),
        httpParserJsToAutocannon: Number((vj / a).toFixed(3)),
        autocannon: Number((v / a).toFixed(3)),
        wrk: Number((v / w).toFixed(3)),
        socketsAlone: Number((v / f).toFixed(3)),
        undiciAlone: Number((v / u).toFixed(3)),
      },
      runs: results,
    },
    null,
    2,
  ),
);
