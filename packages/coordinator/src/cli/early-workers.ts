import type { ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { hostsWorkerInProcess } from './in-process-worker.js';
import { spawnLocalWorker } from './local-workers.js';

/**
 * How many local worker processes this command line will run, guessed
 * before the CLI loads: `volley run` with a scenario or --url and no web
 * UI, and its --workers (default: the cores), but none for the one worker
 * of --url that runs in the CLI's process (in-process-worker.ts). 0 where
 * unsure. Only a guess that can cost time: the CLI decides, takes what it
 * needs of these workers and starts the rest (takeEarlyWorkers).
 */
export function earlyWorkerCount(argv: readonly string[], cores: number): number {
  if (argv[0] !== 'run') return 0;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv.slice(1),
      strict: false,
      allowPositionals: true,
      options: {
        workers: { type: 'string', short: 'w' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        locustfile: { type: 'string', short: 'f' },
        headless: { type: 'boolean' },
        url: { type: 'string' },
      },
    }));
  } catch {
    return 0;
  }
  if (values.help || values.version) return 0;
  // -f without --headless serves a web UI, whose workers wait for runs
  if (values.locustfile !== undefined && !values.headless) return 0;
  const n = values.workers === undefined ? cores : Number(values.workers);
  if (!Number.isInteger(n) || n < 1 || n > 256) return 0;
  return hostsWorkerInProcess(n, values.url !== undefined) ? 0 : n;
}

let early: ChildProcess[] = [];

/** Starts the local workers this command line will want (earlyWorkerCount), to load while the CLI does. */
export function startEarlyWorkers(argv: readonly string[]): void {
  // the cores as `volley run --workers` counts them by default
  early = Array.from({ length: earlyWorkerCount(argv, cpus().length) }, () => spawnLocalWorker());
}

/** Up to `count` of the workers started early, for the run to tell its coordinator; the rest are let go. */
export function takeEarlyWorkers(count: number): ChildProcess[] {
  const taken = early.slice(0, count);
  for (const c of early.slice(count)) c.kill('SIGTERM');
  early = [];
  return taken;
}
