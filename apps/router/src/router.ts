import { sql } from 'kysely';
import {
  channelNames,
  consumerGroups,
  deliveryKey,
  deliveryTopicFor,
  deterministicId,
  HeraldError,
  once,
  runCleanups,
  statusEventFor,
  statusEventFromData,
  statusMessage,
  topicNames,
  type CloudEvent,
  type Logger,
  type StatusEvent,
} from '@herald/core';
import {
  checkRecordSize,
  createKafkaClient,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpec,
  heraldTopicSpecs,
  StageConsumer,
  type ConsumedRecord,
  type OutputMessage,
  kafkaSecurity,
} from '@herald/kafka';
import {
  planDeliveries,
  recipientRefs,
  suppressMatch,
  type EvalErrorReport,
  type RuleMatch,
  type Suppression,
} from '@herald/rules';
import { createRedisClient, RedisDedupe } from '@herald/delivery';
import { createEventDecoder, RegistrySchemaSource } from '@herald/schema-registry';
import { createDatabase, RecipientStore, RuleStore } from '@herald/store';
import type { RouterEnv } from './env.js';
import { LiveRules } from './live-rules.js';
import { rejectedRecord } from './rejected-record.js';
import { recipientCache } from './recipient-cache.js';
import { eventClaim, matchClaims } from './dedupe-claims.js';
import {
  createRouterMetrics,
  openProcessSpan,
  startRouterOps,
  type ProcessSpan,
  type RouterOps,
} from './router-telemetry.js';

export interface Router {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Checks for a newer applied rule set now (postgres source); for tests and admin hooks. */
  reloadRules(): Promise<void>;
  /** The applied rule set version in use; 0 for a file or none yet. */
  rulesVersion(): number;
  /** `http://host:port` of /metrics, /healthz, /readyz once started (HERALD_METRICS_PORT=0 picks one). */
  opsUrl(): string | undefined;
}

export interface RouterOptions {
  readonly now?: () => Date;
}

const SOURCE = 'herald/router';

/** A decoded event of the chunk and what is known about it so far. */
interface Routed {
  readonly record: ConsumedRecord;
  readonly event: CloudEvent;
  readonly producedAt: string;
  /** The router span's trace context, for every output of the event. */
  readonly headers: Record<string, string> | undefined;
  duplicate: boolean;
  matches: RuleMatch[];
  /** Tenant of each matched rule's jobs, by rule id (also for matches dropped later). */
  tenants: Map<string, string>;
  dropped: Suppression[];
}

/**
 * The router: consumes herald.events, decodes each CloudEvent, drops an event id
 * already seen within the dedupe window (`duplicate_event`), matches the rules,
 * drops matches whose rule dedupe key is set (`dedupe_window`), loads the
 * recipients the matches name into a cache, and publishes one delivery job per
 * (rule, recipient, channel) to herald.deliveries.<channel> (keyed by recipient)
 * with a `queued` status — or `deferred` (quiet hours, with `notBefore`). Every
 * candidate not planned gets a `suppressed` status with its reason. An event that
 * cannot be decoded goes to herald.events.rejected unchanged, reason in headers.
 */
