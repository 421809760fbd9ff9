export { isRetryableStartError, runMain } from './run-main.js';
export type { Built, Runnable, StartupProbe } from './run-main.js';
export { dependencyOf } from './dependency-of.js';
export type { DependencyDown } from './dependency-of.js';
export { appLifecycle } from './lifecycle.js';
export type { App, Lifecycle } from './lifecycle.js';
