/**
 * How far is each tool's report from the wire? The DID sample server
 * (core 1) answers GET /health after 20 ms; Volley (`--url`, closed model)
 * and wrk (`--latency`) measure it in turn from core 0, while tcpdump
 * (core 1) captures the target's port. For each run: the tool's p50 and
 * p99, the same quantiles of the request-to-response times on the wire
 * (bench/pcap.ts), and the difference — what the tool added to (or hid
 * from) what the target did. Medians of the rounds. tcpdump and wrk from
 * Debian (installed when missing, as root).
 *
 *   npm run build && node --import tsx bench/wire.ts [--latency 20] [--connections 50] [--seconds 10] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, ensureDebian, median, startDidTarget, volleyLatency, wrkRunLatency } from './lib.js';
import { quantile, wireLatencies } from './pcap.js';

const latency = arg('latency', 20);
const connections = arg('connections', 50);
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
ensureDebian('/usr/bin/wrk', 'wrk');
ensureDebian('/usr/bin/tcpdump', 'tcpdump');

const dir = mkdtempSync(join(tmpdir(), 'volley-bench-wire-'));
const target = await startDidTarget(1, { latencyMs: latency });
const url = `${target.url}/health`;
const port = Number(new URL(target.url).port);

/** Runs `measure` while tcpdump captures the target's port; the wire's latencies. */
async function captured(file: string, measure: () => void): Promise<number[]> {
  const dump = spawn('taskset', ['-c', '1', 'tcpdump', '-i', 'lo', '-s', '128', '-B', '65536', '-w', file, `tcp port ${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    dump.stderr!.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
    dump.once('exit', (code) => reject(new Error(`tcpdump exited with ${code}`)));
  });
  measure();
  await new Promise((r) => setTimeout(r, 300)); // the last segments reach the capture
  dump.kill('SIGINT');
  await once(dump, 'exit');
  return wireLatencies(readFileSync(file), port);
}

type Row = { reported: { p50: number; p99: number }; wire: { p50: number; p99: number; count: number } };
const rows: Record<'volley' | 'wrk', Row[]> = { volley: [], wrk: [] };
const tools = {
  volley: () => volleyLatency(url, connections, seconds, dir),
  wrk: () => wrkRunLatency(url, connections, seconds),
};
try {
  for (let r = 1; r <= rounds; r++) {
    // who goes first alternates: the first after a pause meets a target that has been idle
    for (const tool of (r % 2 === 1 ? ['volley', 'wrk'] : ['wrk', 'volley']) as ('volley' | 'wrk')[]) {
      let reported = { p50: NaN, p99: NaN };
      const wire = await captured(join(dir, `${tool}-${r}.pcap`), () => (reported = tools[tool]()));
      const row = { reported, wire: { p50: quantile(wire, 0.5), p99: quantile(wire, 0.99), count: wire.length } };
      rows[tool].push(row);
      console.error(
        `round ${r} ${tool}: reported p50 ${reported.p50.toFixed(2)} p99 ${reported.p99.toFixed(2)} ms; wire p50 ${row.wire.p50.toFixed(2)} p99 ${row.wire.p99.toFixed(2)} ms (${wire.length} requests)`,
      );
    }
  }
} finally {
  await target.stop();
  rmSync(dir, { recursive: true, force: true });
}
const m = (xs: number[]) => Number(median(xs).toFixed(2));
const summary = (rs: Row[]) => ({
  reported: { p50: m(rs.map((x) => x.reported.p50)), p99: m(rs.map((x) => x.reported.p99)) },
  wire: { p50: m(rs.map((x) => x.wire.p50)), p99: m(rs.map((x) => x.wire.p99)) },
  // per run, then the median: each run's own wire is its truth
  addedMs: { p50: m(rs.map((x) => x.reported.p50 - x.wire.p50)), p99: m(rs.map((x) => x.reported.p99 - x.wire.p99)) },
});
console.log(
  JSON.stringify({ latency, connections, seconds, rounds, volley: summary(rows.volley), wrk: summary(rows.wrk), runs: rows }, null, 2),
);
