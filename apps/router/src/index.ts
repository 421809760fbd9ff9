export { buildRouter } from './router.js';
export type { Router, RouterOptions } from './router.js';
export { parseRouterEnv } from './env.js';
export type { RouterEnv } from './env.js';
// The cache moved to @herald/routing with the algorithm; re-exported for existing imports.
export { RecipientCache } from '@herald/routing';
export type { RecipientSource } from '@herald/routing';
