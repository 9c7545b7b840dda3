import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';

/**
 * Spawns K worker processes of this same `volley` program (built or run
 * from source: the node flags are passed on), connected to a local
 * coordinator. They exit when the coordinator tells them to or goes away.
 */
export function spawnLocalWorkers(count: number, coordinator: string, token: string, log: Logger): ChildProcess[] {
  const entry = process.argv[1]!;
  const children: ChildProcess[] = [];
  for (let i = 1; i <= count; i++) {
    const child = spawn(process.execPath, [...process.execArgv, entry, 'worker', '--coordinator', coordinator, '--name', `local-${i}`, '--exit-on-disconnect'], {
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
