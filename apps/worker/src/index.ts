export { buildWorker } from './worker.js';
export type { Worker, WorkerOptions } from './worker.js';
export { parseWorkerEnv, supportedChannels } from './env.js';
export type { WorkerEnv } from './env.js';
