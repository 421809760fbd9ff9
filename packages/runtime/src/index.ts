export { isRetryableStartError, runMain } from './run-main.js';
export type { Built, Runnable } from './run-main.js';
export { appLifecycle } from './lifecycle.js';
export type { App, Lifecycle } from './lifecycle.js';
