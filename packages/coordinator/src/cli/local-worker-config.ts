// What a local worker and the `volley run` that started it say over the
// worker's IPC channel. Types and names only: the bin loads this before
// anything else (early-workers.ts), so without zod: the schema that checks
// the message lives with the child that receives it, typed by this.

/** A local worker's command line is `volley local-worker`: the bin goes straight to the worker (local-worker-child.ts), with no CLI to load. */
export const LOCAL_WORKER_ARG = 'local-worker';

/** The child says this once it listens on its IPC channel (a message sent before is lost). */
export const LOCAL_WORKER_HELLO = 'volley-local-worker-hello';

/** What a local worker is told once its coordinator listens. */
export interface LocalWorkerConfig {
  type: 'join';
  /** ws:// or wss:// */
  coordinator: string;
  token: string;
  /** its name in reports: local-1, local-2, … */
  name: string;
  logLevel: string;
}
