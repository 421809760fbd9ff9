import { sql } from 'kysely';
import { channelNames, consumerGroups, topicNames, type Logger } from '@herald/core';
import {
  connectAdmin,
  createKafkaClient,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpec,
  heraldTopicSpecs,
  kafkaSecurity,
  StageConsumer,
} from '@herald/kafka';
import { createRouting } from '@herald/routing';
import { appLifecycle } from '@herald/runtime';
import { CancelStore } from '@herald/store';
import type { RouterEnv } from './env.js';
import { routerResources } from './router-ports.js';
import {
  createRouterMetrics,
  openProcessSpan,
  routingMetrics,
  startRouterOps,
  type RouterOps,
} from './router-telemetry.js';

export interface Router {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a dependency was away longer than HERALD_DEPENDENCY_OUTAGE_MS (runMain exits 1). */
  readonly failed: Promise<Error>;
  /** Checks for a newer applied rule set now (postgres source); for tests and admin hooks. */
  reloadRules(): Promise<void>;
  /** Reads the silences from Postgres now (they are polled every HERALD_SILENCES_POLL_MS). */
  reloadSilences(): Promise<void>;
  /** The applied rule set version in use; 0 for a file or none yet. */
  rulesVersion(): number;
  /** `http://host:port` of /metrics, /healthz, /readyz once started (HERALD_METRICS_PORT=0 picks one). */
  opsUrl(): string | undefined;
}

export interface RouterOptions {
  readonly now?: () => Date;
}

/**
 * The router app: consumes herald.events and hands each chunk to the routing
 * algorithm (`createRouting` in @herald/routing: decode, dedupe, match, resolve
 * recipients, plan, outputs), which publishes jobs to herald.deliveries.<channel>,
 * statuses to herald.status and undecodable events to herald.events.rejected. This
 * file is wiring: settings to ports, and the resources started in order and stopped
 * in reverse.
 */
export function buildRouter(env: RouterEnv, logger: Logger, options: RouterOptions = {}): Router {
  const log = logger.child({ component: 'router' });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const groupId = consumerGroups.router(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-router`,
    logger,
  });
  const { metrics, counters } = createRouterMetrics();
  const now = options.now ?? (() => new Date());
  const { db, rules, recipients, dedupe, silences, inhibition, schemas, decoder } = routerResources(
    env,
    counters,
    log,
    now,
  );
  const routing = createRouting(
    {
      topicPrefix: env.HERALD_TOPIC_PREFIX,
      defaultTenant: env.HERALD_DEFAULT_TENANT,
      eventDedupeWindowMs: env.HERALD_EVENT_DEDUPE_WINDOW_MS,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    },
    {
      decoder,
      rules,
      dedupe,
      recipients,
      silences,
      inhibition,
      // Rules' `cancel.on` marks (issue 16), in the same database as the recipients.
      ...(db === undefined ? {} : { cancels: new CancelStore(db) }),
      metrics: routingMetrics(counters),
      tracing: { open: (record) => openProcessSpan(record, groupId) },
      logger: log,
      now,
    },
  );
  let consumer: StageConsumer | undefined;
  let ops: RouterOps | undefined;

  const { start, stop, failed } = appLifecycle(async (life) => {
    // The pool connects on first use (the rule store, the recipient cache): closed last.
    if (db !== undefined) life.defer(() => db.destroy());
    await life.use(
      () => rules.start(),
      () => rules.stop(),
    );
    if (dedupe === undefined)
      log.warn({}, 'REDIS_URL not set: events and rule dedupe keys are not deduplicated');
    else
      await life.use(
        () => dedupe.start(),
        () => dedupe.stop(),
      );
    if (recipients === undefined)
      log.warn({}, 'DATABASE_URL not set: recipient ids resolve to nobody (unknown_recipient)');
    if (silences !== undefined)
      await life.use(
        () => silences.start(),
        () => silences.stop(),
      );
    if (inhibition !== undefined)
      await life.use(
        () => inhibition.start(),
        () => inhibition.stop(),
      );
    const topicOptions = heraldTopicOptions(env);
    const partitions = env.HERALD_TOPIC_PARTITIONS;
    const replication = env.HERALD_TOPIC_REPLICATION;
    await ensureTopics(kafka, [
      ...heraldTopicSpecs(topics, partitions, replication, topicOptions),
      // The priority lanes the router publishes to; workers create the rest of each channel's lanes.
      ...channelNames.map((c) =>
        heraldTopicSpec(
          topics.criticalDeliveries(c),
          topics,
          partitions,
          replication,
          topicOptions,
        ),
      ),
    ]);
    const admin = await life.use(
      () => connectAdmin(kafka),
      (client) => client.disconnect(),
    );
    // Before the consumer joins: /healthz answers and /readyz says 503 while it joins.
    ops = await life.use(
      () =>
        startRouterOps({
          port: env.HERALD_METRICS_PORT,
          host: env.HERALD_METRICS_HOST,
          lagIntervalMs: env.HERALD_LAG_INTERVAL_MS,
          metrics,
          admin,
          group: groupId,
          topic: topics.events,
          logger: log,
          checks: {
            kafka: () => admin.describeCluster(),
            consumerGroup: () => {
              if (consumer?.joined !== true) throw new Error('consumer has not joined its group');
            },
            ...(db === undefined ? {} : { postgres: () => sql`select 1`.execute(db) }),
            ...(dedupe === undefined ? {} : { redis: () => dedupe.ping() }),
            ...(schemas === undefined ? {} : { schemaRegistry: () => schemas.ping() }),
          },
        }),
      (server) => server.stop(),
    );
    consumer = new StageConsumer({
      kafka,
      groupId,
      topics: [topics.events],
      handler: { handle: (records) => routing.handle(records) },
      logger: log,
      shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
      compression: env.HERALD_KAFKA_COMPRESSION,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      deadLetterTopic: topics.dlq,
      minBytes: env.HERALD_KAFKA_FETCH_MIN_BYTES,
      maxWaitTimeMs: env.HERALD_KAFKA_FETCH_MAX_WAIT_MS,
      commitIntervalMs: env.HERALD_KAFKA_COMMIT_INTERVAL_MS,
      outageLimitMs: env.HERALD_DEPENDENCY_OUTAGE_MS,
      onOutage: (err) => life.fail(err),
    });
    // Registered before it connects: a half-started consumer is still stopped.
    const stage = consumer;
    life.defer(() => stage.stop());
    await stage.start();
  });

  return {
    start,
    stop,
    failed,
    reloadRules: () => rules.refresh(),
    reloadSilences: async () => silences?.refresh(),
    rulesVersion: () => rules.version,
    opsUrl: () => ops?.url,
  };
}
