import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { afterEach } from 'vitest';
import { startDidServer, type DidServer, type DidServerOptions } from 'volley/did-server';
import { BROWSER_BARRED_PORTS } from '@volley/shared';
import { args } from './cli-args.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/**
 * The `volley` program as users run it: the bundle esbuild makes
 * (`npm test` builds it first; by hand, `npm run build`), so a bundling
 * mistake fails a test.
 */
export const CLI = fileURLToPath(new URL('../packages/coordinator/dist/volley.js', import.meta.url));
if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it first (npm run build)`);

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built `volley` program, as a real process. */
export function spawnVolley(
  args: string[],
  env: Record<string, string> = {},
): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, VOLLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (child.output.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (child.output.stderr += d.toString()));
  return child;
}

/** Runs `volley …` to the end (killed after `timeoutMs`). */
export async function volley(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<Result> {
  const child = spawnVolley(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, ...child.output };
}

/** Resolves when the process has printed a line matching `pattern` (stdout or stderr). */
export async function waitForOutput(child: ReturnType<typeof spawnVolley>, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const started = Date.now();
  for (;;) {
    const m = pattern.exec(child.output.stdout) ?? pattern.exec(child.output.stderr);
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${child.output.stderr}`);
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out waiting for ${pattern}:\n${child.output.stdout}\n${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(t);
}

/** Route of the sample server each request name goes to. */
export const ROUTE_OF: Record<string, string> = {
  health_check: 'GET /health',
  enroll_biometric: 'POST /api/v1/did/enroll',
  verify_biometric: 'POST /api/v1/did/verify',
};

/** Request counts per route from a k6-shaped JSON summary written by volley. */
export function countsFromSummary(summary: { volley: { requests: { name: string; count: number }[] } }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of summary.volley.requests) out[ROUTE_OF[r.name] ?? r.name] = (out[ROUTE_OF[r.name] ?? r.name] ?? 0) + r.count;
  return out;
}

/**
 * A TCP proxy the test controls: cut() drops every connection through it
 * and refuses new ones until restore() — a link cut without root.
 */
export async function startProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void; close(): Promise<void> }> {
  const { createServer, connect } = await import('node:net');
  let open = true;
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    if (!open) return client.destroy();
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    cut: () => {
      open = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore: () => {
      open = true;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A free port on loopback that fetch and Chromium will open. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (;;) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    if (!BROWSER_BARRED_PORTS.has(port)) return port;
  }
}

/** A free port among those fetch and browsers refuse, for testing that our own client does not. */
/**
 * A coordinator listening on a port the fetch standard bars (10080,
 * 6665–6669, …): the first that is free when it tries. Two suites side by
 * side may both find one free, so a coordinator that finds it taken tries
 * the next.
 */
export async function coordinatorOnBarredPort(extra: string[]): Promise<{ coordinator: ReturnType<typeof spawnVolley>; port: number }> {
  for (const port of [10080, 6665, 6666, 6667, 6668, 6669, 6697, 6000, 6566]) {
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, ...extra]);
    try {
      await waitForOutput(coordinator, /coordinator listening/);
      return { coordinator, port };
    } catch (err) {
      if (!/the port is in use/.test(coordinator.output.stderr)) throw err;
    }
  }
  throw new Error('no barred port is free');
}

/** Polls `volley status` until its output matches. */
export async function waitForStatus(args: string[], pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await volley(['status', ...args], {}, 20_000);
    if (pattern.test(s.stdout)) return s.stdout;
    if (Date.now() > until) throw new Error(`status never matched ${pattern}:\n${s.stdout}${s.stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A coordinator process with a token and a journal directory, and one
 * worker process per name (weight 1 each); `via` may route a worker
 * through something (a proxy) by giving it another port.
 */
export async function startCluster(
  workerNames: string[],
  via?: (name: string, port: number) => Promise<number>,
  coordinatorArgs: string[] = [],
) {
  const { mkdtemp, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'volley-cluster-'));
  const tokenFile = join(dir, 'token');
  await writeFile(tokenFile, 'cluster-token', { mode: 0o600 });
  const port = await freePort();
  const coordinator = spawnVolley(
    args`coordinator --listen 127.0.0.1:${port} --token-file ${tokenFile} --journal-dir ${join(dir, 'journal')} ${coordinatorArgs}`,
  );
  await waitForOutput(coordinator, /coordinator listening/);
  const workers = new Map<string, ReturnType<typeof spawnVolley>>();
  for (const name of workerNames) {
    const p = via ? await via(name, port) : port;
    workers.set(
      name,
      spawnVolley(['worker', '--coordinator', `ws://127.0.0.1:${p}`, '--token-file', tokenFile, '--name', name, '--cores', '1']),
    );
  }
  const api = ['--coordinator', `http://127.0.0.1:${port}`, '--token-file', tokenFile];
  await waitForStatus(api, new RegExp(`workers: ${workerNames.length} connected`));
  return { dir, api, port, tokenFile, coordinator, workers, all: [coordinator, ...workers.values()] };
}

/**
 * What a test starts — volley processes, sample servers — stopped after each
 * test of the file, whether it passed or not. Call it inside `describe`.
 */
export function stopAfterEach(): { track(...procs: ChildProcess[]): void; didServer(opts?: DidServerOptions): Promise<DidServer> } {
  let procs: ChildProcess[] = [];
  let servers: DidServer[] = [];
  afterEach(async () => {
    await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
    await Promise.all(servers.map((s) => s.close()));
    procs = [];
    servers = [];
  });
  return {
    track: (...more) => void procs.push(...more),
    didServer: async (opts) => {
      const s = await startDidServer(opts);
      servers.push(s);
      return s;
    },
  };
}

/**
 * Set while another suite runs beside this one (npm test runs the e2e
 * tests on two Node lines at once): tests that measure the generator's own
 * CPU or lateness cannot then, and run alone afterwards (their titles say
 * "(measures its own CPU)", which the test command selects).
 */
export const CPU_SHARED = process.env.VOLLEY_TEST_CPU_SHARED === '1';
