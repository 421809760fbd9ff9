import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '@herald/core';
import { RateLimiter, type RateLimitPolicy } from '@herald/ratelimit';
import type { ApiKeyInfo, ApiKeyScope, ApiKeyStore } from '@herald/store';
import { problem, sendProblem } from './problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified key of a /v1 request (set by the auth hook before the handler). */
    apiKey: ApiKeyInfo;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; `admin` keys may do everything. */
    scope?: ApiKeyScope;
  }
}

export interface AuthConfig {
  readonly keys: ApiKeyStore;
  /** Verified keys are remembered this long (0: ask Postgres every time). */
  readonly cacheMs: number;
  readonly redis?: Redis | Cluster;
  readonly keyPrefix: string;
  /** Requests per period per key. */
  readonly limit: number;
  readonly periodMs: number;
  readonly log: Logger;
  readonly now?: () => number;
}

/** An admin key may do everything; otherwise the key needs the route's own scope. */
function allows(key: ApiKeyInfo, scope: ApiKeyScope): boolean {
  return key.scopes.includes('admin') || key.scopes.includes(scope);
}

/**
 * Authenticates every route of the plugin it is added to: `Authorization: Bearer
 * hk_<id>_<secret>`, then the route's scope, then the key's request budget (GCRA in
 * Redis through packages/ratelimit, one policy per key) with `RateLimit-*` headers.
 * Runs on `onRequest`, before the body is read: an unauthenticated client cannot make
 * the API parse anything.
 */
export function addAuth(server: FastifyInstance, config: AuthConfig): void {
  const now = config.now ?? Date.now;
  // sha256 of the presented key → record: the cache never holds a key in clear.
  const cache = new Map<string, { key: ApiKeyInfo; until: number }>();
  const touched = new Map<string, number>();
  const limiter = config.redis
    ? new RateLimiter(config.redis, { keyPrefix: config.keyPrefix, failMode: 'open' })
    : undefined;
  const policy: RateLimitPolicy = {
    id: 'api-key',
    scope: 'tenant',
    limit: config.limit,
    periodMs: config.periodMs,
    // The whole period's budget may be spent at once, like a fixed window, but it
    // refills smoothly (GCRA) instead of all at the window's end.
    burst: config.limit,
    action: 'drop',
    bypassCritical: false,
  };
  const windowSeconds = Math.ceil(config.periodMs / 1000);

  async function verify(presented: string): Promise<ApiKeyInfo | undefined> {
    const digest = createHash('sha256').update(presented).digest('base64');
    const hit = cache.get(digest);
    if (hit && hit.until > now()) return hit.key;
    const key = await config.keys.verify(presented);
    if (key && config.cacheMs > 0) {
      if (cache.size > 10_000) cache.clear();
      cache.set(digest, { key, until: now() + config.cacheMs });
    }
    return key;
  }

  server.decorateRequest('apiKey', null as unknown as ApiKeyInfo);
  server.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!match) {
      void reply.header('www-authenticate', 'Bearer');
      return sendProblem(
        reply,
        problem(
          401,
          'HERALD_ERR_API_UNAUTHORIZED',
          'send "Authorization: Bearer hk_<id>_<secret>" with a key from `herald keys create`',
          [{ field: 'header/authorization', message: header ? 'not a Bearer token' : 'missing' }],
        ),
      );
    }
    const key = await verify(match[1]!);
    if (!key) {
      void reply.header('www-authenticate', 'Bearer error="invalid_token"');
      return sendProblem(
        reply,
        problem(401, 'HERALD_ERR_API_UNAUTHORIZED', 'the key is unknown, wrong or revoked', [
          { field: 'header/authorization', message: 'use a current key (herald keys list)' },
        ]),
      );
    }
    const scope = req.routeOptions.config.scope ?? 'admin';
    if (!allows(key, scope)) {
      return sendProblem(
        reply,
        problem(
          403,
          'HERALD_ERR_API_FORBIDDEN',
          `key ${key.prefix} has scopes ${key.scopes.join(', ')}; this route needs ${scope} (or admin)`,
        ),
      );
    }
    req.apiKey = key;
    if ((touched.get(key.id) ?? 0) < now() - 60_000) {
      touched.set(key.id, now());
      config.keys
        .touch(key.id)
        .catch((err: unknown) =>
          config.log.warn({ err, key: key.prefix }, 'last_used_at not updated'),
        );
    }
    if (!limiter) return;
    const decision = await limiter.check([{ policy, subject: key.id }]);
    void reply.header('ratelimit-policy', `${config.limit};w=${windowSeconds}`);
    void reply.header('ratelimit-limit', String(config.limit));
    if (decision.allowed) {
      if (decision.remaining !== undefined) {
        void reply.header('ratelimit-remaining', String(decision.remaining));
        void reply.header('ratelimit-reset', String(Math.ceil((decision.resetMs ?? 0) / 1000)));
      }
      return;
    }
    const retryAfter = Math.max(1, Math.ceil((decision.retryAt - now()) / 1000));
    void reply
      .header('ratelimit-remaining', '0')
      .header('ratelimit-reset', String(retryAfter))
      .header('retry-after', String(retryAfter));
    return sendProblem(
      reply,
      problem(
        429,
        'rate_limited',
        `key ${key.prefix} may make ${config.limit} requests per ${windowSeconds} s; retry in ${retryAfter} s`,
      ),
    );
  });
}
