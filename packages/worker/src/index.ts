export { runWorker, type WorkerOptions } from './agent.js';
export { Recorder } from './recorder.js';
