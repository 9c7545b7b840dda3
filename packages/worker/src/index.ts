export { runWorker, type WorkerOptions } from './agent.js';
export { Recorder, totalOnly } from './recorder.js';
export type { RequestTiming } from './http/exchange.js';
export { beginWarmUp } from './http/warm-up.js';
export { WARM_UP_MIN } from './warm-up-size.js';
