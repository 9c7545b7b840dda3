import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { LOCAL_WORKER_ARG, LOCAL_WORKER_HELLO, type LocalWorkerConfig } from './local-worker-config.js';

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

const helloed = new WeakSet<ChildProcess>();

/**
 * A worker process of this same `volley` program (built or run from
 * source: the node flags are passed on) that loads, begins its warm-up and
 * waits to be told its coordinator (`joinLocalWorker`), so that it can be
 * started before the coordinator listens. It exits if its parent goes
 * before telling it. Its IPC channel holds neither process open.
 */
export function spawnLocalWorker(): ChildProcess {
  const child = spawn(
    process.execPath,
    [...workerNodeArgs(process.execArgv, process.env.NODE_OPTIONS), process.argv[1]!, LOCAL_WORKER_ARG],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      // their own process group: a Ctrl-C in the terminal goes to the coordinator,
      // which stops the run and collects the workers' last windows
      detached: true,
    },
  );
  child.once('message', (m) => {
    if (m === LOCAL_WORKER_HELLO) helloed.add(child);
  });
  // not fatal to this process: a spawn that fails, or a message to one that went (joinLocalWorker logs them)
  child.on('error', () => undefined);
  child.unref();
  child.channel?.unref();
  return child;
}

/** Tells a local worker its coordinator, as soon as it listens for that. */
export function joinLocalWorker(child: ChildProcess, config: Omit<LocalWorkerConfig, 'type'>, log: Logger): void {
  const message: LocalWorkerConfig = { type: 'join', ...config };
  const send = (): void => {
    // one that went meanwhile (killed when a run failed before it began) is said by its exit
    if (child.connected) child.send(message, (err) => err && log.debug({ worker: config.name, err: err.message }, 'local worker gone'));
  };
  if (helloed.has(child)) send();
  else child.once('message', send);
  child.on('exit', (code, signal) => {
    if (code !== 0) log.warn({ worker: config.name, code, signal }, 'local worker exited');
  });
  child.on('error', (err) => log.warn({ worker: config.name, err: err.message }, 'local worker process error'));
}

/** Starts a local worker and tells it its coordinator. */
function startLocalWorker(i: number, coordinator: string, token: string, log: Logger, child = spawnLocalWorker()): ChildProcess {
  joinLocalWorker(child, { coordinator, token, name: `local-${i}`, logLevel: log.level }, log);
  return child;
}

/**
 * K worker processes joined to a local coordinator: those given (started
 * early, by the bin), then new ones. They exit when the coordinator tells
 * them to or goes away.
 */
export function spawnLocalWorkers(
  count: number,
  coordinator: string,
  token: string,
  log: Logger,
  early: ChildProcess[] = [],
): ChildProcess[] {
  return Array.from({ length: count }, (_, i) => startLocalWorker(i + 1, coordinator, token, log, early[i]));
}

/** How often a slot's worker may be replaced in a minute before it is left empty (a worker that dies at start would loop). */
const RESPAWNS_PER_MINUTE = 3;

/**
 * K local workers kept at K for a long-lived coordinator (the web UI of
 * `volley run -f`): one that dies is replaced, so the next run does not
 * wait for a worker that will not come; a slot that keeps dying is left
 * empty, and said so.
 */
export class LocalWorkerPool {
  private readonly children: ChildProcess[];
  private readonly deaths: number[][];
  private stopping = false;

  constructor(
    count: number,
    private readonly coordinator: string,
    private readonly token: string,
    private readonly log: Logger,
  ) {
    this.deaths = Array.from({ length: count }, () => []);
    this.children = Array.from({ length: count }, (_, i) => this.keep(i));
  }

  private keep(i: number): ChildProcess {
    const child = startLocalWorker(i + 1, this.coordinator, this.token, this.log);
    child.once('exit', () => {
      if (this.stopping) return;
      const now = Date.now();
      const recent = (this.deaths[i] = [...this.deaths[i]!.filter((t) => now - t < 60_000), now]);
      if (recent.length > RESPAWNS_PER_MINUTE) {
        this.log.error({ worker: `local-${i + 1}` }, `local worker died ${recent.length} times in a minute; not starting it again`);
        return;
      }
      this.log.warn({ worker: `local-${i + 1}` }, 'starting a new local worker in its place');
      setTimeout(() => {
        if (!this.stopping) this.children[i] = this.keep(i);
      }, 1000);
    });
    return child;
  }

  /** No more replacements; the workers alive now, to reap. */
  stop(): ChildProcess[] {
    this.stopping = true;
    return [...this.children];
  }
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
