import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { args } from '../test/cli-args.js';

/** The repository, the built CLI, and the autocannon peer. */
export const root = fileURLToPath(new URL('..', import.meta.url));
export const volleyBin = join(root, 'packages/coordinator/dist/volley.js');
export const autocannonBin = join(root, 'node_modules/autocannon/autocannon.js');

/** Installs a Debian package when its binary is missing (root only). */
export function ensureDebian(binary: string, pkg: string): void {
  if (existsSync(binary)) return;
  if (process.getuid?.() !== 0) throw new Error(`${binary} is missing; apt-get install ${pkg}`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** nginx, one worker process pinned to `core`, answering a small JSON body with keep-alive. */
export async function startNginx(core: number, opts: { connections?: number } = {}): Promise<{ url: string; stop(): Promise<void> }> {
  ensureDebian('/usr/sbin/nginx', 'nginx-light');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'volley-bench-nginx-'));
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections ${opts.connections ?? 4096}; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir};
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / { default_type application/json; return 200 '{"status":"healthy"}'; }
  }
}
`,
  );
  const child: ChildProcess = spawn('taskset', ['-c', String(core), '/usr/sbin/nginx', '-c', conf, '-p', dir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGTERM')); // a bench that throws leaves no target behind
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      if (res.ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs a command to its end; returns stdout. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
}

export const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/**
 * Exact CPU time of a command and all its descendants (a coordinator and
 * the workers it starts), from a cgroup made for it: cpuacct on cgroup v1,
 * cpu.stat on v2. Root only.
 */
export class CpuMeter {
  private readonly dir: string;
  private readonly v2: boolean;
  constructor(name: string) {
    this.v2 = !existsSync('/sys/fs/cgroup/cpuacct');
    this.dir = this.v2 ? `/sys/fs/cgroup/${name}-${process.pid}` : `/sys/fs/cgroup/cpuacct/${name}-${process.pid}`;
    mkdirSync(this.dir, { recursive: true });
  }
  /** `cmd args` wrapped so the process joins the cgroup before it starts. */
  wrap(cmd: string, args: string[]): [string, string[]] {
    return ['sh', ['-c', `echo $$ > ${this.dir}/cgroup.procs && exec "$@"`, 'sh', cmd, ...args]];
  }
  seconds(): number {
    if (this.v2) {
      const usec = /usage_usec (\d+)/.exec(readFileSync(`${this.dir}/cpu.stat`, 'utf8'))![1]!;
      return Number(usec) / 1e6;
    }
    return Number(readFileSync(`${this.dir}/cpuacct.usage`, 'utf8')) / 1e9;
  }
  /** Runs a command in the cgroup to its end: its stdout and the CPU seconds it used. */
  run(cmd: string, args: string[]): { stdout: string; cpuSeconds: number } {
    const before = this.seconds();
    const [c, a] = this.wrap(cmd, args);
    const stdout = run(c, a);
    return { stdout, cpuSeconds: this.seconds() - before };
  }
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // still has processes (a run that failed); the kernel keeps it until they exit
    }
  }
}

/** The DID sample server in its own process pinned to `core`, with latency or stalls. */
export async function startDidTarget(
  core: number,
  opts: { latencyMs?: number; stall?: { everyMs: number; forMs: number } },
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const script = `import('${new URL('../packages/coordinator/src/demo/did-server.ts', import.meta.url).href}').then(async (m) => { await m.startDidServer({ port: ${port}, ...${JSON.stringify(opts)} }); console.log('ready'); })`;
  const child = spawn('taskset', ['-c', String(core), process.execPath, '--import', 'tsx', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGTERM'));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`DID target exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Volley's ad-hoc mode (closed model, one worker) on core 0 against `url`: its http_req_duration median and p99, ms. */
export function volleyLatency(url: string, users: number, seconds: number, dir: string): { p50: number; p99: number } {
  const out = join(dir, `volley-latency-${process.pid}.json`);
  run(
    'taskset',
    args`-c 0 ${process.execPath} ${volleyBin} run --url ${url} --users ${String(users)} --workers 1 --run-time ${seconds}s --json ${out} --journal-dir ${join(dir, 'journal')}`,
  );
  const v = JSON.parse(readFileSync(out, 'utf8')).metrics.http_req_duration.values;
  return { p50: v.med as number, p99: v['p(99)'] as number };
}

/** wrk (one thread) on core 0 against `url`: its median and p99, ms. */
export function wrkRunLatency(url: string, connections: number, seconds: number): { p50: number; p99: number } {
  const w = wrkLatency(run('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url]));
  return { p50: w['50']!, p99: w['99']! };
}

/** Quantiles from wrk's --latency table, in ms ("50.000%   20.95ms"). */
export function wrkLatency(out: string): Record<string, number> {
  const q: Record<string, number> = {};
  for (const m of out.matchAll(/^\s+(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s)\s*$/gm)) {
    const v = Number(m[2]) * (m[3] === 'us' ? 0.001 : m[3] === 's' ? 1000 : 1);
    q[String(Number(m[1]))] = v;
  }
  return q;
}

/** The peak RSS (kB) of the local worker a `volley run` child spawns, polled from /proc until the run exits. */
export async function workerPeakRssKb(child: ChildProcess, everyMs = 500): Promise<number> {
  const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const pid = Number(
        execFileSync('pgrep', ['-f', '-P', String(child.pid), 'volley.js (local-)?worker'], { encoding: 'utf8' })
          .trim()
          .split('\n')[0],
      );
      if (pid) peak = Math.max(peak, rssKb(pid));
    } catch {
      // not started yet, or gone
    }
  }, everyMs);
  await once(child, 'exit');
  clearInterval(poll);
  return peak;
}
