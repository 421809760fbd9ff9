import type { Kysely } from 'kysely';
import {
  consumerGroups,
  once,
  runCleanups,
  topicNames,
  type Logger,
  type StatusEvent,
} from '@herald/core';
import {
  createKafkaClient,
  ensureTopics,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/kafka';
import {
  createDatabase,
  ensureMonthlyPartitions,
  migrateToLatest,
  StatusEventStore,
  statusEventRow,
  type HeraldDatabase,
} from '@herald/store';
import type { AuditorEnv } from './env.js';

export interface Auditor {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function isStatusEvent(value: unknown): value is StatusEvent {
  const v = value as StatusEvent | null;
  return (
    typeof v?.id === 'string' &&
    typeof v.type === 'string' &&
    v.type.startsWith('herald.notification.') &&
    typeof v.data?.notificationId === 'string' &&
    typeof v.data.eventTime === 'string' &&
    !Number.isNaN(Date.parse(v.data.eventTime))
  );
}

/**
 * The auditor: consumes herald.status, writes each chunk as one idempotent multi-row
 * insert, and commits offsets only after the insert. While Postgres is down the
 * insert throws, the stage consumer retries with backoff and commits nothing, so
 * the auditor catches up when Postgres returns. A record that is not a status event
 * goes to herald.dlq with the reason instead of blocking the partition.
 */
export function buildAuditor(env: AuditorEnv, logger: Logger): Auditor {
  const log = logger.child({ component: 'auditor' });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-auditor`,
    logger,
  });
  let db: Kysely<HeraldDatabase> | undefined;
  let consumer: StageConsumer | undefined;
  let partitionTimer: NodeJS.Timeout | undefined;

  async function ensurePartitions(): Promise<void> {
    const created = await ensureMonthlyPartitions(
      db!,
      'status_events',
      new Date(),
      env.HERALD_PARTITIONS_AHEAD_MONTHS,
    );
    if (created > 0) log.info({ created }, 'partitions created');
  }

  async function handle(records: readonly ConsumedRecord[]): Promise<OutputMessage[]> {
    const store = statusStore!;
    const rows = [];
    const deadLetters: OutputMessage[] = [];
    for (const record of records) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(record.value?.toString() ?? 'null');
      } catch {
        parsed = undefined;
      }
      if (isStatusEvent(parsed)) {
        rows.push(statusEventRow(parsed));
      } else {
        log.warn(
          { topic: record.topic, partition: record.partition, offset: record.offset },
          'not a status event; dead-lettered',
        );
        deadLetters.push({
          topic: topics.dlq,
          key: record.key?.toString() ?? null,
          value: record.value ?? Buffer.alloc(0),
          headers: {
            'herald-dlq-reason':
              'not a Herald status event (herald.notification.* with data.notificationId and data.eventTime)',
            'herald-dlq-source-topic': record.topic,
            'herald-dlq-source-offset': `${record.partition}:${record.offset}`,
          },
        });
      }
    }
    await store.insert(rows);
    return deadLetters;
  }

  let statusStore: StatusEventStore | undefined;

  const start = once(async () => {
    db = createDatabase({
      url: env.DATABASE_URL,
      poolSize: env.HERALD_DATABASE_POOL_SIZE,
      logger: log,
    });
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    await ensurePartitions();
    partitionTimer = setInterval(() => {
      ensurePartitions().catch((err: unknown) =>
        log.warn({ err }, 'partition maintenance failed; will retry'),
      );
    }, DAY_MS);
    partitionTimer.unref();
    statusStore = new StatusEventStore(db);
    await ensureTopics(
      kafka,
      heraldTopicSpecs(topics, env.HERALD_TOPIC_PARTITIONS, env.HERALD_TOPIC_REPLICATION),
    );
    consumer = new StageConsumer({
      kafka,
      groupId: consumerGroups.auditor(env.HERALD_TOPIC_PREFIX),
      topics: [topics.status],
      handler: { handle },
      logger: log,
      chunkSize: env.HERALD_AUDITOR_BATCH_SIZE,
      shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
    });
    await consumer.start();
  });

  const stop = once(async () => {
    clearInterval(partitionTimer);
    await runCleanups([() => consumer?.stop(), () => db?.destroy()]);
  });

  return { start, stop };
}