export function buildRouter(env: RouterEnv, logger: Logger, options: RouterOptions = {}): Router {
  const now = options.now ?? (() => new Date());
  const log = logger.child({ component: 'router' });
  const topics = topicNames(env.HERALD_TOPIC_PREFIX);
  const defaultTenant = env.HERALD_DEFAULT_TENANT;
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    security: kafkaSecurity(env),
    clientId: `${env.HERALD_KAFKA_CLIENT_ID}-router`,
    logger,
  });
  const db =
    env.DATABASE_URL === undefined
      ? undefined
      : createDatabase({ url: env.DATABASE_URL, poolSize: env.HERALD_DATABASE_POOL_SIZE, logger });
  const groupId = consumerGroups.router(env.HERALD_TOPIC_PREFIX);
  const { metrics, counters } = createRouterMetrics();
  const onEvalError = (report: EvalErrorReport): void => {
    counters.ruleEvaluationErrors.inc({ rule: report.ruleId, field: report.field });
    log.debug({ ...report }, 'rule expression failed: counted as no match');
  };
  const rules = new LiveRules(
    env.HERALD_RULES_SOURCE === 'postgres'
      ? { kind: 'postgres', store: new RuleStore(db!), pollMs: env.HERALD_RULES_POLL_MS }
      : { kind: 'file', file: env.HERALD_RULES_FILE! },
    { onEvalError, defaultTenant },
    log,
  );
  const recipients = db === undefined ? undefined : recipientCache(new RecipientStore(db), env);
  const dedupe =
    env.REDIS_URL === undefined
      ? undefined
      : new RedisDedupe(
          createRedisClient(env.REDIS_URL, {
            mode: 'stage',
            commandTimeoutMs: env.HERALD_REDIS_TIMEOUT_MS,
          }),
          log,
        );
  const schemas =
    env.HERALD_SCHEMA_REGISTRY_URL === undefined
      ? undefined
      : new RegistrySchemaSource({
          url: env.HERALD_SCHEMA_REGISTRY_URL,
          username: env.HERALD_SCHEMA_REGISTRY_USERNAME,
          password: env.HERALD_SCHEMA_REGISTRY_PASSWORD,
          timeoutMs: env.HERALD_SCHEMA_REGISTRY_TIMEOUT_MS,
        });
  // JSON events as before; wire-format ones through the registry (throws: registry down).
  const decoder = createEventDecoder(schemas);
  let consumer: StageConsumer | undefined;
  let admin: ReturnType<typeof kafka.admin> | undefined;
  let ops: RouterOps | undefined;

  function reject(
    record: ConsumedRecord,
    code: string,
    reason: string,
    trace: Record<string, string> | undefined,
  ): OutputMessage {
    metrics.m.eventsRejected.inc({ reason: code });
    log.info(
      { code, reason, partition: record.partition, offset: record.offset },
      'event rejected',
    );
    return rejectedRecord(record, {
      topic: topics.rejected,
      code,
      reason,
      trace,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    });
  }

  /**
   * An event whose outputs include one over the record limit is rejected whole
   * (`HERALD_ERR_EVENT_TOO_LARGE`) instead of being partly routed: the broker would
   * refuse that record on every try and hold the partition for ever.
   */
  function tooLarge(item: Routed, outputs: readonly OutputMessage[]): OutputMessage | undefined {
    const max = env.HERALD_KAFKA_MAX_RECORD_BYTES;
    for (const output of outputs) {
      const { fits, bytes } = checkRecordSize(output, max);
      if (fits) continue;
      const what = output.topic === topics.status ? 'status' : 'delivery job';
      const reason = new HeraldError('HERALD_ERR_EVENT_TOO_LARGE', [
        `its ${what} for ${output.topic} would be ${bytes} bytes, over the ${max}-byte record limit (HERALD_KAFKA_MAX_RECORD_BYTES)`,
      ]);
      return reject(item.record, reason.code, reason.message, item.headers);
    }
    return undefined;
  }

  function statusOutput(status: StatusEvent, item: Routed): OutputMessage {
    return { topic: topics.status, ...statusMessage(status, item.headers) };
  }

  /** A `suppressed` status for a candidate that has no job (attempt 1, as a job's would be). */
  function suppressedStatus(item: Routed, s: Suppression, tenantOf: Map<string, string>, at: Date) {
    const { event } = item;
    const status = statusEventFromData(
      {
        notificationId:
          s.notificationId ??
          (s.reason === 'duplicate_event'
            ? deterministicId(event.id, s.rule.id, s.recipientRef, s.channel, s.reason)
            : deterministicId(event.id, s.rule.id, s.recipientRef, s.channel)),
        state: 'suppressed',
        // A refusal with a registry code (an invalid address) records the code and what
        // is wrong, and says it is final; other suppressions are a plain reason.
        ...(s.code === undefined
          ? { reason: s.reason }
          : { reason: `${s.reason}: ${s.detail ?? s.code}`, retryable: false }),
        tenant: tenantOf.get(s.rule.id) ?? defaultTenant,
        eventId: event.id,
        eventType: event.type,
        // Routed events always have a time (their own, else the Kafka timestamp).
        eventTime: event.time ?? item.producedAt,
        rule: s.rule,
        channel: s.channel,
        recipientRef: s.recipientRef,
        attempt: 1,
        occurredAt: at.toISOString(),
        producedAt: item.producedAt,
      },
      SOURCE,
    );
    counters.suppressed.inc({ channel: s.channel, reason: s.reason });
    log.info(
      {
        eventId: event.id,
        rule: s.rule,
        channel: s.channel,
        recipient: s.recipientRef,
        reason: s.reason,
        detail: s.detail,
      },
      'delivery suppressed',
    );
    return statusOutput(status, item);
  }

  function tenantsOf(event: CloudEvent, matches: readonly RuleMatch[]): Map<string, string> {
    const own =
      typeof event.tenantid === 'string' && event.tenantid !== '' ? event.tenantid : undefined;
    return new Map(matches.map((m) => [m.rule.id, own ?? m.rule.tenant ?? defaultTenant]));
  }

  /** One `process` span per record, open while the chunk is handled. */
  async function handle(records: readonly ConsumedRecord[]): Promise<OutputMessage[]> {
    const spans = records.map((record) => openProcessSpan(record, groupId));
    try {
      const outputs = await handleChunk(records, spans);
      for (const span of spans) span.end();
      return outputs;
    } catch (err) {
      for (const span of spans) span.end(err);
      throw err;
    }
  }

  async function handleChunk(
    records: readonly ConsumedRecord[],
    spans: readonly ProcessSpan[],
  ): Promise<OutputMessage[]> {
    const outputs: OutputMessage[] = [];
    const ruleSet = rules.current; // one set for the whole chunk
    const at = now();
    const items: Routed[] = [];
    // Before anything is counted or published: a registry that is down fails the whole
    // chunk, which StageConsumer retries, so nothing is rejected or lost meanwhile.
    const results = await decoder.decode(records);
    records.forEach((record, n) => {
      const span = spans[n]!;
      const decoded = results[n]!;
      metrics.m.eventsConsumed.inc({ mode: decoded.ok ? decoded.mode : modeOf(record) });
      if (!decoded.ok) {
        outputs.push(reject(record, decoded.error.code, decoded.error.message, span.headers));
        return;
      }
      span.setEventId(decoded.event.id);
      const producedAt = new Date(record.timestamp).toISOString();
      items.push({
        record,
        // The event's own time when it has one; else when Kafka got it. Stable across
        // redeliveries, so every hop derives the same ids and partitions from it.
        event: decoded.event.time ? decoded.event : { ...decoded.event, time: producedAt },
        producedAt,
        headers: span.headers,
        duplicate: false,
        matches: [],
        tenants: new Map(),
        dropped: [],
      });
    });
    if (dedupe !== undefined) {
      const granted = await dedupe.claim(
        items.map((i) => ({
          ...eventClaim(env.HERALD_TOPIC_PREFIX, i.event, i.record),
          windowMs: env.HERALD_EVENT_DEDUPE_WINDOW_MS,
        })),
      );
      items.forEach((item, n) => (item.duplicate = !granted[n]));
    }
    const marked: { item: Routed; match: RuleMatch }[] = [];
    for (const item of items) {
      item.matches = ruleSet.match(item.event, at);
      for (const m of item.matches) metrics.m.rulesMatched.inc({ rule: m.rule.id });
      item.tenants = tenantsOf(item.event, item.matches);
      if (item.duplicate) {
        log.info(
          { eventId: item.event.id, source: item.event.source, reason: 'duplicate_event' },
          'event already routed within the dedupe window',
        );
        item.dropped = item.matches.flatMap((m) =>
          suppressMatch(m, 'duplicate_event', 'event id seen within the dedupe window'),
        );
        item.matches = [];
        continue;
      }
      for (const match of item.matches) if (match.dedupe) marked.push({ item, match });
    }
    if (dedupe !== undefined && marked.length > 0) {
      const granted = await dedupe.claim(
        marked.map(({ item, match }) => ({
          ...matchClaims(env.HERALD_TOPIC_PREFIX, item.event, match)[0]!,
          windowMs: match.dedupe!.windowMs,
        })),
      );
      marked.forEach(({ item, match }, n) => {
        if (granted[n]) return;
        item.matches = item.matches.filter((m) => m !== match);
        item.dropped.push(
          ...suppressMatch(
            match,
            'dedupe_window',
            `dedupe key set until ${match.dedupe!.expiresAt}`,
          ),
        );
      });
    }
    if (recipients !== undefined) {
      // Planning resolves recipients synchronously: load the ids it will ask for first.
      await recipients.load(
        items.flatMap((i) => recipientRefs(i.event, i.matches, { now: at, defaultTenant })),
      );
    }
    const released: { key: string; owner: string }[] = [];
    for (const item of items) {
      const routed = route(item, at);
      const rejected = tooLarge(item, routed);
      if (rejected === undefined) {
        outputs.push(...routed);
        continue;
      }
      outputs.push(rejected);
      // Not routed: its dedupe marks must not turn the producer's fixed resend into a duplicate.
      released.push(
        eventClaim(env.HERALD_TOPIC_PREFIX, item.event, item.record),
        ...item.matches.flatMap((m) => matchClaims(env.HERALD_TOPIC_PREFIX, item.event, m)),
      );
    }
    await dedupe?.release(released);
    return outputs;
  }

  function route(item: Routed, at: Date): OutputMessage[] {
    const { event } = item;
    const outputs: OutputMessage[] = [];
    const plan = planDeliveries(event, item.matches, {
      now: at,
      producedAt: item.producedAt,
      defaultTenant,
      ...(recipients === undefined
        ? {}
        : {
            resolveRecipient: (ref: string, tenant: string) => recipients.resolve(ref, tenant),
            tenantPreferences: (tenant: string) => recipients.tenantPreferences(tenant),
          }),
    });
    const deferred = new Map(plan.deferred.map((d) => [d.notificationId, d]));
    for (const job of plan.jobs) {
      metrics.m.jobsPlanned.inc({ channel: job.channel });
      outputs.push({
        // critical and high jobs travel on the channel's priority lane.
        topic: deliveryTopicFor(topics, job),
        key: deliveryKey(job),
        value: Buffer.from(JSON.stringify(job)),
        ...(item.headers ? { headers: item.headers } : {}),
      });
      const deferral = deferred.get(job.notificationId);
      if (deferral !== undefined)
        counters.deferred.inc({ channel: job.channel, reason: deferral.reason });
      outputs.push(
        statusOutput(
          deferral === undefined
            ? statusEventFor(job, 'queued', SOURCE, at)
            : statusEventFor(job, 'deferred', SOURCE, at, {
                reason: deferral.reason,
                notBefore: deferral.notBefore,
              }),
          item,
        ),
      );
    }
    const suppressed = [...item.dropped, ...plan.suppressed];
    for (const s of suppressed) outputs.push(suppressedStatus(item, s, item.tenants, at));
    if (plan.jobs.length === 0 && suppressed.length === 0)
      log.debug({ eventId: event.id, type: event.type }, 'no rule matched');
    return outputs;
  }

  const start = once(async () => {
    await rules.start();
    if (dedupe === undefined)
      log.warn({}, 'REDIS_URL not set: events and rule dedupe keys are not deduplicated');
    else await dedupe.start();
    if (recipients === undefined)
      log.warn({}, 'DATABASE_URL not set: recipient ids resolve to nobody (unknown_recipient)');
    const topicOptions = heraldTopicOptions(env);
    await ensureTopics(kafka, [
      ...heraldTopicSpecs(
        topics,
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        topicOptions,
      ),
      // The priority lanes the router publishes to; workers create the rest of each channel's lanes.
      ...channelNames.map((c) =>
        heraldTopicSpec(
          topics.criticalDeliveries(c),
          topics,
          env.HERALD_TOPIC_PARTITIONS,
          env.HERALD_TOPIC_REPLICATION,
          topicOptions,
        ),
      ),
    ]);
    admin = kafka.admin();
    await admin.connect();
    const kafkaAdmin = admin;
    // Before the consumer joins: /healthz answers and /readyz says 503 while it joins.
    ops = await startRouterOps({
      port: env.HERALD_METRICS_PORT,
      host: env.HERALD_METRICS_HOST,
      lagIntervalMs: env.HERALD_LAG_INTERVAL_MS,
      metrics,
      admin: kafkaAdmin,
      group: groupId,
      topic: topics.events,
      logger: log,
      checks: {
        kafka: () => kafkaAdmin.describeCluster(),
        consumerGroup: () => {
          if (consumer?.joined !== true) throw new Error('consumer has not joined its group');
        },
        ...(db === undefined ? {} : { postgres: () => sql`select 1`.execute(db) }),
        ...(dedupe === undefined ? {} : { redis: () => dedupe.ping() }),
        ...(schemas === undefined ? {} : { schemaRegistry: () => schemas.ping() }),
      },
    });
    consumer = new StageConsumer({
      kafka,
      groupId,
      topics: [topics.events],
      handler: { handle: (records) => handle(records) },
      logger: log,
      shutdownTimeoutMs: env.HERALD_SHUTDOWN_TIMEOUT_MS,
      compression: env.HERALD_KAFKA_COMPRESSION,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
      deadLetterTopic: topics.dlq,
      minBytes: env.HERALD_KAFKA_FETCH_MIN_BYTES,
      maxWaitTimeMs: env.HERALD_KAFKA_FETCH_MAX_WAIT_MS,
    });
    await consumer.start();
  });

  const stop = once(() =>
    runCleanups([
      () => consumer?.stop(),
      () => ops?.stop(),
      () => admin?.disconnect(),
      () => rules.stop(),
      () => dedupe?.stop(),
      () => db?.destroy(),
    ]),
  );

  return {
    start,
    stop,
    reloadRules: () => rules.refresh(),
    rulesVersion: () => rules.version,
    opsUrl: () => ops?.url,
  };
}

/** The CloudEvents mode of a record that did not decode (for the consumed counter). */
function modeOf(record: ConsumedRecord): 'structured' | 'binary' {
  return record.headers.ce_specversion === undefined ? 'structured' : 'binary';
}
