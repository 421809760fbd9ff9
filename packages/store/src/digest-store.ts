import { sql, type Kysely } from 'kysely';
import type { HeraldDatabase } from './database.js';

/** One job to collect into a digest (see `DigestStore.collect`). */
export interface DigestItemInput {
  readonly notificationId: string;
  readonly tenant: string;
  readonly recipientRef: string;
  readonly channel: string;
  readonly key: string;
  /** The id a digest opened by this item gets (deterministic: derived from the item). */
  readonly newDigestId: string;
  /** When a digest opened by this item is due (window end or the schedule's next time). */
  readonly dueAt: Date;
  readonly max?: number;
  /** The job the digest's own job is built from (recipient, template, locale…). */
  readonly job: unknown;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventTime?: string;
  readonly payload: unknown;
}

/** Where a collected item went: its digest and position; `duplicate` when collected before. */
export interface Collected {
  readonly digestId: string;
  readonly position: number;
  readonly duplicate: boolean;
}

/** A digest claimed for flushing, with its items in the order they were collected. */
export interface DueDigest {
  readonly id: string;
  readonly tenant: string;
  readonly recipientRef: string;
  readonly channel: string;
  readonly key: string;
  readonly openedAt: Date;
  readonly job: unknown;
  readonly items: readonly DigestItem[];
}

export interface DigestItem {
  readonly notificationId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly eventTime: string | null;
  readonly payload: unknown;
  readonly addedAt: Date;
}

/**
 * Digests in Postgres (migrations/0012). Every step is one transaction, and each is
 * safe to redo after a crash: an item is keyed by its notification id (collected twice
 * → the first digest is read back), a digest is claimed for a lease (a flusher killed
 * mid-flush leaves it to the next once the lease ends) and its job has the digest's id
 * as notification id, so a re-flush is absorbed by the worker's idempotency lease.
 * Several workers flush at once without meeting: `FOR UPDATE SKIP LOCKED`.
 */
export class DigestStore {
  readonly #db: Kysely<HeraldDatabase>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db;
  }

  /**
   * Appends a job to the open digest of its key, opening one when there is none; closes
   * the digest (due now) when it reaches `max`. Idempotent per notification id.
   */
  async collect(item: DigestItemInput, now: Date): Promise<Collected> {
    for (;;) {
      // One statement, one round trip: skip a known item; else open the key's digest or
      // count the item into the open one (its row lock orders items and keeps a flusher,
      // SKIP LOCKED, off it until this commits), closing it at `max`; then the item.
      const result = await sql<{ digest_id: string; position: number; duplicate: boolean }>`
        WITH known AS (
          SELECT digest_id, position FROM digest_items WHERE notification_id = ${item.notificationId}),
        digest AS (
          INSERT INTO digests AS d (id, tenant, recipient_ref, channel, digest_key, state, item_count,
                                    max_items, opened_at, due_at, job)
          SELECT ${item.newDigestId}, ${item.tenant}, ${item.recipientRef}, ${item.channel},
                 ${item.key}, CASE WHEN ${item.max ?? null}::int <= 1 THEN 'closed' ELSE 'open' END,
                 1, ${item.max ?? null}::int, ${now}, ${item.dueAt}, ${JSON.stringify(item.job)}::jsonb
          WHERE NOT EXISTS (SELECT 1 FROM known)
          ON CONFLICT (tenant, recipient_ref, channel, digest_key) WHERE state = 'open'
          DO UPDATE SET
            item_count = d.item_count + 1,
            state = CASE WHEN d.max_items IS NOT NULL AND d.item_count + 1 >= d.max_items
                         THEN 'closed' ELSE 'open' END,
            due_at = CASE WHEN d.max_items IS NOT NULL AND d.item_count + 1 >= d.max_items
                          THEN LEAST(d.due_at, ${now}::timestamptz) ELSE d.due_at END
          RETURNING d.id, d.item_count),
        added AS (
          INSERT INTO digest_items (notification_id, digest_id, position, added_at, event_id,
                                    event_type, event_time, payload)
          SELECT ${item.notificationId}, digest.id, digest.item_count, ${now}, ${item.eventId},
                 ${item.eventType}, ${item.eventTime ?? null},
                 ${JSON.stringify(item.payload ?? null)}::jsonb
          FROM digest
          ON CONFLICT (notification_id) DO NOTHING
          RETURNING digest_id, position)
        SELECT digest_id, position, false AS duplicate FROM added
        UNION ALL
        SELECT digest_id, position, true AS duplicate FROM known`.execute(this.#db);
      const row = result.rows[0];
      if (row !== undefined)
        return { digestId: row.digest_id, position: row.position, duplicate: row.duplicate };
      // A concurrent copy of this job got in first (its count went up, this one's item did
      // not: `max` may close that digest one item early). Read the copy's digest back.
    }
  }

  /**
   * Claims up to `limit` due digests of `channels` for `leaseMs` (open ones whose time came, closed ones
   * nobody holds) and returns them with their items. Call `markFlushed` once their jobs
   * are on Kafka; a claim not marked in time is claimed again (same job id).
   */
  async claimDue(
    channels: readonly string[],
    now: Date,
    leaseMs: number,
    limit: number,
  ): Promise<DueDigest[]> {
    const until = new Date(now.getTime() + leaseMs);
    const claimed = await sql<{
      id: string;
      tenant: string;
      recipient_ref: string;
      channel: string;
      digest_key: string;
      opened_at: Date;
      job: unknown;
    }>`
      UPDATE digests d SET state = 'closed', claimed_until = ${until}
      FROM (SELECT id FROM digests
            WHERE state <> 'flushed' AND due_at <= ${now} AND channel = ANY(${[...channels]}::text[])
              AND (claimed_until IS NULL OR claimed_until <= ${now})
            ORDER BY due_at LIMIT ${limit}
            FOR UPDATE SKIP LOCKED) due
      WHERE d.id = due.id
      RETURNING d.id, d.tenant, d.recipient_ref, d.channel, d.digest_key, d.opened_at, d.job`.execute(
      this.#db,
    );
    if (claimed.rows.length === 0) return [];
    const ids = claimed.rows.map((r) => r.id);
    const items = await sql<{
      digest_id: string;
      notification_id: string;
      event_id: string;
      event_type: string;
      event_time: string | null;
      payload: unknown;
      added_at: Date;
    }>`
      SELECT digest_id, notification_id, event_id, event_type, event_time, payload, added_at
      FROM digest_items WHERE digest_id = ANY(${ids}::text[])
      ORDER BY digest_id, position`.execute(this.#db);
    const byDigest = new Map<string, DigestItem[]>(ids.map((id) => [id, []]));
    for (const i of items.rows)
      byDigest.get(i.digest_id)!.push({
        notificationId: i.notification_id,
        eventId: i.event_id,
        eventType: i.event_type,
        eventTime: i.event_time,
        payload: i.payload,
        addedAt: i.added_at,
      });
    return claimed.rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      recipientRef: r.recipient_ref,
      channel: r.channel,
      key: r.digest_key,
      openedAt: r.opened_at,
      job: r.job,
      items: byDigest.get(r.id)!,
    }));
  }

  async markFlushed(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await sql`UPDATE digests SET state = 'flushed', flushed_at = ${now}
              WHERE id = ANY(${[...ids]}::text[])`.execute(this.#db);
  }
}
