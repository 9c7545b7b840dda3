/**
 * The stall test: the DID sample server (core 1) stops answering for 1 s in
 * every 5 s; each generator (core 0) asks for 1,000 requests/s for 10 s.
 * A truthful open-model report: ≈ 10,000 sent on schedule, p50 ≈ 1 ms,
 * p90 ≈ 500 ms, p99 ≈ 950 ms (a fifth of the intended send times fall in a
 * stall and wait 0–1 s). Volley (`--url --rate`), autocannon
 * (`--overallRate`) and hey (`-q`, from Debian) in turn, medians.
 *
 *   npm run build && node --import tsx bench/stall.ts [--rate 1000] [--seconds 10] [--rounds 3]
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, autocannonBin, ensureDebian, median, run, startDidTarget, volleyBin } from './lib.js';
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
}
const results: Record<'volley' | 'autocannon' | 'hey', Result[]> = { volley: [], autocannon: [], hey: [] };
const target = await startDidTarget(1, { stall: { everyMs: 5000, forMs: 1000 } });
const url = `${target.url}/health`;
try {
  for (let r = 1; r <= rounds; r++) {
    const out = join(tmpdir(), `volley-bench-stall-${process.pid}-${r}.json`);
    // enough VUs for a second's worth of requests held by the stall
    run(
      'taskset',
      args`-c 0 ${process.execPath} ${volleyBin} run --url ${url} --rate ${String(rate)} --users ${String(Math.ceil(rate * 1.5))} --workers 1 --run-time ${seconds}s --json ${out} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
    );
    const s = JSON.parse(readFileSync(out, 'utf8')).metrics;
    const d = s.http_req_duration.values;
    results.volley.push({
      sent: s.http_reqs.values.count,
      p50: d.med,
      p90: d['p(90)'],
      p99: d['p(99)'],
      dropped: s.dropped_iterations?.values.count ?? 0,
    });

    const ac = JSON.parse(
      run('taskset', args`-c 0 ${process.execPath} ${autocannonBin} -c 100 --overallRate ${String(rate)} -d ${String(seconds)} -j ${url}`),
    );
    results.autocannon.push({ sent: ac.requests.sent ?? ac.requests.total, p50: ac.latency.p50, p90: ac.latency.p90, p99: ac.latency.p99 });

    const hey = run('taskset', ['-c', '0', 'hey', '-z', `${seconds}s`, '-c', '100', '-q', String(rate / 100), url]);
    const q = (p: number) => Number(new RegExp(`${p}% in ([\\d.]+) secs`).exec(hey)?.[1] ?? NaN) * 1000;
    const total = [...hey.matchAll(/\[\d+\]\s+(\d+) responses/g)].reduce((n, m) => n + Number(m[1]), 0);
    results.hey.push({ sent: total, p50: q(50), p90: q(90), p99: q(99) });
    console.error(
      `round ${r}:`,
      JSON.stringify({ volley: results.volley.at(-1), autocannon: results.autocannon.at(-1), hey: results.hey.at(-1) }),
    );
  }
} finally {
  await target.stop();
}
const med = (xs: Result[]) =>
  Object.fromEntries(
    (['sent', 'p50', 'p90', 'p99', 'dropped'] as const)
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
      medians: { volley: med(results.volley), autocannon: med(results.autocannon), hey: med(results.hey) },
      runs: results,
    },
    null,
    2,
  ),
);
