import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { sql, type Kysely } from 'kysely';
import { createChannelRouter, type ChannelRouter } from '@herald/channels';
import {
  consumerGroups,
  delayTiers,
  once,
  runCleanups,
  topicNames,
  type ChannelName,
  type Logger,
} from '@herald/core';
import {
  BreakerRegistry,
  createRedisClient,
  defaultBreakerConfig,
  IdempotencyStore,
  publishBreakerStates,
  retryPoliciesWith,
  type BreakerSnapshot,
  type BreakerStatePublisher,
} from '@herald/delivery';
import {
  createKafkaClient,
  deliveryLaneTopicSpecs,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
  kafkaSecurity,
} from '@herald/kafka';
import { createDatabase, TemplateStore, type HeraldDatabase } from '@herald/store';
import {
  createHeraldMetrics,
  createLagCollector,
  startOpsServer,
  traceProcess,
  type HeraldMetrics,
  type LagCollector,
  type OpsServer,
} from '@herald/telemetry';
import { LiveTemplates, renderForJob } from '@herald/templates';
import { createDeliveryPipeline, type RateLimitPort } from './delivery-pipeline.js';
import type { WorkerEnv } from './env.js';
import { startRateLimiter, type RateLimiterHandle } from './rate-limiter.js';

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Circuit breaker states per endpoint (for metrics and `herald status`). */
  breakers(): BreakerSnapshot[];
  /** The metrics registry served on /metrics. */
  readonly metrics: HeraldMetrics;
  /** The ops server (/metrics, /healthz, /readyz) once started. */
  ops(): OpsServer | undefined;
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
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-worker`,
    logger,
  });
  const consumers: StageConsumer[] = [];
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'worker' } });
  // Breaker endpoints are `<provider>:<host>` (or the provider): the provider → channel map
  // labels their gauge.
  const channelOfProvider = new Map<string, string>();
  const breakerLabels = (endpoint: string) => {
    const provider = endpoint.split(':')[0]!;
    return { channel: channelOfProvider.get(provider) ?? 'unknown', provider, endpoint };
  };
  const breakers = new BreakerRegistry(
    { ...defaultBreakerConfig, ...env.HERALD_WORKER_BREAKER },
    () => now().getTime(),
    (endpoint, from, to) => {
      log.warn({ endpoint, from, to }, 'circuit breaker changed state');
      metrics.recordBreakerState(breakerLabels(endpoint), to);
    },
  );
  let router: ChannelRouter | undefined;
  let db: Kysely<HeraldDatabase> | undefined;
  let templates: LiveTemplates | undefined;
  let redis: Redis | undefined;
  let breakerStates: BreakerStatePublisher | undefined;
  let rateLimiter: RateLimiterHandle | undefined;
  let admin: ReturnType<typeof kafka.admin> | undefined;
  let lag: LagCollector | undefined;
  let ops: OpsServer | undefined;

  function laneHandler(pipeline: ReturnType<typeof createDeliveryPipeline>, groupId: string) {
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
        const chunk = await pipeline.prepare(records);
        const results = new Map<ConsumedRecord, OutputMessage[]>();
        const settled = await Promise.allSettled(
          [...lanes.values()].map((lane) =>
            limit(async () => {
              for (const record of lane) {
                const out = await traceProcess(
                  {
                    topic: record.topic,
                    partition: record.partition,
                    offset: record.offset,
                    group: groupId,
                    key: record.key,
                    headers: record.headers,
                  },
                  () => pipeline.processRecord(record, signal, chunk),
                );
                results.set(record, out);
              }
            }),
          ),
        );
        // Marks of the jobs sent, even when another job failed: the retried chunk must
        // find them sent, not send them again.
        await pipeline.finish(chunk);
        const failure = settled.find((s) => s.status === 'rejected');
        if (failure) throw (failure as PromiseRejectedResult).reason;
        return records.flatMap((r) => results.get(r)!);
      },
    };
  }

  const start = once(async () => {
    const channels = env.HERALD_WORKER_CHANNELS as readonly ChannelName[];
    // Throws HERALD_ERR_CHANNEL_CONFIG (every problem at once) before anything connects.
    router = createChannelRouter(env, channels, { logger: log, now });
    for (const warning of router.warnings) log.warn({ warning }, 'channel provider limitation');
    for (const [channel, provider] of router.providers)
      channelOfProvider.set(provider.name, channel);
    if (env.DATABASE_URL) {
      db = createDatabase({
        url: env.DATABASE_URL,
        poolSize: env.HERALD_DATABASE_POOL_SIZE,
        logger: log,
      });
      templates = new LiveTemplates({
        source: new TemplateStore(db),
        intervalMs: env.HERALD_TEMPLATES_POLL_MS,
        logger: log,
      });
      // A stored template that no longer compiles stops start-up.
      await templates.start();
    } else {
      log.warn({}, 'DATABASE_URL not set; jobs naming a template are dead-lettered');
    }
    let idempotency: IdempotencyStore | undefined;
    let limiter: RateLimitPort | undefined;
    if (env.REDIS_URL) {
      // Fails fast while Redis is away: the stage retries the chunk with backoff.
      redis = createRedisClient(env.REDIS_URL, {
        mode: 'stage',
        onError: (err) => log.warn({ err: err.message }, 'redis connection error'),
      });
      await redis.connect();
      // Breakers live in this process; `herald status` reads them from Redis.
      breakerStates = publishBreakerStates(redis, () => breakers.snapshot(), {
        keyPrefix: env.HERALD_TOPIC_PREFIX,
        worker: `${hostname()}:${process.pid}`,
        channels: env.HERALD_WORKER_CHANNELS,
        onError: (err) =>
          log.debug({ err }, 'breaker state publish failed; retrying at the next tick'),
      });
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
    const live = templates;
    const pipeline = createDeliveryPipeline({
      topics,
      channels: router,
      ...(live ? { render: (job) => renderForJob(live.registry, job, { now: now() }) } : {}),
      metrics,
      retryPolicies: retryPoliciesWith(env.HERALD_WORKER_RETRY_POLICIES ?? {}),
      breakers,
      ...(idempotency ? { idempotency } : {}),
      ...(limiter ? { rateLimiter: limiter } : {}),
      instanceId: randomBytes(6).toString('hex'),
      poisonMaxTries: env.HERALD_WORKER_POISON_MAX_TRIES,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      log,
      now,
      random,
    });
    const topicOptions = heraldTopicOptions(env);
    const specs = [
      ...heraldTopicSpecs(
        topics,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        topicOptions,
      ),
      ...deliveryLaneTopicSpecs(
        topics,
        channels,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        topicOptions,
      ),
    ];
    await ensureTopics(kafka, [...new Map(specs.map((s) => [s.topic, s])).values()]);
    const base = {
      kafka,
      logger: log,
      shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
      compression: env.HERALD_KAFKA_COMPRESSION,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      deadLetterTopic: topics.dlq,
    };
    const groups: { group: string; topics: string[] }[] = [];
    const stage = (groupId: string, laneTopics: string[]) => {
      groups.push({ group: groupId, topics: laneTopics });
      return {
        ...base,
        groupId,
        topics: laneTopics,
        handler: laneHandler(pipeline, groupId),
        chunkSize: env.HERALD_WORKER_CHUNK_SIZE,
        partitionsConsumedConcurrently: env.HERALD_WORKER_PARTITIONS_CONCURRENCY,
        minBytes: env.HERALD_KAFKA_FETCH_MIN_BYTES,
        maxWaitTimeMs: env.HERALD_KAFKA_FETCH_MAX_WAIT_MS,
      };
    };
    for (const channel of channels) {
      const tierDelay = new Map<string, number>(
        delayTiers.map((tier) => [topics.delayed(channel, tier), tier.ms]),
      );
      consumers.push(
        new StageConsumer(
          stage(consumerGroups.workerCritical(channel, env.HERALD_TOPIC_PREFIX), [
            topics.criticalDeliveries(channel),
          ]),
        ),
        new StageConsumer(
          stage(consumerGroups.worker(channel, env.HERALD_TOPIC_PREFIX), [
            topics.deliveries(channel),
          ]),
        ),
        new StageConsumer({
          ...stage(consumerGroups.workerDelayed(channel, env.HERALD_TOPIC_PREFIX), [
            ...tierDelay.keys(),
          ]),
          partitionsConsumedConcurrently: 6,
          // With every tier partition paused kafkajs sleeps this long before fetching again;
          // a due job is fetched at once (no minimum size).
          maxWaitTimeMs: 200,
          minBytes: 1,
          releaseAt: (topic, timestamp) => timestamp + (tierDelay.get(topic) ?? 0),
        }),
      );
    }
    // The ops server answers /healthz at once and /readyz 503 until every lane joined.
    admin = kafka.admin();
    await admin.connect();
    const adminClient = admin;
    const redisClient = redis;
    const database = db;
    ops = await startOpsServer({
      port: env.HERALD_METRICS_PORT,
      host: env.HERALD_METRICS_HOST,
      registry: metrics.registry,
      logger: log,
      checks: {
        kafka: () => adminClient.describeCluster(),
        consumerGroups: () => {
          const waiting = consumers.filter((c) => !c.joined).length;
          if (waiting > 0) throw new Error(`${waiting} of ${consumers.length} lanes not joined`);
        },
        ...(redisClient ? { redis: () => redisClient.ping() } : {}),
        ...(database ? { postgres: () => sql`select 1`.execute(database) } : {}),
      },
    });
    log.info({ url: ops.url }, 'ops server listening');
    await Promise.all(consumers.map((c) => c.start()));
    if (env.HERALD_LAG_INTERVAL_MS > 0) {
      lag = createLagCollector({
        admin: adminClient,
        metrics,
        logger: log,
        intervalMs: env.HERALD_LAG_INTERVAL_MS,
        groups,
        dlq: { topic: topics.dlq, replayGroup: `${env.HERALD_TOPIC_PREFIX}herald-dlq-replay` },
      });
      lag.start();
    }
  });

  const stop = once(async () => {
    await runCleanups([
      ...[...consumers].reverse().map((c) => () => c.stop()),
      () => lag?.stop(),
      () => ops?.stop(),
      () => admin?.disconnect(),
      () => rateLimiter?.stop(),
      () => breakerStates?.stop(),
      async () => {
        await redis?.quit().catch(() => redis?.disconnect());
      },
      () => templates?.stop(),
      () => router?.close(),
      () => db?.destroy(),
    ]);
  });

  return { start, stop, breakers: () => breakers.snapshot(), metrics, ops: () => ops };
}
