import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import { gcraParams, type PolicyHit, type RateLimitPolicy } from './rate-limit-policy.js';

export type RateLimitDecision =
  | {
      readonly allowed: true;
      readonly failedOpen?: boolean;
      /**
       * With exactly one policy checked: requests still allowed now (its burst left) and
       * ms until its budget is whole again. What `RateLimit-Remaining`/`-Reset` report.
       */
      readonly remaining?: number;
      readonly resetMs?: number;
    }
  | {
      readonly allowed: false;
      /** When to try again (ms since epoch, Redis server time; the caller's clock when Redis was away). */
      readonly retryAt: number;
      /** The policy that waits longest; absent when Redis was away and the mode is fail-closed. */
      readonly policy?: RateLimitPolicy;
      readonly reason: string;
    };

export interface RateLimiterConfig {
  /** Prepended to keys (the topic prefix). */
  readonly keyPrefix?: string;
  /**
   * The Cluster hash tag every key carries, so one script sees all of a job's limits.
   * One slot holds all rate-limit state: tens of thousands of checks/s, far above any
   * provider's limit (see docs/reliability.md).
   */
  readonly hashTag?: string;
  /** Redis unreachable: `open` admits, `closed` refuses for `failClosedRetryMs`. */
  readonly failMode: 'open' | 'closed';
  readonly failClosedRetryMs?: number;
  readonly now?: () => number;
  /** Told when Redis could not answer (the caller logs or counts it). */
  readonly onRedisError?: (err: unknown) => void;
}

type GcraRedis = (Redis | Cluster) & {
  heraldGcra(
    numKeys: number,
    ...args: (string | number)[]
  ): Promise<[number, number, number, number, number?]>;
};

/**
 * Checks a job's policies in one atomic Lua script (GCRA, Redis server time). All or
 * nothing: a refusal by any policy spends nothing from the others.
 *
 * @example
 * const limiter = new RateLimiter(redis, { failMode: 'open' });
 * const d = await limiter.check(policiesFor(policies, job, 'twilio'));
 * if (!d.allowed) defer(job, d.retryAt);
 */
export class RateLimiter {
  readonly #redis: GcraRedis;
  readonly #config: RateLimiterConfig;

  constructor(redis: Redis | Cluster, config: RateLimiterConfig) {
    redis.defineCommand('heraldGcra', {
      lua: readFileSync(new URL('../lua/gcra-N.lua', import.meta.url), 'utf8'),
    });
    this.#redis = redis as GcraRedis;
    this.#config = config;
  }

  key(hit: PolicyHit): string {
    const tag = this.#config.hashTag ?? 'herald-rl';
    return `${this.#config.keyPrefix ?? ''}herald:rl:{${tag}}:${hit.policy.id}:${hit.subject}`;
  }

  async check(hits: readonly PolicyHit[]): Promise<RateLimitDecision> {
    if (hits.length === 0) return { allowed: true };
    const params = hits.map((h) => gcraParams(h.policy));
    let result: [number, number, number, number, number?];
    try {
      result = await this.#redis.heraldGcra(
        hits.length,
        ...hits.map((h) => this.key(h)),
        ...params.map((p) => p.intervalMs),
        ...params.map((p) => p.toleranceMs),
      );
    } catch (err) {
      this.#config.onRedisError?.(err);
      if (this.#config.failMode === 'open') return { allowed: true, failedOpen: true };
      const now = (this.#config.now ?? Date.now)();
      return {
        allowed: false,
        retryAt: now + (this.#config.failClosedRetryMs ?? 5_000),
        reason: 'rate limiter unavailable (fail closed)',
      };
    }
    const [allowed, waitMs, index, serverNow, ahead] = result;
    if (allowed === 1) {
      if (hits.length !== 1 || ahead === undefined) return { allowed: true };
      // Budget left = burst − (TAT − now) / interval: GCRA's TAT is how far ahead the
      // subject has spent, in intervals.
      const { intervalMs } = params[0]!;
      const burst = Math.max(1, hits[0]!.policy.burst);
      return {
        allowed: true,
        remaining: Math.max(0, Math.floor(burst - ahead / intervalMs + 1e-9)),
        resetMs: ahead,
      };
    }
    const policy = hits[index - 1]!.policy;
    return {
      allowed: false,
      retryAt: serverNow + waitMs,
      policy,
      reason: `rate limit ${policy.id} (${policy.limit} per ${policy.periodMs} ms per ${policy.scope})`,
    };
  }
}
