/**
 * Where a request's CPU goes at a fixed rate, by process and by thread:
 * Volley (`volley run --url --rate`) beside Node's sockets and llhttp alone
 * paced the same way (bench/fixtures/socket-floor.mjs) and a Node process
 * that only wakes every millisecond (what a wake-up costs), each on core 0
 * against nginx on core 1. Over the steady middle of each run, from /proc:
 * every thread's CPU (fraction of a core) and voluntary context switches a
 * second — a switch is the process going to sleep, so one per wake-up.
 * Also each process's CPU from start to exit, to show start-up apart from
 * the steady state. Root (nginx). bench/cpu-cost.ts gives the totals beside
 * autocannon; this says what they are made of.
 *
 *   npm run build && node --import tsx bench/wakes.ts [--rate 5000] [--seconds 14] [--connections 64]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { arg, root, startNginx, volleyBin } from './lib.js';
import { args } from '../test/cli-args.js';

const rate = arg('rate', 5000);
const seconds = arg('seconds', 14);
const connections = arg('connections', 64);
const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

interface ThreadSample {
  name: string;
  cpuTicks: number;
  voluntary: number;
}

/** Each thread of `pid`: its name, CPU ticks (user + system) and voluntary switches so far. */
function threads(pid: number): Map<number, ThreadSample> {
  const out = new Map<number, ThreadSample>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      out.set(tid, {
        name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(),
        cpuTicks: Number(stat[11]) + Number(stat[12]),
        voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]),
      });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

/** A process's CPU seconds so far, all threads (from /proc/PID/stat). */
const processCpu = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / HZ;
};

const childOf = (pid: number): number | undefined => {
  try {
    return Number(
      execFileSync('pgrep', ['-P', String(pid)])
        .toString()
        .trim()
        .split('\n')[0],
    );
  } catch {
    return undefined;
  }
};

interface Row {
  tool: string;
  process: string;
  thread: string;
  cpu: number;
  wakesPerSecond: number;
}

/** Samples `processes()` between 40 % and 80 % of the run; per thread, CPU and switches a second. */
async function measure(
  tool: string,
  child: ChildProcess,
  processes: () => Record<string, number | undefined>,
): Promise<{ rows: Row[]; totals: Record<string, number> }> {
  const totals: Record<string, number> = {};
  const last: Record<string, number> = {};
  const poll = setInterval(() => {
    for (const [name, pid] of Object.entries(processes())) {
      if (pid === undefined) continue;
      try {
        last[name] = processCpu(pid);
      } catch {
        // exited
      }
    }
  }, 100);
  await new Promise((r) => setTimeout(r, seconds * 400));
  const pids = processes();
  const before = Object.fromEntries(Object.entries(pids).map(([n, pid]) => [n, pid === undefined ? undefined : threads(pid)]));
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 400));
  const elapsed = (performance.now() - t0) / 1000;
  const rows: Row[] = [];
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    const now = threads(pid);
    // the main thread (JavaScript, the event loop), and the rest (V8's compiler and GC helpers, libuv's pool) together
    const sum = { main: { cpu: 0, wakes: 0 }, others: { cpu: 0, wakes: 0 } };
    for (const [tid, b] of before[name]!.entries()) {
      const a = now.get(tid);
      if (!a) continue;
      const part = tid === pid ? sum.main : sum.others;
      part.cpu += (a.cpuTicks - b.cpuTicks) / HZ / elapsed;
      part.wakes += (a.voluntary - b.voluntary) / elapsed;
    }
    for (const [thread, v] of Object.entries(sum))
      rows.push({ tool, process: name, thread, cpu: Number(v.cpu.toFixed(3)), wakesPerSecond: Math.round(v.wakes) });
  }
  await once(child, 'exit');
  clearInterval(poll);
  for (const [name, cpu] of Object.entries(last)) totals[name] = Number(cpu.toFixed(2));
  return { rows, totals };
}

const nginx = await startNginx(1);
try {
  const volley = spawn(
    'taskset',
    args`-c 0 ${process.execPath} ${volleyBin} run --url ${nginx.url}/ --rate ${String(rate)} --users ${String(connections)} --workers 1 --run-time ${seconds}s --json ${join(tmpdir(), `volley-bench-wakes-${process.pid}.json`)} --journal-dir ${join(tmpdir(), 'volley-bench-journal')}`,
    { stdio: 'ignore' },
  );
  // taskset execs node in place: the coordinator is the child's pid, its worker the coordinator's child
  const v = await measure('volley', volley, () => ({ coordinator: volley.pid, worker: childOf(volley.pid!) }));
  const floor = spawn(
    'taskset',
    [
      '-c',
      '0',
      process.execPath,
      join(root, 'bench/fixtures/socket-floor.mjs'),
      `${nginx.url}/`,
      String(rate),
      String(seconds),
      String(connections),
    ],
    { stdio: 'ignore' },
  );
  const f = await measure('sockets alone', floor, () => ({ floor: floor.pid }));
  // what waking up costs with nothing to do: a 1 ms timer, no I/O
  const tick = `const end = performance.now() + ${seconds * 1000}; (function t() { if (performance.now() < end) setTimeout(t, 1); })();`;
  const timer = spawn('taskset', ['-c', '0', process.execPath, '-e', tick], { stdio: 'ignore' });
  const t = await measure('timer alone', timer, () => ({ timer: timer.pid }));
  console.log(
    JSON.stringify(
      {
        rate,
        seconds,
        connections,
        steady: [...v.rows, ...f.rows, ...t.rows],
        // CPU from start to exit (the last reading before it exited): start-up and the run together
        wholeRunCpuSeconds: { ...v.totals, ...f.totals, ...t.totals },
      },
      null,
      2,
    ),
  );
} finally {
  await nginx.stop();
}
