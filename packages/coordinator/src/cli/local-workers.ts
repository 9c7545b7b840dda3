import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

/**
 * V8 flags a worker needs and V8 reads only at start. A young generation of
 * 64 MB semi-spaces (V8's default is at most 16 MB): a request's objects —
 * ~7 KB when they were undici's and ours — live as long as the request, and at tens of
 * thousands of requests a second they outlived a 16 MB nursery; promoted,
 * they died in the old generation, whose collection tipped a worker into a
 * saturation it did not leave (60,000 users: 99 % of a core and 1 GB; with
 * this, 66–72 % in half the runs, the knee; bench/users.ts). The image's
 * entrypoint and the `volley` bin's shebang pass the same flag.
 */
export const WORKER_NODE_FLAGS = ['--max-semi-space-size=64'];

/** The node flags for a local worker: this process's, plus ours that neither they nor NODE_OPTIONS already set. */
export function workerNodeArgs(execArgv: readonly string[], nodeOptions = ''): string[] {
  const name = (flag: string): string => flag.split('=')[0]!.replace(/_/g, '-');
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)].map(name));
  return [...execArgv, ...WORKER_NODE_FLAGS.filter((f) => !given.has(name(f)))];
}

/**
 * Spawns K worker processes of this same `volley` program (built or run
 * from source: the node flags are passed on), connected to a local
 * coordinator. They exit when the coordinator tells them to or goes away.
 */
export function spawnLocalWorkers(count: number, coordinator: string, token: string, log: Logger): ChildProcess[] {
  const entry = process.argv[1]!;
  const children: ChildProcess[] = [];
  for (let i = 1; i <= count; i++) {
    const child = spawn(process.execPath, [...workerNodeArgs(process.execArgv, process.env.NODE_OPTIONS), entry, 'worker', '--coordinator', coordinator, '--name', `local-${i}`, '--exit-on-disconnect'], {
      env: { ...process.env, VOLLEY_TOKEN: token, VOLLEY_LOG_LEVEL: log.level },
      stdio: ['ignore', 'ignore', 'inherit'],
      // their own process group: a Ctrl-C in the terminal goes to the coordinator,
      // which stops the run and collects the workers' last windows
      detached: true,
    });
    child.on('exit', (code, signal) => {
      if (code !== 0) log.warn({ worker: `local-${i}`, code, signal }, 'local worker exited');
    });
    children.push(child);
  }
  return children;
}

/** Waits for the workers to exit; kills those still alive after `graceMs`. */
export async function reapWorkers(children: ChildProcess[], graceMs: number): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
          c.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
        }),
    ),
  );
}
