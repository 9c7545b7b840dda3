/**
 * How evenly each tool spreads a fixed rate: Volley (`--rate`), autocannon
 * (`--overallRate`) and hey (`-q`) each ask for the same requests per second
 * from a target (bench/fixtures/pacing-target.mjs, core 1) that notes when
 * every request arrives; reported: the share of empty 1 ms slots and the
 * requests per 1 ms and 10 ms slot. An even 5,000/s puts 5 in each 1 ms
 * slot and 50 in each 10 ms slot. Explains the cost benchmark: a tool that
 * sends in bursts pays the event loop once per burst, not once per request.
 *
 *   npm run build && node --import tsx bench/pacing.ts [--rate 5000] [--seconds 8] [--connections 64]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { arg, autocannonBin, ensureDebian, freePort, root, run, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const rate = arg('rate', 5000);
const seconds = arg('seconds', 8);
const connections = arg('connections', 64);
ensureDebian('/usr/bin/hey', 'hey');

const commands: Record<string, (url: string) => string[]> = {
  volley: (url) =>
    args`${process.execPath} ${volleyBin} run --url ${url} --rate ${String(rate)} --users ${String(connections)} --workers 1 --run-time ${seconds}s --json /dev/null`,
  autocannon: (url) =>
    args`${process.execPath} ${autocannonBin} -c ${String(connections)} --overallRate ${String(rate)} -d ${String(seconds)} -j ${url}`,
  // hey's -q is per connection
  hey: (url) => ['hey', '-z', `${seconds}s`, '-c', String(connections), '-q', String(Math.round(rate / connections)), url],
};

const results: Record<string, unknown> = {};
for (const [tool, command] of Object.entries(commands)) {
  const port = await freePort();
  const target = spawn('taskset', ['-c', '1', process.execPath, join(root, 'bench/fixtures/pacing-target.mjs'), String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await once(target.stderr!, 'data');
  run('taskset', ['-c', '0', ...command(`http://127.0.0.1:${port}/`)]);
  let out = '';
  target.stdout!.on('data', (d) => (out += d));
  target.kill('SIGTERM');
  await once(target, 'exit');
  results[tool] = JSON.parse(out);
  console.error(tool, out.trim());
}
console.log(JSON.stringify({ rate, seconds, connections, results }, null, 2));
