import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { createWebhookProvider, type WebhookProvider } from '@herald/channels';
import {
  consumerGroups,
  delayTiers,
  once,
  runCleanups,
  topicNames,
  type ChannelName,
  type DeliveryProvider,
  type Logger,
} from '@herald/core';
import {
  BreakerRegistry,
  defaultBreakerConfig,
  IdempotencyStore,
  retryPoliciesWith,
  type BreakerSnapshot,
} from '@herald/delivery';
import {
  createKafkaClient,
  deliveryLaneTopicSpecs,
  ensureTopics,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/kafka';
import { createDeliveryPipeline, type RateLimitPort } from './delivery-pipeline.js';
import type { WorkerEnv } from './env.js';
import { startRateLimiter, type RateLimiterHandle } from './rate-limiter.js';

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Circuit breaker states per endpoint (for metrics and `herald status`). */
  breakers(): BreakerSnapshot[];
}

export interface WorkerOptions {
  /** Clock, for status timestamps, backoff and breakers. */
  readonly now?: () => Date;
  /** Uniform random source in [0, 1), for backoff jitter. */
  readonly random?: () => number;
}

/**
 * A channel worker. For each configured channel it consumes three lanes, each with
 * its own consumer group and concurrency, so none waits for another:
 * - `herald.deliveries.<channel>.critical`: critical and high priority jobs;
 * - `herald.deliveries.<channel>`: everything else;
 * - `herald.deliveries.<channel>.delay-<tier>`: retries and jobs waiting for a time
 *   (quiet hours, an open circuit, a rate limit), released when due.
 * Every job goes through the delivery pipeline (idempotency lease, rate limit, circuit
 * breaker, send, then a sent mark, a retry or a dead letter) and publishes one status
 * event per state change. Offsets commit only once the outputs are acknowledged.
 * Jobs for one recipient (one Kafka key) are handled in order within a lane.
 */
