import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'kysely';
import { createChannelRouter } from '@herald/channels';
import {
  consumerGroups,
  delayTiers,
  topicNames,
  type ChannelName,
  type Logger,
} from '@herald/core';
import {
  BreakerRegistry,
  createChunkHandler,
  createDeliveryPipeline,
  createRedisClient,
  defaultBreakerConfig,
  IdempotencyStore,
  publishBreakerStates,
  retryPoliciesWith,
  type BreakerSnapshot,
  type DeliveryPipeline,
} from '@herald/delivery';
import {
  createKafkaClient,
  deliveryLaneTopicSpecs,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpecs,
  StageConsumer,
  kafkaSecurity,
} from '@herald/kafka';
import { appLifecycle, type Lifecycle } from '@herald/runtime';
import { createDatabase, TemplateStore } from '@herald/store';
import {
  createHeraldMetrics,
  createLagCollector,
  startOpsServer,
  traceProcess,
  type HeraldMetrics,
  type OpsServer,
} from '@herald/telemetry';
import { LiveTemplates, renderForJob } from '@herald/templates';
import type { WorkerEnv } from './env.js';
import { metricsPort, recordSizePort, tracingPort } from './pipeline-ports.js';
import { startRateLimiter } from './rate-limiter.js';

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
 * Every job goes through the delivery pipeline of `@herald/delivery` (idempotency lease,
 * rate limit, circuit breaker, send, then a sent mark, a retry or a dead letter) and
 * publishes one status event per state change. Offsets commit only once the outputs are
 * acknowledged. Jobs for one recipient (one Kafka key) are handled in order within a lane.
 * This file is wiring: settings → adapters → ports, and their lifecycle.
 */
