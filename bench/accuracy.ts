/**
 * Does Volley report what the target did? The DID sample server (core 1)
 * answers GET /health after 20 ms; Volley (`--url`, closed model) and wrk
 * (`--latency`) measure it in turn with the same connections from core 0;
 * p50 and p99 side by side, medians of the rounds. wrk from Debian
 * (installed when missing, as root).
 *
 *   npm run build && node --import tsx bench/accuracy.ts [--latency 20] [--connections 50] [--seconds 10] [--rounds 3]
 */
import { tmpdir } from 'node:os';
import { arg, ensureDebian, median, startDidTarget, volleyLatency, wrkRunLatency } from './lib.js';

const latency = arg('latency', 20);
const connections = arg('connections', 50);
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
ensureDebian('/usr/bin/wrk', 'wrk');

const target = await startDidTarget(1, { latencyMs: latency });
const url = `${target.url}/health`;
const got = { volley: { p50: [] as number[], p99: [] as number[] }, wrk: { p50: [] as number[], p99: [] as number[] } };
const volley = () => volleyLatency(url, connections, seconds, tmpdir());
const wrk = () => wrkRunLatency(url, connections, seconds);
try {
  for (let r = 1; r <= rounds; r++) {
    // who goes first alternates: the first after a pause meets a target that has been idle
    let d: { p50: number; p99: number };
    let w: { p50: number; p99: number };
    if (r % 2 === 1) {
      d = volley();
      w = wrk();
    } else {
      w = wrk();
      d = volley();
    }
    got.volley.p50.push(d.p50);
    got.volley.p99.push(d.p99);
    got.wrk.p50.push(w.p50);
    got.wrk.p99.push(w.p99);
    console.error(`round ${r}: volley p50 ${d.p50.toFixed(2)} p99 ${d.p99.toFixed(2)} ms; wrk p50 ${w.p50} p99 ${w.p99} ms`);
  }
} finally {
  await target.stop();
}
const m = (xs: number[]) => Number(median(xs).toFixed(2));
const res = { volley: { p50: m(got.volley.p50), p99: m(got.volley.p99) }, wrk: { p50: m(got.wrk.p50), p99: m(got.wrk.p99) } };
console.log(
  JSON.stringify(
    {
      latency,
      connections,
      seconds,
      rounds,
      ms: res,
      differenceMs: { p50: Number((res.volley.p50 - res.wrk.p50).toFixed(2)), p99: Number((res.volley.p99 - res.wrk.p99).toFixed(2)) },
      runs: got,
    },
    null,
    2,
  ),
);
