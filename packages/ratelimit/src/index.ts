export { gcraParams, gcraStep, policiesFor, rateLimitScopes } from './rate-limit-policy.js';
export type { PolicyHit, RateLimitPolicy, RateLimitScope } from './rate-limit-policy.js';
export { RateLimiter } from './rate-limiter.js';
export type { RateLimitDecision, RateLimiterConfig } from './rate-limiter.js';
