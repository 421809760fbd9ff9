import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createChannelRouter } from '@herald/channels';
import { AuditQueries } from '@herald/store';
import { topicNames, type ChannelName, type Logger } from '@herald/core';
import {
  BreakerRegistry,
  createDeliveryPipeline,
  defaultBreakerConfig,
  retryPoliciesWith,
  type BreakerSnapshot,
} from '@herald/delivery';
import { connectAdmin, createKafkaClient, kafkaSecurity } from '@herald/kafka';
import { appLifecycle } from '@herald/runtime';
import {
  createHeraldMetrics,
  createLagCollector,
  startOpsServer,
  type HeraldMetrics,
  type OpsServer,
} from '@herald/telemetry';
import { renderForJob } from '@herald/templates';
import { startInbox } from './inbox.js';
import type { WorkerEnv } from './env.js';
import { ensureLaneTopics, laneConsumers } from './lanes.js';
import { metricsPort, recordSizePort, tracingPort } from './pipeline-ports.js';
import { addressStatesOf, startRedis, startTemplates } from './stores.js';
import { startDigestFlusher, workflowPort } from './workflow.js';

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a dependency was away longer than HERALD_DEPENDENCY_OUTAGE_MS (runMain exits 1). */
  readonly failed: Promise<Error>;
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

  // The inapp provider exists before its stores connect (the router checks every
  // channel first); it is bound to the inbox once Postgres and Redis are up.
  const inbox = startInbox(env, channels, now);

  const { start, stop, failed } = appLifecycle(async (life) => {
    // Throws HERALD_ERR_CHANNEL_CONFIG (every problem at once) before anything connects.
    const router = await life.use(
      () => createChannelRouter(env, channels, { logger: log, now, providers: inbox.providers }),
      (r) => r.close(),
    );
    for (const warning of router.warnings) log.warn({ warning }, 'channel provider limitation');
    for (const [channel, chain] of router.chains)
      for (const provider of chain) channelOfProvider.set(provider.name, channel);
    const store = await startTemplates(life, env, log);
    const redis = await startRedis(life, env, log, breakers);
    inbox.bind(store?.db, redis?.redis);
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
      ...(store ? { receipts: new AuditQueries(store.db) } : {}),
      ...(store ? { addressStates: addressStatesOf(store.db, log, now) } : {}),
      ...(store ? { workflow: workflowPort(store.db, now) } : {}),
      sendingStatus: env.HERALD_WORKER_SENDING_STATUS,
      instanceId: randomBytes(6).toString('hex'),
      poisonMaxTries: env.HERALD_WORKER_POISON_MAX_TRIES,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      recordSize: recordSizePort(env.HERALD_KAFKA_MAX_RECORD_BYTES),
      log,
      now,
      random,
    });
    const lanes = { env, kafka, topics, channels, log, onOutage: (err: Error) => life.fail(err) };
    await ensureLaneTopics(lanes);
    const { consumers, groups } = laneConsumers(lanes, pipeline);
    // The ops server answers /healthz at once and /readyz 503 until every lane joined.
    const admin = await life.use(
      () => connectAdmin(kafka),
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
    if (database)
      await startDigestFlusher(life, { env, db: database, kafka, topics, channels, log, now });
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

  return { start, stop, failed, breakers: () => breakers.snapshot(), metrics, ops: () => ops };
}
