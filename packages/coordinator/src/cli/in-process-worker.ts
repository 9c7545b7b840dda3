import type { Logger } from 'pino';

/**
 * Whether `volley run` hosts its worker in its own process rather than
 * spawning one: for a single worker running Volley's own scenario (the
 * ad-hoc --url mode), as Locust's local runner and k6 do. A second Node
 * process costs a local run's start a second Node start and a second load
 * of what both load (zod, pino, ws, the protocol): bench/startup.ts
 * measured the first request 0.72× as late on two cores and 0.60× on one,
 * for 0.60× and 0.57× the CPU. What a coordinator does beside one worker
 * (a window a second, merged) is small next to it. A scenario file is
 * user code, which a worker process keeps apart: one that spins forever
 * there cannot take the coordinator, its Ctrl-C or its report with it.
 */
export function hostsWorkerInProcess(workers: number, adhoc: boolean): boolean {
  return workers === 1 && adhoc;
}

/** A worker running in this process. */
export interface InProcessWorker {
  /** joins the coordinator, once it listens */
  join(coordinator: string, token: string): void;
  /** resolves once the worker has ended (the coordinator told it to, or its link went) */
  ended(): Promise<void>;
}

/**
 * Loads the worker and begins its warm-up, before the coordinator
 * listens; `join` links it. Its name is a local worker's, `local-1`.
 */
export async function startInProcessWorker(log: Logger): Promise<InProcessWorker> {
  const { beginWarmUp, runWorker, WARM_UP_MIN } = await import('@volley/worker');
  beginWarmUp(WARM_UP_MIN);
  let done: Promise<void> = Promise.resolve();
  return {
    join(coordinator, token) {
      done = runWorker({ coordinator, token, name: 'local-1', log, exitOnDisconnect: true, sameClock: true }).then((code) => {
        if (code !== 0) log.warn({ worker: 'local-1', code }, 'local worker ended');
      });
    },
    ended: () => done,
  };
}
