import type { Cluster, Redis } from 'ioredis';
import { topicNames, type Logger } from '@herald/core';
import { createRedisClient } from '@herald/delivery';
import {
  InboxFanout,
  InboxStore,
  inboxStatusMessage,
  type InboxMessage,
  type InboxNote,
} from '@herald/inbox';
import {
  connectAdmin,
  createKafkaClient,
  ensureTopics,
  heraldTopicOptions,
  heraldTopicSpecs,
  kafkaSecurity,
  MessagePublisher,
} from '@herald/kafka';
import type { Lifecycle } from '@herald/runtime';
import { createDatabase } from '@herald/store';
import type { GatewayEnv } from './env.js';
import type { GatewayAdapters } from './gateway.js';
import type {
  ClientStatus,
  Fanout,
  FanoutEvent,
  FeedStore,
  InboxItem,
  StatusSink,
  StatusSubject,
  SubscriberRef,
} from './ports.js';

/** The FeedStore port over @herald/inbox's InboxStore (Postgres). */
export function inboxFeedStore(store: InboxStore): FeedStore {
  return {
    async list(who, query) {
      const page = await store.listFeed(who.tenant, who.subscriber, {
        filter: query.status,
        limit: query.limit,
        ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
        ...(query.category === undefined ? {} : { category: query.category }),
        ...(query.tags === undefined ? {} : { tags: query.tags }),
      });
      return { items: page.messages, nextCursor: page.nextCursor, latestSeq: page.latestSeq };
    },
    async readAfter(who, after, limit) {
      const page = await store.readAfter(who.tenant, who.subscriber, after, limit);
      return { items: page.messages, hasMore: page.hasMore };
    },
    lastSeq: (who) => store.latestSeq(who.tenant, who.subscriber),
    counts: (who) => store.counts(who.tenant, who.subscriber),
    mark: (who, action, target) => store.mark(who.tenant, who.subscriber, target, action),
    remove: (who, target) => store.delete(who.tenant, who.subscriber, target),
  };
}

/** The Fanout port over InboxFanout (Redis Pub/Sub, one channel per subscriber). */
export function inboxFanout(fanout: InboxFanout): Fanout {
  const toEvent = (note: InboxNote): FanoutEvent | undefined => {
    const who = { tenant: note.tenant, subscriber: note.subscriber };
    if (note.kind === 'message') {
      return note.message === undefined
        ? { kind: 'message', who, seq: note.seq }
        : { kind: 'message', who, seq: note.seq, item: note.message };
    }
    if (note.kind === 'state') {
      return {
        kind: 'state',
        who,
        changes: note.changes ?? [],
        ...(note.counts === undefined ? {} : { counts: note.counts }),
      };
    }
    return note.counts === undefined ? undefined : { kind: 'counts', who, counts: note.counts };
  };
  return {
    subscribe: (who, listener) =>
      fanout.subscribe(who.tenant, who.subscriber, (note) => {
        const event = toEvent(note);
        if (event !== undefined) listener(event);
      }),
    async publish(event) {
      const base = { tenant: event.who.tenant, subscriber: event.who.subscriber };
      if (event.kind === 'state') {
        const seq = Math.max(0, ...event.changes.map((c) => c.seq));
        await fanout.publish({
          ...base,
          seq,
          kind: 'state',
          changes: event.changes,
          ...(event.counts === undefined ? {} : { counts: event.counts }),
        });
      } else if (event.kind === 'counts') {
        await fanout.publish({ ...base, seq: 0, kind: 'counts', counts: event.counts });
      }
      // Messages are published by the worker that stored them, never by the gateway.
    },
  };
}

/**
 * Client statuses to herald.status in batches (every flushMs), built with the inbox's
 * `inboxStatusMessage` (core's statusMessage). A message the caller did not hold is
 * read once by id. A failed produce is logged and dropped: the inbox state itself is
 * in Postgres, the status stream is the audit of it.
 */
