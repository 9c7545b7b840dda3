export * from './errors.js';
export * from './duration.js';
export * from './segments.js';
export * from './histogram.js';
export * from './metrics.js';
export * from './protocol.js';
export * from './plan.js';
export * from './auth.js';
