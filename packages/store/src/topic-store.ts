import type { Generated, Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import type { HeraldDatabase } from './database.js';

/** Table of migrations/0011: a tenant's named subscriber groups. */
export type TopicTables = {
  topic_subscribers: {
    tenant: string;
    topic: string;
    recipient_id: string;
    created_at: Generated<Date>;
  };
};

const TOPIC = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** What a rule's recipient ref `topic:<key>` names (undefined for an ordinary recipient id). */
export function topicOfRef(ref: string): string | undefined {
  return ref.startsWith('topic:') ? ref.slice('topic:'.length) : undefined;
}

/**
 * Topics: named groups of a tenant's recipients. A rule listing `topic:on-call` in
 * `recipients` reaches every subscriber (expanded when recipients are loaded).
 * Subscribers must be existing recipients of the same tenant (foreign key).
 */
export class TopicStore {
  readonly #db: Kysely<HeraldDatabase & TopicTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<TopicTables>();
  }

  static check(topic: string): void {
    if (!TOPIC.test(topic)) {
      throw new HeraldError('HERALD_ERR_RECIPIENT_INVALID', [
        `topic:${topic}`,
        '-',
        'a topic key is 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit',
      ]);
    }
  }

  /** Subscribers of each topic, recipient ids sorted; a topic nobody subscribed to maps to []. */
  async subscribers(tenant: string, topics: readonly string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(topics.map((t) => [t, []]));
    if (topics.length === 0) return result;
    const rows = await this.#db
      .selectFrom('topic_subscribers')
      .select(['topic', 'recipient_id'])
      .where('tenant', '=', tenant)
      .where('topic', 'in', [...topics])
      .orderBy('topic')
      .orderBy('recipient_id')
      .execute();
    for (const r of rows) result.get(r.topic)?.push(r.recipient_id);
    return result;
  }

  /** Every topic of the tenant with its subscriber count. */
  async list(tenant: string): Promise<{ topic: string; subscribers: number }[]> {
    const rows = await this.#db
      .selectFrom('topic_subscribers')
      .select(['topic', (eb) => eb.fn.countAll<string>().as('n')])
      .where('tenant', '=', tenant)
      .groupBy('topic')
      .orderBy('topic')
      .execute();
    return rows.map((r) => ({ topic: r.topic, subscribers: Number(r.n) }));
  }

  /**
   * Adds subscribers (already subscribed ones stay). Throws HERALD_ERR_RECIPIENT_INVALID
   * naming the ids that are not recipients of the tenant.
   */
  async subscribe(tenant: string, topic: string, recipientIds: readonly string[]): Promise<void> {
    TopicStore.check(topic);
    if (recipientIds.length === 0) return;
    await this.#db.transaction().execute(async (tx) => {
      const known = await tx
        .withTables<{ recipients: { tenant: string; id: string } }>()
        .selectFrom('recipients')
        .select('id')
        .where('tenant', '=', tenant)
        .where('id', 'in', [...recipientIds])
        .execute();
      const missing = recipientIds.filter((id) => !known.some((k) => k.id === id));
      if (missing.length > 0) {
        throw new HeraldError('HERALD_ERR_RECIPIENT_INVALID', [
          missing.join(', '),
          tenant,
          'no such recipient: create it first (PUT /v1/recipients)',
        ]);
      }
      await tx
        .insertInto('topic_subscribers')
        .values(recipientIds.map((id) => ({ tenant, topic, recipient_id: id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    });
  }

  async unsubscribe(tenant: string, topic: string, recipientId: string): Promise<boolean> {
    const r = await this.#db
      .deleteFrom('topic_subscribers')
      .where('tenant', '=', tenant)
      .where('topic', '=', topic)
      .where('recipient_id', '=', recipientId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Removes every subscriber of a topic (which is then gone); how many there were. */
  async remove(tenant: string, topic: string): Promise<number> {
    const r = await this.#db
      .deleteFrom('topic_subscribers')
      .where('tenant', '=', tenant)
      .where('topic', '=', topic)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
