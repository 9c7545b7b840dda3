export { runWorker, type WorkerOptions } from './agent.js';
export { Recorder, totalOnly } from './recorder.js';
export type { RequestTiming } from './http/exchange.js';
export { warmUpOnce } from './http/warm-up.js';
