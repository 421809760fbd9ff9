export { runMain } from './run-main.js';
export type { Runnable } from './run-main.js';
