import { z } from 'zod';
import { channelsEnv } from '@herald/channels';
import {
  channelNames,
  consumerEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  redisEnv,
  databaseEnv,
  flag,
  millis,
  parseEnv,
  HeraldError,
  type EnvSource,
} from '@herald/core';
import { telemetryEnv } from '@herald/telemetry';

/** Channels this build can send; the others are refused at start-up, not on the first job. */
export const supportedChannels = [
  'email',
  'sms',
  'push',
  'slack',
  'discord',
  'teams',
  'telegram',
  'mattermost',
  'googlechat',
  'pagerduty',
  'webhook',
  'inapp',
] as const;

/** A JSON object setting, e.g. {"webhook": {"maxAttempts": 5}}. */
const jsonObject = (example: string) =>
  z.string().transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected JSON such as ${example}` });
      return z.NEVER;
    }
  });

const retryOverride = z
  .object({
    maxAttempts: z.number().int().min(1).max(100),
    maxAgeMs: z.number().int().positive(),
    baseDelayMs: z.number().int().positive(),
    maxDelayMs: z.number().int().positive(),
    minDelayMs: z.number().int().nonnegative(),
    retryAfterMaxMs: z.number().int().positive(),
  })
  .partial()
  .strict();

const shape = {
  ...kafkaEnv(),
  // A fetch answers as soon as one job is there (under load chunks fill by themselves);
  // the delay lanes fetch on their own terms.
  ...consumerEnv({ minBytes: 1, maxWaitMs: 100 }),
  ...logEnv(),
  ...lifecycleEnv(),
  ...telemetryEnv(),
  // Every provider's settings, HERALD_WEBHOOK_SECRETS(_FILE), _TIMEOUT_MS and
  // _ALLOW_PRIVATE_NETWORKS included; *_FILE secrets are read by createChannelRouter, once.
  ...channelsEnv(),
  /** Comma-separated channels this process serves (or `--channel X` on the command line). */
  HERALD_WORKER_CHANNELS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(channelNames))
        .min(1)
        .refine((list) => list.every((c) => (supportedChannels as readonly string[]).includes(c)), {
          message: `this build sends through: ${supportedChannels.join(', ')}`,
        }),
    )
    .default(['webhook']),
  /** Jobs in flight at once per process (different recipients; one recipient's jobs stay in order). */
  HERALD_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  /**
   * Most jobs handled as one chunk: its leases are taken in one Redis round trip, its
   * outputs produced together, and its offsets committed once its slowest job is done.
   * Smaller chunks lower latency under load; larger ones cost less per job.
   */
  HERALD_WORKER_CHUNK_SIZE: z.coerce.number().int().min(1).max(5000).default(500),
  /** Partitions of a lane whose chunks are handled at once (they share HERALD_WORKER_CONCURRENCY). */
  HERALD_WORKER_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(3),
  /** Idempotency marks and rate limits; without it a redelivered job may be sent twice. */
  REDIS_URL: redisEnv().REDIS_URL.optional(),
  /**
   * Templates (hot reloaded) and rate-limit policies. Without it the worker sends
   * template-less jobs only (webhook, PagerDuty payloads); a job naming a template is
   * dead-lettered with HERALD_ERR_TEMPLATE_NOT_FOUND, and no rate limits apply.
   */
  DATABASE_URL: databaseEnv().DATABASE_URL.optional(),
  HERALD_DATABASE_POOL_SIZE: databaseEnv().HERALD_DATABASE_POOL_SIZE,
  /** How often to look for template changes (hot reload). */
  HERALD_TEMPLATES_POLL_MS: millis(10_000),
  /** Retry policy overrides per channel: {"webhook": {"maxAttempts": 5, "baseDelayMs": 1000}}. */
  HERALD_WORKER_RETRY_POLICIES: jsonObject('{"webhook":{"maxAttempts":5}}')
    .pipe(z.partialRecord(z.enum(channelNames), retryOverride))
    .optional(),
  /** Circuit breaker per endpoint: {"windowMs":30000,"minRequests":20,"failureRatio":0.5,"openMs":30000,"halfOpenProbes":1}. */
  HERALD_WORKER_BREAKER: jsonObject('{"minRequests":20,"failureRatio":0.5}')
    .pipe(
      z
        .object({
          windowMs: z.number().int().positive(),
          minRequests: z.number().int().min(1),
          failureRatio: z.number().gt(0).max(1),
          openMs: z.number().int().positive(),
          halfOpenProbes: z.number().int().min(1),
        })
        .partial()
        .strict(),
    )
    .optional(),
  /**
   * Publish the legacy `sending` record beside each outcome, for consumers that still
   * read it. Off: an attempt publishes its outcome only (`sent`, `retrying`,
   * `dead_lettered`), which carries the attempt's start in `attemptStartedAt`.
   */
  HERALD_WORKER_SENDING_STATUS: flag(false),
  /** Tries before a job that crashes the handler is dead-lettered as poison. */
  HERALD_WORKER_POISON_MAX_TRIES: z.coerce.number().int().min(1).max(100).default(3),
  /** How long an idempotency lease protects an in-flight send (longer than any provider timeout). */
  HERALD_IDEMPOTENCY_LEASE_MS: millis(60_000),
  /** How long a sent mark lives: well beyond the longest retry horizon (24 h). */
  HERALD_IDEMPOTENCY_TTL_MS: millis(7 * 24 * 3_600_000),
  /**
   * Replicas a lease or sent mark must reach before the worker goes on (Redis WAIT):
   * unset means 1 on a Redis Cluster (a primary killed after a write must not lose it)
   * and 0 on a single Redis (which may have no replica to wait for).
   */
  HERALD_IDEMPOTENCY_WAIT_REPLICAS: z.coerce.number().int().min(0).max(5).optional(),
  /** Longest wait for those replicas; past it the worker goes on (a shard that lost its replica keeps working). */
  HERALD_IDEMPOTENCY_WAIT_MS: millis(100),
  /** How often due digests are looked for and sent (issue 16); 0 turns this worker's flusher off. */
  HERALD_WORKER_DIGEST_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1_000),
  /** How long a flusher holds a digest it claimed; one killed mid-flush delays it this long. */
  HERALD_WORKER_DIGEST_LEASE_MS: millis(60_000),
  /** When Redis cannot answer a rate-limit check: `open` sends anyway, `closed` defers the job. */
  HERALD_RATELIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  /** How often rate-limit policies are re-read from Postgres. */
  HERALD_RATELIMIT_REFRESH_MS: millis(30_000),
};

export type WorkerEnv = ReturnType<typeof parseWorkerEnv>;

/**
 * Parses and freezes the worker's settings. Provider credentials stay `Secret`
 * values; `createChannelRouter` reads their `*_FILE` forms and checks them at start-up.
 */
export function parseWorkerEnv(source: EnvSource) {
  const env = parseEnv(shape, source);
  // The inbox is Postgres (the messages) and Redis (live fan-out): refused at start-up,
  // not on the first in-app job.
  if (env.HERALD_WORKER_CHANNELS.includes('inapp')) {
    const missing = (['DATABASE_URL', 'REDIS_URL'] as const).filter((name) => !env[name]);
    if (missing.length > 0) {
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
        `HERALD_WORKER_CHANNELS includes inapp, which needs ${missing.join(' and ')} (the inbox is stored in Postgres and published over Redis)`,
      ]);
    }
  }
  return env;
}
