import { isChannelName, type DeliveryJob, type Logger } from '@herald/core';
import { policiesFor, RateLimiter, type RateLimitPolicy } from '@herald/ratelimit';
import { createDatabase, RateLimitPolicyStore } from '@herald/store';
import type { RedisClient } from '@herald/delivery';
import type { RateLimitPort, RateVerdict } from '@herald/delivery';
import type { WorkerEnv } from './env.js';

export interface RateLimiterHandle extends RateLimitPort {
  stop(): Promise<void>;
}

/**
 * The worker's rate limiter: policies from Postgres (re-read every
 * HERALD_RATELIMIT_REFRESH_MS; a failed refresh keeps the last good set), checked in
 * Redis. Redis unreachable → HERALD_RATELIMIT_FAIL_MODE.
 */
export async function startRateLimiter(
  env: WorkerEnv,
  redis: RedisClient,
  log: Logger,
): Promise<RateLimiterHandle> {
  const db = createDatabase({ url: env.DATABASE_URL!, poolSize: 2, logger: log });
  const store = new RateLimitPolicyStore(db);
  let policies: RateLimitPolicy[] = [];
  const load = async () => {
    const rows = await store.list({ enabledOnly: true });
    policies = rows.map((r) => ({
      id: r.id,
      scope: r.scope,
      limit: r.limit,
      periodMs: r.periodMs,
      burst: r.burst,
      action: r.action,
      bypassCritical: r.bypassCritical,
      tenant: r.tenant ?? undefined,
      channel: r.channel !== null && isChannelName(r.channel) ? r.channel : undefined,
      provider: r.provider ?? undefined,
    }));
  };
  try {
    await load();
    log.info({ policies: policies.length }, 'rate-limit policies loaded');
  } catch (err) {
    log.warn({ err }, 'rate-limit policies could not be read; retrying in the background');
  }
  const timer = setInterval(() => {
    load().catch((err: unknown) => log.warn({ err }, 'rate-limit policy refresh failed'));
  }, env.HERALD_RATELIMIT_REFRESH_MS);
  timer.unref();
  const limiter = new RateLimiter(redis, {
    keyPrefix: env.HERALD_TOPIC_PREFIX,
    failMode: env.HERALD_RATELIMIT_FAIL_MODE,
    onRedisError: (err) =>
      log.warn(
        { err, failMode: env.HERALD_RATELIMIT_FAIL_MODE },
        'rate limiter could not reach redis',
      ),
  });
  return {
    check(job: DeliveryJob, providerName: string): RateVerdict | Promise<RateVerdict> {
      const applicable = policiesFor(policies, job, providerName);
      // No policy for this job (the common case): allowed without asking Redis, and
      // without a promise for the pipeline to wait on.
      if (applicable.length === 0) return allow(job, providerName, applicable);
      return decide(job, providerName, applicable);
    },
    async stop() {
      clearInterval(timer);
      await db.destroy();
    },
  };

  /** Allowed: a bypass when critical jobs skip policies that would apply to a high one. */
  function allow(
    job: DeliveryJob,
    providerName: string,
    applicable: ReturnType<typeof policiesFor>,
  ): RateVerdict {
    if (job.priority !== 'critical') return allowed;
    const asHigh = policiesFor(policies, { ...job, priority: 'high' }, providerName);
    return asHigh.length > applicable.length ? bypassed : allowed;
  }

  async function decide(
    job: DeliveryJob,
    providerName: string,
    applicable: ReturnType<typeof policiesFor>,
  ): Promise<RateVerdict> {
    const decision = await limiter.check(applicable);
    if (decision.allowed) return allow(job, providerName, applicable);
    if (decision.policy?.action === 'drop') return { action: 'drop', reason: decision.reason };
    return { action: 'defer', until: decision.retryAt, reason: decision.reason };
  }
}

const allowed: RateVerdict = Object.freeze({ action: 'allow' });
const bypassed: RateVerdict = Object.freeze({ action: 'allow', bypassed: true });
