import { sql, type Kysely } from 'kysely';
import { consumerGroups, topicNames, type Logger, type StatusEvent } from '@herald/core';
import {
  connectAdmin,
  createKafkaClient,
  ensureTopics,
  fitOrReference,
  heraldTopicOptions,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
  kafkaSecurity,
} from '@herald/kafka';
import {
  AuditStore,
  auditTables,
  createDatabase,
  dropExpiredPartitions,
  ensureMonthlyPartitions,
  migrateToLatest,
  type HeraldDatabase,
} from '@herald/store';
import { inboxTables } from '@herald/inbox';
import { createLagCollector, startOpsServer, type OpsServer } from '@herald/telemetry';
import { appLifecycle } from '@herald/runtime';
import type { AuditorEnv } from './env.js';
import { createAuditorMetrics, traceChunk, traceWrite } from './auditor-telemetry.js';
import { decodeStatusEvent } from './status-decoder.js';

export interface Auditor {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a dependency was away longer than HERALD_DEPENDENCY_OUTAGE_MS (runMain exits 1). */
  readonly failed: Promise<Error>;
  /** Creates partitions ahead and applies retention now (also runs at start-up and on a schedule). */
  maintain(now?: Date): Promise<{ created: number; dropped: string[] }>;
  /** The ops server's address once started (`/metrics`, `/healthz`, `/readyz`). */
  readonly opsUrl: string;
}

/**
 * The auditor: consumes herald.status and writes each chunk into the audit
 * projections (status_events, notifications, delivery_attempts, events) in one
 * idempotent transaction, committing offsets only after it. While Postgres is down
 * the write throws, the stage consumer retries with backoff and commits nothing, so
 * the auditor catches up when Postgres returns. A record that is not a status event
 * goes to herald.dlq with the reason instead of blocking the partition.
 */
export interface AuditorOptions {
  /** The clock partition maintenance runs on; tests pin it so they pass on any date. */
  now?: () => Date;
}