export function buildWorker(env: WorkerEnv, logger: Logger, options: WorkerOptions = {}): Worker {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log = logger.child({ component: 'worker', channels: env.HERALD_WORKER_CHANNELS });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-worker`,
    logger,
  });
  const providers = new Map<string, DeliveryProvider>();
  const consumers: StageConsumer[] = [];
  const breakers = new BreakerRegistry(
    { ...defaultBreakerConfig, ...env.HERALD_WORKER_BREAKER },
    () => now().getTime(),
    (endpoint, from, to) => log.warn({ endpoint, from, to }, 'circuit breaker changed state'),
  );
  let webhook: WebhookProvider | undefined;
  let redis: Redis | undefined;
  let rateLimiter: RateLimiterHandle | undefined;

  function laneHandler(pipeline: ReturnType<typeof createDeliveryPipeline>) {
    const limit = pLimit(env.HERALD_WORKER_CONCURRENCY);
    return {
      async handle(records: readonly ConsumedRecord[], signal: AbortSignal) {
        // One lane per key keeps a recipient's messages in order; lanes run concurrently.
        const lanes = new Map<string, ConsumedRecord[]>();
        for (const record of records) {
          const key = record.key?.toString() ?? `offset:${record.offset}`;
          const lane = lanes.get(key);
          if (lane) lane.push(record);
          else lanes.set(key, [record]);
        }
        const results = new Map<ConsumedRecord, OutputMessage[]>();
        const settled = await Promise.allSettled(
          [...lanes.values()].map((lane) =>
            limit(async () => {
              for (const record of lane)
                results.set(record, await pipeline.processRecord(record, signal));
            }),
          ),
        );
        const failure = settled.find((s) => s.status === 'rejected');
        if (failure) throw (failure as PromiseRejectedResult).reason;
        return records.flatMap((r) => results.get(r)!);
      },
    };
  }

  const start = once(async () => {
    if (env.HERALD_WORKER_CHANNELS.includes('webhook')) {
      const secrets = env.HERALD_WEBHOOK_SECRETS ?? {};
      if (Object.keys(secrets).length === 0)
        log.warn({}, 'no webhook secrets configured; jobs naming a secret will fail');
      webhook = createWebhookProvider({
        secrets,
        timeoutMs: env.HERALD_WEBHOOK_TIMEOUT_MS,
        allowPrivateNetworks: env.HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      });
      providers.set('webhook', webhook);
    }
    let idempotency: IdempotencyStore | undefined;
    let limiter: RateLimitPort | undefined;
    if (env.REDIS_URL) {
      redis = new Redis(env.REDIS_URL, {
        lazyConnect: true,
        // Fail fast while Redis is away: the stage retries the chunk with backoff.
        maxRetriesPerRequest: 1,
        enableOfflineQueue: false,
        connectTimeout: 5_000,
      });
      redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
      await redis.connect();
      idempotency = new IdempotencyStore(redis, {
        keyPrefix: env.HERALD_TOPIC_PREFIX,
        leaseMs: env.HERALD_IDEMPOTENCY_LEASE_MS,
        ttlMs: env.HERALD_IDEMPOTENCY_TTL_MS,
      });
      if (env.DATABASE_URL) {
        rateLimiter = await startRateLimiter(env, redis, log);
        limiter = rateLimiter;
      } else log.warn({}, 'DATABASE_URL not set; no rate-limit policies apply');
    } else {
      log.warn({}, 'REDIS_URL not set; no idempotency marks, a redelivered job may be sent twice');
    }
    const pipeline = createDeliveryPipeline({
      topics,
      providers,
      retryPolicies: retryPoliciesWith(env.HERALD_WORKER_RETRY_POLICIES ?? {}),
      breakers,
      ...(idempotency ? { idempotency } : {}),
      ...(limiter ? { rateLimiter: limiter } : {}),
      instanceId: randomBytes(6).toString('hex'),
      poisonMaxTries: env.HERALD_WORKER_POISON_MAX_TRIES,
      log,
      now,
      random,
    });
    const channels = env.HERALD_WORKER_CHANNELS as readonly ChannelName[];
    const specs = [
      ...heraldTopicSpecs(topics, env.HERALD_TOPIC_PARTITIONS, env.HERALD_TOPIC_REPLICATION),
      ...deliveryLaneTopicSpecs(
        topics,
        channels,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
      ),
    ];
    await ensureTopics(kafka, [...new Map(specs.map((s) => [s.topic, s])).values()]);
    const base = { kafka, logger: log, shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS };
    for (const channel of channels) {
      const tierDelay = new Map<string, number>(
        delayTiers.map((tier) => [topics.delayed(channel, tier), tier.ms]),
      );
      consumers.push(
        new StageConsumer({
          ...base,
          groupId: consumerGroups.workerCritical(channel, env.HERALD_TOPIC_PREFIX),
          topics: [topics.criticalDeliveries(channel)],
          handler: laneHandler(pipeline),
        }),
        new StageConsumer({
          ...base,
          groupId: consumerGroups.worker(channel, env.HERALD_TOPIC_PREFIX),
          topics: [topics.deliveries(channel)],
          handler: laneHandler(pipeline),
        }),
        new StageConsumer({
          ...base,
          groupId: consumerGroups.workerDelayed(channel, env.HERALD_TOPIC_PREFIX),
          topics: [...tierDelay.keys()],
          handler: laneHandler(pipeline),
          partitionsConsumedConcurrently: 6,
          // With every tier partition paused kafkajs sleeps this long before fetching again.
          maxWaitTimeMs: 200,
          releaseAt: (topic, timestamp) => timestamp + (tierDelay.get(topic) ?? 0),
        }),
      );
    }
    await Promise.all(consumers.map((c) => c.start()));
  });

  const stop = once(async () => {
    await runCleanups([
      ...[...consumers].reverse().map((c) => () => c.stop()),
      () => rateLimiter?.stop(),
      async () => {
        await redis?.quit().catch(() => redis?.disconnect());
      },
      () => webhook?.close(),
    ]);
  });

  return { start, stop, breakers: () => breakers.snapshot() };
}
