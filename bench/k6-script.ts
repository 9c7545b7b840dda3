/**
 * The guide's k6 script as it is (examples/did-api/k6-test.js) beside the
 * same logic in Volley's own API, in one invocation, against nginx on
 * core 1 (worker and coordinator on core 0):
 *
 * - speed: without think time, 64 VUs, one worker, alternating rounds,
 *   medians of requests/s and of each round's ratios: the k6 script; its line-for-line translation
 *   (bench/fixtures/k6-guide-native.ts, the peer the ratio is taken
 *   against: it prices the compatibility layer alone); and the example
 *   port (examples/did-api/k6-test.ts, names and verdicts of its own);
 * - memory: 10,000 VUs of the k6 script with its think time (1–3 s) in one
 *   worker, all started at once, the worker's peak RSS from /proc (and the
 *   native port's, the same way).
 *
 *   npm run build && node --import tsx bench/k6-script.ts [--vus 64] [--seconds 10] [--rounds 3] [--memory-vus 10000] [--memory-seconds 20]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, median, root, startNginx, volleyBin, workerPeakRssKb } from './lib.js';
import { args } from '../test/cli-args.js';

const vus = arg('vus', 64);
const seconds = arg('seconds', 10);
const rounds = arg('rounds', 3);
const memoryVus = arg('memory-vus', 10_000);
const memorySeconds = arg('memory-seconds', 20);

const dir = mkdtempSync(join(tmpdir(), 'volley-bench-k6-'));
const k6Source = readFileSync(join(root, 'examples/did-api/k6-test.js'), 'utf8');
const nativeSource = readFileSync(join(root, 'examples/did-api/k6-test.ts'), 'utf8');
// full speed: the think time line removed, nothing else changed
const k6Fast = k6Source.replace(/^\s*sleep\(Math\.random\(\) \* 2 \+ 1\);.*$/m, '');
const nativeFast = nativeSource.replace(/^\s*await sleep\(Math\.random\(\) \* 2 \+ 1\);.*$/m, '');
if (k6Fast === k6Source || nativeFast === nativeSource) throw new Error('the think-time line moved; update bench/k6-script.ts');
const files = {
  k6: join(dir, 'k6-fast.js'),
  translated: join(root, 'bench/fixtures/k6-guide-native.ts'),
  example: join(dir, 'native-fast.ts'),
  k6Think: join(root, 'examples/did-api/k6-test.js'),
  nativeThink: join(root, 'examples/did-api/k6-test.ts'),
};
writeFileSync(files.k6, k6Fast);
writeFileSync(files.example, nativeFast);
/** A run whose thresholds may fail against nginx (its answers are not the DID API's): 0 or 99 both mean it ran. */
function runScript(args: string[]): void {
  const r = spawnSync('taskset', ['-c', '0', process.execPath, volleyBin, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 && r.status !== 99) throw new Error(`volley ${args.join(' ')} exited ${r.status}`);
}

const nginx = await startNginx(1, { connections: 16_000 });
const speed: { k6: number[]; translated: number[]; example: number[] } = { k6: [], translated: [], example: [] };
// the worker's CPU per request (its own per-second reports): steadier than the rate on a machine whose neighbours steal time
const cpu: { k6: number[]; translated: number[]; example: number[] } = { k6: [], translated: [], example: [] };
const memory: Record<string, { peakRssMb: number; requests: number }> = {};
try {
  for (let r = 1; r <= rounds; r++) {
    for (const kind of ['k6', 'translated', 'example'] as const) {
      const out = join(dir, `${kind}-${r}.json`);
      runScript(
        args`run ${files[kind]} --workers 1 --vus ${String(vus)} --duration ${seconds}s -e API_URL=${nginx.url} --host ${nginx.url} --json ${out} --journal-dir ${join(dir, 'journal')}`,
      );
      const s = JSON.parse(readFileSync(out, 'utf8'));
      speed[kind].push(s.metrics.http_reqs.values.rate);
      cpu[kind].push((s.volley.run.workers[0].health.cpuAvg * s.state.testRunDurationMs * 1000) / s.metrics.http_reqs.values.count);
    }
    console.error(
      `round ${r}: k6 script ${speed.k6[r - 1]!.toFixed(0)} req/s, translated ${speed.translated[r - 1]!.toFixed(0)}, example port ${speed.example[r - 1]!.toFixed(0)}`,
    );
  }
  for (const kind of memoryVus > 0 ? (['k6Think', 'nativeThink'] as const) : []) {
    const out = join(dir, `${kind}-memory.json`);
    const child = spawn(
      'taskset',
      args`-c 0 ${process.execPath} ${volleyBin} run ${files[kind]} --workers 1 --vus ${String(memoryVus)} --duration ${memorySeconds}s -e API_URL=${nginx.url} --host ${nginx.url} --json ${out} --journal-dir ${join(dir, 'journal')}`,
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const peak = await workerPeakRssKb(child, 250);
    memory[kind] = { peakRssMb: Math.round(peak / 1024), requests: JSON.parse(readFileSync(out, 'utf8')).metrics.http_reqs.values.count };
    console.error(`${memoryVus} VUs, ${kind}: worker peak RSS ${memory[kind]!.peakRssMb} MB, ${memory[kind]!.requests} requests`);
  }
} finally {
  await nginx.stop();
}
const k = median(speed.k6);
const n = median(speed.translated);
const e = median(speed.example);
console.log(
  JSON.stringify(
    {
      vus,
      seconds,
      rounds,
      rps: { k6Script: Math.round(k), translated: Math.round(n), examplePort: Math.round(e) },
      // each round's runs are back to back, so the median of the rounds' ratios is steadier than the ratio of medians on a noisy machine
      ratio: {
        toTranslated: Number(median(speed.k6.map((x, i) => x / speed.translated[i]!)).toFixed(3)),
        toExamplePort: Number(median(speed.k6.map((x, i) => x / speed.example[i]!)).toFixed(3)),
      },
      workerCpuUsPerRequest: {
        k6Script: Number(median(cpu.k6).toFixed(2)),
        translated: Number(median(cpu.translated).toFixed(2)),
        examplePort: Number(median(cpu.example).toFixed(2)),
      },
      cpuRatio: { translatedToK6: Number(median(cpu.k6.map((x, i) => cpu.translated[i]! / x)).toFixed(3)) },
      runs: speed,
      cpuRuns: cpu,
      memoryVus,
      memory,
    },
    null,
    2,
  ),
);
