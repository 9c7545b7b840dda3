/**
 * The stall test: the DID sample server (core 1) stops answering for 1 s in
 * every 5 s; each generator (core 0) asks for 1,000 requests/s for 10 s.
 * A truthful open-model report: ≈ 10,000 sent on schedule, p50 ≈ 1 ms,
 * p90 ≈ 500 ms, p99 ≈ 950 ms (a fifth of the intended send times fall in a
 * stall and wait 0–1 s). Volley (`--url --rate`, with 50 users and with
 * 1,500: the users bound the connections, not the truth), Volley running
 * a k6 script's constant-arrival-rate with 50 VUs (k6's semantics: what is
 * due with no free VU is dropped, and the summary warns), autocannon
 * (`--overallRate`) and hey (`-q`, from Debian) in turn, medians.
 *
 *   npm run build && node --import tsx bench/stall.ts [--rate 1000] [--seconds 10] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, autocannonBin, ensureDebian, median, root, run, startDidTarget, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const rate = arg('rate', 1000);
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
ensureDebian('/usr/bin/hey', 'hey');

interface Result {
  sent: number;
  p50: number;
  p90: number;
  p99: number;
  dropped?: number;
  /** the summary's warnings (k6's semantics: dropped iterations) */
  warned?: number;
}
type Tool = 'volley50' | 'volley1500' | 'k6Script50' | 'autocannon' | 'hey';
const results: Record<Tool, Result[]> = { volley50: [], volley1500: [], k6Script50: [], autocannon: [], hey: [] };
const target = await startDidTarget(1, { stall: { everyMs: 5000, forMs: 1000 } });
const url = `${target.url}/health`;
try {
  for (let r = 1; r <= rounds; r++) {
    const volley = (tool: Tool, cliArgs: string[], env: Record<string, string> = {}): void => {
      const out = join(tmpdir(), `volley-bench-stall-${process.pid}-${r}-${tool}.json`);
      run(
        'taskset',
        args`-c 0 ${process.execPath} ${volleyBin} ${cliArgs} --workers 1 --json ${out} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
        env,
      );
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      const d = doc.metrics.http_req_duration.values;
      results[tool].push({
        sent: doc.metrics.http_reqs.values.count,
        p50: d.med,
        p90: d['p(90)'],
        p99: d['p(99)'],
        dropped: doc.metrics.dropped_iterations?.values.count ?? 0,
        warned: doc.volley.warnings.length,
      });
    };
    for (const users of [50, 1500] as const)
      volley(`volley${users}`, args`run --url ${url} --rate ${String(rate)} --users ${String(users)} --run-time ${seconds}s`);
    volley(
      'k6Script50',
      args`run ${join(root, 'bench/fixtures/stall-k6.js')} -e URL=${url} -e RATE=${String(rate)} -e DURATION=${seconds}s`,
    );

    const ac = JSON.parse(
      run('taskset', args`-c 0 ${process.execPath} ${autocannonBin} -c 100 --overallRate ${String(rate)} -d ${String(seconds)} -j ${url}`),
    );
    results.autocannon.push({ sent: ac.requests.sent ?? ac.requests.total, p50: ac.latency.p50, p90: ac.latency.p90, p99: ac.latency.p99 });

    const hey = run('taskset', ['-c', '0', 'hey', '-z', `${seconds}s`, '-c', '100', '-q', String(rate / 100), url]);
    const q = (p: number) => Number(new RegExp(`${p}% in ([\\d.]+) secs`).exec(hey)?.[1] ?? NaN) * 1000;
    const total = [...hey.matchAll(/\[\d+\]\s+(\d+) responses/g)].reduce((n, m) => n + Number(m[1]), 0);
    results.hey.push({ sent: total, p50: q(50), p90: q(90), p99: q(99) });
    console.error(`round ${r}:`, JSON.stringify(Object.fromEntries(Object.entries(results).map(([tool, xs]) => [tool, xs.at(-1)]))));
  }
} finally {
  await target.stop();
}
const med = (xs: Result[]) =>
  Object.fromEntries(
    (['sent', 'p50', 'p90', 'p99', 'dropped', 'warned'] as const)
      .filter((k) => xs[0]?.[k] !== undefined)
      .map((k) => [k, Number(median(xs.map((x) => x[k]!)).toFixed(1))]),
  );
console.log(
  JSON.stringify(
    {
      rate,
      seconds,
      rounds,
      correct: { sent: rate * seconds, p50: 1, p90: 500, p99: 950 },
      medians: Object.fromEntries(Object.entries(results).map(([tool, xs]) => [tool, med(xs)])),
      runs: results,
    },
    null,
    2,
  ),
);