export function buildAuditor(
  env: AuditorEnv,
  logger: Logger,
  options: AuditorOptions = {},
): Auditor {
  const clock = options.now ?? (() => new Date());
  const log = logger.child({ component: 'auditor' });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-auditor`,
    logger,
  });
  let db: Kysely<HeraldDatabase> | undefined;
  let store: AuditStore | undefined;
  let consumer: StageConsumer | undefined;
  let ops: OpsServer | undefined;
  const group = consumerGroups.auditor(env.HERALD_TOPIC_PREFIX);
  const telemetry = createAuditorMetrics();
  const { counters } = telemetry;

  async function maintain(now = clock()): Promise<{ created: number; dropped: string[] }> {
    let created = 0;
    const dropped: string[] = [];
    try {
      // The inbox's messages are partitioned the same way; the auditor, which already
      // owns partition upkeep and migrations, keeps them too, on their own retention.
      const tables = [
        ...auditTables.map((table) => [table, env.HERALD_AUDIT_RETENTION_MONTHS] as const),
        ...inboxTables.map((table) => [table, env.HERALD_INBOX_RETENTION_MONTHS] as const),
      ];
      for (const [table, keepMonths] of tables) {
        created += await ensureMonthlyPartitions(
          db!,
          table,
          now,
          env.HERALD_PARTITIONS_AHEAD_MONTHS,
        );
        if (keepMonths > 0) {
          dropped.push(...(await dropExpiredPartitions(db!, table, keepMonths, now)));
        }
      }
    } catch (err) {
      counters.maintenanceRuns.inc({ result: 'error' });
      throw err;
    } finally {
      counters.partitionsCreated.inc(created);
      counters.partitionsDropped.inc(dropped.length);
    }
    counters.maintenanceRuns.inc({ result: 'ok' });
    if (created > 0) log.info({ created }, 'partitions created');
    if (dropped.length > 0) log.info({ dropped }, 'expired partitions detached and dropped');
    return { created, dropped };
  }

  async function handle(records: readonly ConsumedRecord[]): Promise<OutputMessage[]> {
    const events: StatusEvent[] = [];
    const traceparents = new Map<ConsumedRecord, string>();
    const deadLetters: OutputMessage[] = [];
    for (const record of records) {
      const decoded = decodeStatusEvent(record.value);
      if (decoded.ok) {
        events.push(decoded.event);
        if (decoded.event.traceparent) traceparents.set(record, decoded.event.traceparent);
        continue;
      }
      log.warn(
        { topic: record.topic, partition: record.partition, offset: record.offset },
        'not a status event; dead-lettered',
      );
      const copy: OutputMessage = {
        topic: topics.dlq,
        key: record.key?.toString() ?? null,
        value: record.value ?? Buffer.alloc(0),
        headers: {
          'herald-dlq-reason': decoded.reason.slice(0, 1_000),
          'herald-dlq-source-topic': record.topic,
          'herald-dlq-source-offset': `${record.partition}:${record.offset}`,
        },
      };
      // The copy must fit the record limit too (a status just under it plus these
      // headers does not): then it is a reference to the source record, saying so.
      deadLetters.push(fitOrReference(copy, env.HERALD_KAFKA_MAX_RECORD_BYTES, 'herald-dlq'));
    }
    await traceChunk(
      records,
      group,
      (r) => traceparents.get(r),
      () =>
        telemetry.metrics.timeAuditorWrite(events.length, () =>
          traceWrite(events.length, async () => {
            const written = await store!.write(events);
            telemetry.recordChunk(
              events.map((e) => e.data.state),
              written,
              deadLetters.length,
            );
          }),
        ),
    );
    return deadLetters;
  }

  const { start, stop, failed } = appLifecycle(async (life) => {
    // The ops server first: /healthz answers during migrations, /readyz fails until
    // the consumer joined its group and Postgres answers. It stops last.
    ops = await life.use(
      () =>
        startOpsServer({
          port: env.HERALD_METRICS_PORT,
          host: env.HERALD_METRICS_HOST,
          registry: telemetry.metrics.registry,
          logger: log,
          checks: {
            consumerGroup: () => {
              if (!consumer?.joined) throw new Error('consumer has not joined its group');
            },
            postgres: () => sql`select 1`.execute(db!),
          },
        }),
      (server) => server.stop(),
    );
    db = await life.use(
      () =>
        createDatabase({
          url: env.DATABASE_URL,
          poolSize: env.HERALD_DATABASE_POOL_SIZE,
          logger: log,
        }),
      (database) => database.destroy(),
    );
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    await maintain();
    const maintenanceTimer = setInterval(() => {
      maintain().catch((err: unknown) =>
        log.warn({ err }, 'partition maintenance failed; will retry'),
      );
    }, env.HERALD_AUDITOR_MAINTENANCE_INTERVAL_MS);
    maintenanceTimer.unref();
    life.defer(() => clearInterval(maintenanceTimer));
    store = new AuditStore(db);
    await ensureTopics(
      kafka,
      heraldTopicSpecs(
        topics,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        heraldTopicOptions(env),
      ),
    );
    consumer = await life.use(
      async () => {
        const stage = new StageConsumer({
          kafka,
          groupId: group,
          topics: [topics.status],
          handler: { handle },
          logger: log,
          chunkSize: env.HERALD_AUDITOR_BATCH_SIZE,
          partitionsConsumedConcurrently: env.HERALD_AUDITOR_CONCURRENCY,
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
        life.defer(() => stage.stop());
        await stage.start();
        return stage;
      },
      () => undefined,
    );
    const admin = await life.use(
      () => connectAdmin(kafka),
      (client) => client.disconnect(),
    );
    await life.use(
      () => {
        const collector = createLagCollector({
          admin,
          metrics: telemetry.metrics,
          logger: log,
          intervalMs: env.HERALD_LAG_INTERVAL_MS,
          groups: [{ group, topics: [topics.status] }],
        });
        collector.start();
        return collector;
      },
      (collector) => collector.stop(),
    );
  });

  return {
    start,
    stop,
    failed,
    maintain: (now) => maintain(now),
    get opsUrl() {
      return ops?.url ?? '';
    },
  };
}