export function buildWorker(env: WorkerEnv, logger: Logger, options: WorkerOptions = {}): Worker {
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const log = logger.child({ component: 'worker', channels: env.HERALD_WORKER_CHANNELS });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const channels = env.HERALD_WORKER_CHANNELS as readonly ChannelName[];
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-worker`,
    logger,
  });
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
  // Read by `ops()`; everything else lives in the start-up function below.
  let ops: OpsServer | undefined;

  /** Postgres and the live templates, when DATABASE_URL is set. */
  async function startTemplates(life: Lifecycle) {
    if (!env.DATABASE_URL) {
      log.warn({}, 'DATABASE_URL not set; jobs naming a template are dead-lettered');
      return undefined;
    }
    const url = env.DATABASE_URL;
    const db = await life.use(
      () => createDatabase({ url, poolSize: env.HERALD_DATABASE_POOL_SIZE, logger: log }),
      (database) => database.destroy(),
    );
    const templates = new LiveTemplates({
      source: new TemplateStore(db),
      intervalMs: env.HERALD_TEMPLATES_POLL_MS,
      logger: log,
    });
    // Registered before it loads: a stored template that no longer compiles stops
    // start-up, and what it started is still stopped.
    life.defer(() => templates.stop());
    await templates.start();
    return { db, templates };
  }

  /** Redis, its breaker-state publisher, the idempotency store and the rate limiter, when REDIS_URL is set. */
  async function startRedis(life: Lifecycle) {
    if (!env.REDIS_URL) {
      log.warn({}, 'REDIS_URL not set; no idempotency marks, a redelivered job may be sent twice');
      return undefined;
    }
    // Fails fast while Redis is away: the stage retries the chunk with backoff.
    const redis = createRedisClient(env.REDIS_URL, {
      mode: 'stage',
      onError: (err) => log.warn({ err: err.message }, 'redis connection error'),
    });
    life.defer(async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
    await redis.connect();
    // Breakers live in this process; `herald status` reads them from Redis.
    await life.use(
      () =>
        publishBreakerStates(redis, () => breakers.snapshot(), {
          keyPrefix: env.HERALD_TOPIC_PREFIX,
          worker: `${hostname()}:${process.pid}`,
          channels: env.HERALD_WORKER_CHANNELS,
          onError: (err) =>
            log.debug({ err }, 'breaker state publish failed; retrying at the next tick'),
        }),
      (publisher) => publisher.stop(),
    );
    const idempotency = new IdempotencyStore(redis, {
      keyPrefix: env.HERALD_TOPIC_PREFIX,
      leaseMs: env.HERALD_IDEMPOTENCY_LEASE_MS,
      ttlMs: env.HERALD_IDEMPOTENCY_TTL_MS,
    });
    if (!env.DATABASE_URL) {
      log.warn({}, 'DATABASE_URL not set; no rate-limit policies apply');
      return { redis, idempotency };
    }
    const rateLimiter = await life.use(
      () => startRateLimiter(env, redis, log),
      (limiter) => limiter.stop(),
    );
    return { redis, idempotency, rateLimiter };
  }

  /** The three lanes of every channel, each a StageConsumer over the pipeline. */
  function laneConsumers(pipeline: DeliveryPipeline) {
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
        handler: createChunkHandler(pipeline, {
          concurrency: env.HERALD_WORKER_CONCURRENCY,
          around: (record, run) =>
            traceProcess(
              {
                topic: record.topic,
                partition: record.partition,
                offset: record.offset,
                group: groupId,
                key: record.key,
                headers: record.headers,
              },
              run,
            ),
        }),
        chunkSize: env.HERALD_WORKER_CHUNK_SIZE,
        partitionsConsumedConcurrently: env.HERALD_WORKER_PARTITIONS_CONCURRENCY,
        minBytes: env.HERALD_KAFKA_FETCH_MIN_BYTES,
        maxWaitTimeMs: env.HERALD_KAFKA_FETCH_MAX_WAIT_MS,
      };
    };
    const consumers: StageConsumer[] = [];
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
    return { consumers, groups };
  }

  async function ensureLaneTopics() {
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
  }

  const { start, stop } = appLifecycle(async (life) => {
    // Throws HERALD_ERR_CHANNEL_CONFIG (every problem at once) before anything connects.
    const router = await life.use(
      () => createChannelRouter(env, channels, { logger: log, now }),
      (r) => r.close(),
    );
    for (const warning of router.warnings) log.warn({ warning }, 'channel provider limitation');
    for (const [channel, provider] of router.providers)
      channelOfProvider.set(provider.name, channel);
    const store = await startTemplates(life);
    const redis = await startRedis(life);
    const live = store?.templates;
    const pipeline = createDeliveryPipeline({
      topics,
      channels: router,
      ...(live ? { render: (job) => renderForJob(live.registry, job, { now: now() }) } : {}),
      metrics: metricsPort(metrics),
      tracing: tracingPort,
      retryPolicies: retryPoliciesWith(env.HERALD_WORKER_RETRY_POLICIES ?? {}),
      breakers,
      ...(redis ? { idempotency: redis.idempotency } : {}),
      ...(redis?.rateLimiter ? { rateLimiter: redis.rateLimiter } : {}),
      instanceId: randomBytes(6).toString('hex'),
      poisonMaxTries: env.HERALD_WORKER_POISON_MAX_TRIES,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      recordSize: recordSizePort(env.HERALD_KAFKA_MAX_RECORD_BYTES),
      log,
      now,
      random,
    });
    await ensureLaneTopics();
    const { consumers, groups } = laneConsumers(pipeline);
    // The ops server answers /healthz at once and /readyz 503 until every lane joined.
    const admin = await life.use(
      async () => {
        const client = kafka.admin();
        await client.connect();
        return client;
      },
      (client) => client.disconnect(),
    );
    const redisClient = redis?.redis;
    const database = store?.db;
    ops = await life.use(
      () =>
        startOpsServer({
          port: env.HERALD_METRICS_PORT,
          host: env.HERALD_METRICS_HOST,
          registry: metrics.registry,
          logger: log,
          checks: {
            kafka: () => admin.describeCluster(),
            consumerGroups: () => {
              const waiting = consumers.filter((c) => !c.joined).length;
              if (waiting > 0)
                throw new Error(`${waiting} of ${consumers.length} lanes not joined`);
            },
            ...(redisClient ? { redis: () => redisClient.ping() } : {}),
            ...(database ? { postgres: () => sql`select 1`.execute(database) } : {}),
          },
        }),
      (server) => server.stop(),
    );
    log.info({ url: ops.url }, 'ops server listening');
    // Registered before they connect (stopped in reverse): a half-started lane is still stopped.
    for (const consumer of consumers) life.defer(() => consumer.stop());
    await Promise.all(consumers.map((c) => c.start()));
    if (env.HERALD_LAG_INTERVAL_MS > 0) {
      await life.use(
        () => {
          const lag = createLagCollector({
            admin,
            metrics,
            logger: log,
            intervalMs: env.HERALD_LAG_INTERVAL_MS,
            groups,
            dlq: { topic: topics.dlq, replayGroup: `${env.HERALD_TOPIC_PREFIX}herald-dlq-replay` },
          });
          lag.start();
          return lag;
        },
        (lag) => lag.stop(),
      );
    }
  });

  return { start, stop, breakers: () => breakers.snapshot(), metrics, ops: () => ops };
}
