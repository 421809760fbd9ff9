import { readFile } from 'node:fs/promises';
import {
  consumerGroups,
  decodeCloudEvent,
  once,
  runCleanups,
  statusEventFor,
  topicNames,
  type CloudEvent,
  type Logger,
} from '@herald/core';
import {
  createKafkaClient,
  ensureTopics,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
} from '@herald/kafka';
import { loadRules, planDeliveries, type RuleSet } from '@herald/rules';
import type { RouterEnv } from './env.js';

export interface Router {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RouterOptions {
  readonly now?: () => Date;
}

const SOURCE = 'herald/router';

function headerStrings(headers: ConsumedRecord['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return out;
}

/**
 * The router: consumes herald.events, decodes each CloudEvent, matches it against
 * the rule set and publishes one delivery job per (rule, recipient, channel) to
 * herald.deliveries.<channel> (keyed by recipient, so one recipient's messages stay
 * in order) with a `queued` status event for each. An event that cannot be decoded
 * goes to herald.events.rejected unchanged, with the reason in headers.
 */
export function buildRouter(env: RouterEnv, logger: Logger, options: RouterOptions = {}): Router {
  const now = options.now ?? (() => new Date());
  const log = logger.child({ component: 'router' });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-router`,
    logger,
  });
  let rules: RuleSet | undefined;
  let consumer: StageConsumer | undefined;

  function reject(record: ConsumedRecord, code: string, reason: string): OutputMessage {
    log.info(
      { code, reason, partition: record.partition, offset: record.offset },
      'event rejected',
    );
    return {
      topic: topics.rejected,
      key: record.key?.toString() ?? null,
      value: record.value ?? Buffer.alloc(0),
      headers: {
        ...headerStrings(record.headers),
        'herald-reject-code': code,
        'herald-reject-reason': reason,
        'herald-source-topic': record.topic,
        'herald-source-offset': `${record.partition}:${record.offset}`,
      },
    };
  }

  function route(record: ConsumedRecord): OutputMessage[] {
    const decoded = decodeCloudEvent(record);
    if (!decoded.ok) return [reject(record, decoded.error.code, decoded.error.message)];
    const producedAt = new Date(record.timestamp).toISOString();
    // The event's own time when it has one; else when Kafka got it. Stable across
    // redeliveries, so every hop derives the same ids and partitions from it.
    const event: CloudEvent = decoded.event.time
      ? decoded.event
      : { ...decoded.event, time: producedAt };
    const at = now();
    const plan = planDeliveries(event, rules!.match(event, at), {
      now: at,
      producedAt,
      defaultTenant: env.HERALD_DEFAULT_TENANT,
    });
    const traceparent = record.headers.traceparent?.toString();
    const headers = traceparent ? { traceparent } : undefined;
    const outputs: OutputMessage[] = [];
    for (const job of plan.jobs) {
      outputs.push({
        topic: topics.deliveries(job.channel),
        key: job.recipient.ref,
        value: Buffer.from(JSON.stringify(job)),
        ...(headers ? { headers } : {}),
      });
      outputs.push({
        topic: topics.status,
        key: job.notificationId,
        value: Buffer.from(JSON.stringify(statusEventFor(job, 'queued', SOURCE, at))),
        ...(headers ? { headers } : {}),
      });
    }
    for (const s of plan.suppressed) {
      log.info(
        {
          eventId: event.id,
          rule: s.rule,
          channel: s.channel,
          recipient: s.recipientRef,
          reason: s.reason,
        },
        'delivery suppressed',
      );
    }
    if (plan.jobs.length === 0 && plan.suppressed.length === 0)
      log.debug({ eventId: event.id, type: event.type }, 'no rule matched');
    return outputs;
  }

  const start = once(async () => {
    const source = await readFile(env.HERALD_RULES_FILE, 'utf8');
    rules = loadRules(source, env.HERALD_RULES_FILE);
    log.info({ file: env.HERALD_RULES_FILE, rules: rules.rules.length }, 'rules loaded');
    await ensureTopics(
      kafka,
      heraldTopicSpecs(topics, env.HERALD_TOPIC_PARTITIONS, env.HERALD_TOPIC_REPLICATION),
    );
    consumer = new StageConsumer({
      kafka,
      groupId: consumerGroups.router(env.HERALD_TOPIC_PREFIX),
      topics: [topics.events],
      handler: { handle: async (records) => records.flatMap(route) },
      logger: log,
      shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
    });
    await consumer.start();
  });

  const stop = once(() => runCleanups([() => consumer?.stop()]));

  return { start, stop };
}