export class StatusBatcher implements StatusSink {
  #queue: { who: SubscriberRef; subject: StatusSubject; state: ClientStatus }[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: InboxStore,
    private readonly publisher: MessagePublisher,
    private readonly topic: string,
    private readonly log: Logger,
    private readonly flushMs: number,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.flushMs);
    this.#timer.unref();
  }

  record(who: SubscriberRef, subjects: readonly StatusSubject[], state: ClientStatus): void {
    for (const subject of subjects) this.#queue.push({ who, subject, state });
  }

  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    const seen = new Set<string>();
    const now = new Date();
    const messages = [];
    for (const { who, subject, state } of batch) {
      const key = `${who.tenant}\u0000${who.subscriber}\u0000${subject.id}\u0000${state}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        const message =
          (subject.item as InboxMessage | undefined)?.event !== undefined
            ? (subject.item as InboxMessage)
            : await this.store.get(who.tenant, who.subscriber, subject.id);
        // An id that is not this subscriber's (an ack of someone else's id) gives nothing.
        if (message === undefined) continue;
        messages.push({ topic: this.topic, ...inboxStatusMessage(message, state, now) });
      } catch (err) {
        this.log.warn({ err }, 'status: message lookup failed');
      }
    }
    if (messages.length === 0) return;
    try {
      await this.publisher.send(messages);
    } catch (err) {
      this.log.warn({ err, count: messages.length }, 'statuses not produced');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.flush();
  }
}

async function connected<R extends Redis | Cluster>(redis: R): Promise<R> {
  await redis.connect();
  return redis;
}

/** The real adapters: Postgres inbox, Redis fan-out, Kafka statuses. */
export function inboxAdapters(env: GatewayEnv, onFanoutReconnect: () => void) {
  return async (life: Lifecycle, log: Logger): Promise<GatewayAdapters> => {
    const db = await life.use(
      () =>
        createDatabase({
          url: env.DATABASE_URL,
          poolSize: env.HERALD_DATABASE_POOL_SIZE,
          logger: log,
        }),
      (database) => database.destroy(),
    );
    const inbox = new InboxStore(db);
    const publisherRedis = await life.use(
      () => connected(createRedisClient(env.REDIS_URL, { mode: 'stage' })),
      (redis) => redis.quit(),
    );
    const subscriberRedis = await life.use(
      () => connected(createRedisClient(env.REDIS_URL, { mode: 'stage' })),
      (redis) => redis.quit(),
    );
    const fanout = new InboxFanout({
      publisher: publisherRedis,
      subscriber: subscriberRedis,
      keyPrefix: env.HERALD_TOPIC_PREFIX,
      onMalformed: (channel) => log.warn({ channel }, 'malformed fan-out notice ignored'),
      // After a Redis reconnect (re-subscribed and confirmed): notices sent meanwhile
      // are lost, so every session re-reads the store past its last seq.
      onReconnect: onFanoutReconnect,
    });
    const kafka = createKafkaClient({
      brokers: env.KAFKA_BROKERS,
      security: kafkaSecurity(env),
      clientId: `${env.HERALD_KAFKA_CLIENT_ID}-gateway`,
      logger: log,
    });
    const publisher = new MessagePublisher(kafka, {
      compression: env.HERALD_KAFKA_COMPRESSION,
      maxRecordBytes: env.HERALD_KAFKA_MAX_RECORD_BYTES,
    });
    await ensureTopics(
      kafka,
      heraldTopicSpecs(
        topicNames(env.HERALD_TOPIC_PREFIX),
        env.HERALD_TOPIC_PARTITIONS,
        env.HERALD_TOPIC_REPLICATION,
        heraldTopicOptions(env),
      ),
    );
    await life.use(
      () => publisher.start(),
      () => publisher.stop(),
    );
    const admin = await life.use(
      () => connectAdmin(kafka),
      (client) => client.disconnect(),
    );
    const statuses = new StatusBatcher(
      inbox,
      publisher,
      topicNames(env.HERALD_TOPIC_PREFIX).status,
      log,
      env.HERALD_GATEWAY_STATUS_FLUSH_MS,
    );
    await life.use(
      () => statuses.start(),
      () => statuses.stop(),
    );
    const store = inboxFeedStore(inbox);
    return {
      store,
      fanout: inboxFanout(fanout),
      statuses,
      checks: {
        postgres: () => inbox.latestSeq('_', '_'),
        redis: () => publisherRedis.ping(),
        kafka: () => admin.describeCluster(),
      },
    };
  };
}

/** The client projection is the store's message: the frames strip the extra fields. */
export type StoredItem = InboxMessage & InboxItem;
