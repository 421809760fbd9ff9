import type { Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { recordConfigChange, TopicStore, type HeraldDatabase } from '@herald/store';
import type { ConfigWriter } from './config-writer.js';

/*
 * Topics: a tenant's named subscriber groups, which rules reach as
 * `recipients: ["topic:<key>"]`. A topic has no row of its own: it exists while it has
 * subscribers (migrations/0011), so creating one means naming its first subscribers and
 * deleting one unsubscribes everybody. `herald topics`, /v1/topics and the console's
 * Topics screen all go through these functions.
 */

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export interface TopicSummary {
  readonly topic: string;
  readonly subscribers: number;
}

export interface TopicSubscribers {
  readonly topic: string;
  readonly subscribers: string[];
}

function checkKey(key: string): void {
  if (!KEY.test(key))
    throw new HeraldError('HERALD_ERR_TOPIC_INVALID', [
      `${JSON.stringify(key)} is not a topic key (1-100 letters, digits, ".", "_" or "-", starting with a letter or digit)`,
    ]);
}

function checkRecipients(recipients: readonly string[]): void {
  if (recipients.length === 0 || recipients.some((r) => r.trim() === ''))
    throw new HeraldError('HERALD_ERR_TOPIC_INVALID', ['give one or more recipient ids']);
}

const unknownTopic = (tenant: string, key: string) =>
  new HeraldError('HERALD_ERR_TOPIC_NOT_FOUND', [tenant, `topic "${key}"`]);

/** Every topic of the tenant with its subscriber count, by key. */
export async function listTopics(
  db: Kysely<HeraldDatabase>,
  tenant: string,
): Promise<TopicSummary[]> {
  return new TopicStore(db).list(tenant);
}

/** A topic's subscribers (recipient ids, sorted); an unknown topic is HERALD_ERR_TOPIC_NOT_FOUND. */
export async function topicSubscribers(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  key: string,
): Promise<TopicSubscribers> {
  checkKey(key);
  const subscribers = (await new TopicStore(db).subscribers(tenant, [key])).get(key) ?? [];
  if (subscribers.length === 0) throw unknownTopic(tenant, key);
  return { topic: key, subscribers };
}

/**
 * Subscribes recipients (existing recipients of the tenant, else
 * HERALD_ERR_RECIPIENT_INVALID naming them; nothing stored) to a topic, creating it when
 * it has none yet. `create` refuses a topic that already exists, so that two people
 * creating the same name notice each other.
 */
export async function subscribeToTopic(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  key: string,
  recipients: readonly string[],
  writer: ConfigWriter,
  options: { readonly create?: boolean } = {},
): Promise<TopicSubscribers> {
  checkKey(key);
  checkRecipients(recipients);
  const store = new TopicStore(db);
  if (options.create && ((await store.subscribers(tenant, [key])).get(key) ?? []).length > 0)
    throw new HeraldError('HERALD_ERR_TOPIC_INVALID', [
      `topic "${key}" exists already: add subscribers to it instead`,
    ]);
  await store.subscribe(tenant, key, recipients);
  await recordConfigChange(db, {
    ...writer,
    action: options.create ? 'topics.create' : 'topics.subscribe',
    entityType: 'topic',
    entityId: key,
    details: { tenant, recipients },
  });
  return { topic: key, subscribers: (await store.subscribers(tenant, [key])).get(key) ?? [] };
}

/** Unsubscribes one recipient; one not subscribed is HERALD_ERR_TOPIC_NOT_FOUND. */
export async function unsubscribeFromTopic(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  key: string,
  recipient: string,
  writer: ConfigWriter,
): Promise<void> {
  checkKey(key);
  if (!(await new TopicStore(db).unsubscribe(tenant, key, recipient)))
    throw new HeraldError('HERALD_ERR_TOPIC_NOT_FOUND', [
      tenant,
      `subscriber "${recipient}" of topic "${key}"`,
    ]);
  await recordConfigChange(db, {
    ...writer,
    action: 'topics.unsubscribe',
    entityType: 'topic',
    entityId: key,
    details: { tenant, recipient },
  });
}

/** Deletes a topic (unsubscribes everybody); returns how many subscribers it had. */
export async function deleteTopic(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  key: string,
  writer: ConfigWriter,
): Promise<number> {
  checkKey(key);
  const removed = await new TopicStore(db).remove(tenant, key);
  if (removed === 0) throw unknownTopic(tenant, key);
  await recordConfigChange(db, {
    ...writer,
    action: 'topics.delete',
    entityType: 'topic',
    entityId: key,
    details: { tenant, subscribers: removed },
  });
  return removed;
}
