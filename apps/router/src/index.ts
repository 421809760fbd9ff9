export { buildRouter } from './router.js';
export type { Router, RouterOptions } from './router.js';
export { parseRouterEnv } from './env.js';
export type { RouterEnv } from './env.js';
export { RecipientCache } from './recipient-cache.js';
export type { RecipientSource } from './recipient-cache.js';
