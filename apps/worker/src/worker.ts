import pLimit from 'p-limit';
import { createWebhookProvider, type WebhookProvider } from '@herald/channels';
import {
  consumerGroups,
  decodeDeliveryJob,
  once,
  runCleanups,
  statusEventFor,
  topicNames,
  type DeliveryJob,
  type DeliveryProvider,
  type Logger,
  type StatusDetails,
} from '@herald/core';
import {
  createKafkaClient,
  ensureTopics,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/kafka';
import type { WorkerEnv } from './env.js';

export interface Worker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  /** Clock, for status timestamps. */
  readonly now?: () => Date;
}

const SOURCE = 'herald/worker';

/**
 * A channel worker: consumes herald.deliveries.<channel> for each configured channel,
 * sends every job through the channel's provider and publishes one status event per
 * outcome (`sent`, or `failed` with the provider's classification). Offsets commit
 * only once the status events are acknowledged. Jobs for one recipient (one Kafka
 * key) are sent in order; different recipients are sent concurrently.
 */
export function buildWorker(env: WorkerEnv, logger: Logger, options: WorkerOptions = {}): Worker {
  const now = options.now ?? (() => new Date());
  const log = logger.child({ component: 'worker', channels: env.HERALD_WORKER_CHANNELS });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-worker`,
    logger,
  });
  const limit = pLimit(env.HERALD_WORKER_CONCURRENCY);
  const providers = new Map<string, DeliveryProvider>();
  const consumers: StageConsumer[] = [];
  let webhook: WebhookProvider | undefined;

  function statusMessage(
    job: DeliveryJob,
    state: 'sent' | 'failed',
    details: StatusDetails,
    headers: ConsumedRecord['headers'],
  ): OutputMessage {
    const event = statusEventFor(job, state, SOURCE, now(), details);
    const traceparent = headers.traceparent?.toString();
    return {
      topic: topics.status,
      key: job.notificationId,
      value: Buffer.from(JSON.stringify(event)),
      headers: {
        'content-type': 'application/cloudevents+json; charset=UTF-8',
        ...(traceparent ? { traceparent } : {}),
      },
    };
  }

  async function deliver(record: ConsumedRecord, signal: AbortSignal): Promise<OutputMessage> {
    let job: DeliveryJob;
    try {
      job = decodeDeliveryJob(record.value);
    } catch (err) {
      log.warn(
        { err, topic: record.topic, partition: record.partition, offset: record.offset },
        'malformed job; dead-lettered',
      );
      return {
        topic: topics.dlq,
        key: record.key?.toString() ?? null,
        value: record.value ?? Buffer.alloc(0),
        headers: {
          'herald-dlq-reason': (err as Error).message,
          'herald-dlq-source-topic': record.topic,
          'herald-dlq-source-offset': `${record.partition}:${record.offset}`,
        },
      };
    }
    const jobLog = log.child({ notificationId: job.notificationId, tenantId: job.tenant });
    const provider = providers.get(job.channel);
    if (!provider) {
      return statusMessage(
        job,
        'failed',
        { reason: `no provider for channel ${job.channel} in this worker`, retryable: false },
        record.headers,
      );
    }
    const outcome = await provider.send(job, undefined, signal);
    if (outcome.status === 'sent') {
      jobLog.debug({ provider: provider.name }, 'sent');
      return statusMessage(job, 'sent', { provider: outcome.provider }, record.headers);
    }
    jobLog.info(
      { provider: provider.name, reason: outcome.reason, permanent: outcome.permanent },
      'send failed',
    );
    return statusMessage(
      job,
      'failed',
      {
        reason: outcome.reason,
        retryable: !outcome.permanent,
        ...(outcome.provider ? { provider: outcome.provider } : {}),
      },
      record.headers,
    );
  }

  async function handle(
    records: readonly ConsumedRecord[],
    signal: AbortSignal,
  ): Promise<OutputMessage[]> {
    // One lane per key keeps a recipient's messages in order; lanes run concurrently.
    const lanes = new Map<string, ConsumedRecord[]>();
    for (const record of records) {
      const key = record.key?.toString() ?? `offset:${record.offset}`;
      lanes.set(key, [...(lanes.get(key) ?? []), record]);
    }
    const results = new Map<ConsumedRecord, OutputMessage>();
    await Promise.all(
      [...lanes.values()].map((lane) =>
        limit(async () => {
          for (const record of lane) results.set(record, await deliver(record, signal));
        }),
      ),
    );
    return records.map((r) => results.get(r)!);
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
    await ensureTopics(
      kafka,
      heraldTopicSpecs(topics, env.HERALD_TOPIC_PARTITIONS, env.HERALD_TOPIC_REPLICATION),
    );
    for (const channel of env.HERALD_WORKER_CHANNELS) {
      const consumer = new StageConsumer({
        kafka,
        groupId: consumerGroups.worker(channel, env.HERALD_TOPIC_PREFIX),
        topics: [topics.deliveries(channel)],
        handler: { handle },
        logger: log,
        shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
      });
      consumers.push(consumer);
      await consumer.start();
    }
  });

  const stop = once(async () => {
    await runCleanups([...consumers.reverse().map((c) => () => c.stop()), () => webhook?.close()]);
  });

  return { start, stop };
}
