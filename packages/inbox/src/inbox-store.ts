import { sql, type Kysely, type Transaction } from 'kysely';
import { HeraldError } from '@herald/core';
import { ensureMonthlyPartitions, monthKey, type HeraldDatabase } from '@herald/store';
import { checkNotAhead, decodeCursor, encodeCursor } from './cursor.js';
import { inboxMessageProblem } from './message-check.js';
import { messageRow, toMarked, toMessage, type InboxTables } from './inbox-rows.js';
import { filterFeed, markSet, matchIds, requestLimit } from './inbox-queries.js';
import type {
  AppendResult,
  FeedPage,
  FeedQuery,
  InboxCounts,
  InboxMessage,
  InboxMessageInput,
  MarkState,
  MarkedMessage,
} from './types.js';

type InboxDatabase = HeraldDatabase & InboxTables;

/** The partitioned inbox tables, for partition maintenance and retention (the auditor's). */
export const inboxTables = ['inbox_messages'] as const;

export interface InboxStoreOptions {
  /** Clock for created_at and mark times; tests pin it. */
  readonly now?: () => Date;
}

/**
 * The inbox in Postgres (migrations/0010_inbox.sql): the source of truth for feeds,
 * resume and counts. Every method throws a HeraldError for bad input (cursor, limit,
 * ids) and lets database errors through (a dependency down: the caller retries).
 */
export class InboxStore {
  readonly #db: Kysely<InboxDatabase>;
  readonly #now: () => Date;
  readonly #knownMonths = new Set<string>();

  constructor(db: Kysely<HeraldDatabase>, options: InboxStoreOptions = {}) {
    this.#db = db.withTables<InboxTables>();
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Stores a message as the subscriber's next seq, in one transaction holding the
   * subscriber's counter row: a notification id stored before is a duplicate (its seq
   * is returned, nothing written); a collapse key supersedes the live message with the
   * same key. Throws HERALD_ERR_INBOX_MESSAGE_INVALID for a message over the limits.
   */
  async append(input: InboxMessageInput): Promise<AppendResult> {
    const problem = inboxMessageProblem(input);
    if (problem !== undefined)
      throw new HeraldError('HERALD_ERR_INBOX_MESSAGE_INVALID', [input.notificationId, problem]);
    const createdAt = this.#now();
    await this.#ensurePartition(createdAt);
    return this.#db.transaction().execute(async (trx) => {
      const who = { tenant: input.tenant, subscriber: input.subscriber };
      // Takes the row lock every append for this subscriber waits on until commit, so
      // seqs are assigned in commit order and the duplicate check below cannot race.
      await trx
        .insertInto('inbox_subscribers')
        .values(who)
        .onConflict((oc) =>
          oc
            .columns(['tenant', 'subscriber'])
            .doUpdateSet({ updated_at: sql`excluded.updated_at` }),
        )
        .execute();
      const existing = await trx
        .selectFrom('inbox_messages')
        .selectAll()
        .where('tenant', '=', input.tenant)
        .where('subscriber', '=', input.subscriber)
        .where('notification_id', '=', input.notificationId)
        .orderBy('seq')
        .limit(1)
        .executeTakeFirst();
      if (existing) {
        const message = toMessage(existing);
        return { seq: message.seq, duplicate: true, replacesSeq: message.replacesSeq, message };
      }
      const { last_seq } = await trx
        .updateTable('inbox_subscribers')
        .set({ last_seq: sql`last_seq + 1` })
        .where('tenant', '=', input.tenant)
        .where('subscriber', '=', input.subscriber)
        .returning('last_seq')
        .executeTakeFirstOrThrow();
      const seq = Number(last_seq);
      const replacesSeq = await supersede(trx, input, seq);
      const row = await trx
        .insertInto('inbox_messages')
        .values(messageRow(input, seq, replacesSeq, createdAt))
        .returningAll()
        .executeTakeFirstOrThrow();
      return { seq, duplicate: false, replacesSeq, message: toMessage(row) };
    });
  }

  /** The subscriber's latest seq (0 before the first message). */
  async latestSeq(tenant: string, subscriber: string): Promise<number> {
    const row = await this.#db
      .selectFrom('inbox_subscribers')
      .select('last_seq')
      .where('tenant', '=', tenant)
      .where('subscriber', '=', subscriber)
      .executeTakeFirst();
    return row ? Number(row.last_seq) : 0;
  }

  /**
   * One page of the feed, newest first: live messages (not superseded, not deleted)
   * matching the filter, category and every tag given. The cursor is opaque; one past
   * the latest seq is refused with HERALD_ERR_INBOX_CURSOR_AHEAD.
   */
  async listFeed(tenant: string, subscriber: string, query: FeedQuery = {}): Promise<FeedPage> {
    const limit = requestLimit(query.limit, 20);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const latestSeq = await this.latestSeq(tenant, subscriber);
    // A cursor holds the seq of the last message of a page: never past the latest.
    if (before !== undefined) checkNotAhead(before, latestSeq, 'cursor');
    let q = this.#live(tenant, subscriber).selectAll();
    q = filterFeed(q, query);
    if (before !== undefined) q = q.where('seq', '<', before);
    const rows = await q
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit).map(toMessage);
    const nextCursor = rows.length > limit ? encodeCursor(page.at(-1)!.seq) : null;
    return { messages: page, nextCursor, latestSeq };
  }

  /**
   * Resume: every live message with seq > `afterSeq`, oldest first, at most `limit`
   * (default 100, up to 1000). A superseded message is not returned; its replacement
   * is, with `replacesSeq` and the same `collapseKey`, so a client replaces what it
   * holds under that key. `after` past the latest seq is HERALD_ERR_INBOX_CURSOR_AHEAD.
   */
  async readAfter(
    tenant: string,
    subscriber: string,
    afterSeq: number,
    limit = 100,
  ): Promise<{ messages: InboxMessage[]; latestSeq: number; hasMore: boolean }> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0)
      throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
        `after must be a whole number ≥ 0, got ${String(afterSeq)}`,
      ]);
    const max = requestLimit(limit, 100, 1000);
    const latestSeq = await this.latestSeq(tenant, subscriber);
    checkNotAhead(afterSeq, latestSeq, 'after');
    const rows = await this.#live(tenant, subscriber)
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(max + 1)
      .execute();
    return {
      messages: rows.slice(0, max).map(toMessage),
      latestSeq,
      hasMore: rows.length > max,
    };
  }

  /** Unread, unseen and total over live messages that are not archived. */
  async counts(tenant: string, subscriber: string): Promise<InboxCounts> {
    const row = await this.#live(tenant, subscriber)
      .where('archived_at', 'is', null)
      .select([
        sql<string>`count(*) filter (where read_at is null)`.as('unread'),
        sql<string>`count(*) filter (where seen_at is null)`.as('unseen'),
        sql<string>`count(*)`.as('total'),
      ])
      .executeTakeFirstOrThrow();
    return { unread: Number(row.unread), unseen: Number(row.unseen), total: Number(row.total) };
  }

  /**
   * Marks messages (by id, or `'all'` live ones) read, unread, seen, archived or
   * unarchived. `read` also marks seen. Returns only the messages whose state changed,
   * so the caller publishes and reports each change once.
   */
  async mark(
    tenant: string,
    subscriber: string,
    ids: readonly string[] | 'all',
    state: MarkState,
  ): Promise<MarkedMessage[]> {
    const { set, unchanged } = markSet(state, this.#now());
    let q = this.#db
      .updateTable('inbox_messages')
      .set(set)
      .where('tenant', '=', tenant)
      .where('subscriber', '=', subscriber)
      .where('superseded_by', 'is', null)
      .where('deleted', '=', false)
      .where(unchanged);
    if (ids !== 'all') {
      const list = matchIds(ids);
      if (list.length === 0) return [];
      q = q.where('notification_id', 'in', list);
    }
    const rows = await q
      .returning(['notification_id', 'seq', 'seen_at', 'read_at', 'archived_at', 'deleted'])
      .execute();
    return rows.map(toMarked).sort((a, b) => a.seq - b.seq);
  }

  /** Deletes messages (soft: hidden everywhere, dropped with their month). Returns those deleted. */
  async delete(
    tenant: string,
    subscriber: string,
    ids: readonly string[] | 'all',
  ): Promise<MarkedMessage[]> {
    let q = this.#db
      .updateTable('inbox_messages')
      .set({ deleted: true })
      .where('tenant', '=', tenant)
      .where('subscriber', '=', subscriber)
      .where('superseded_by', 'is', null)
      .where('deleted', '=', false);
    if (ids !== 'all') {
      const list = matchIds(ids);
      if (list.length === 0) return [];
      q = q.where('notification_id', 'in', list);
    }
    const rows = await q
      .returning(['notification_id', 'seq', 'seen_at', 'read_at', 'archived_at', 'deleted'])
      .execute();
    return rows.map(toMarked).sort((a, b) => a.seq - b.seq);
  }

  /** One stored message by id (superseded or deleted ones too), for status building. */
  async get(tenant: string, subscriber: string, id: string): Promise<InboxMessage | undefined> {
    const row = await this.#db
      .selectFrom('inbox_messages')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('subscriber', '=', subscriber)
      .where('notification_id', '=', id)
      .executeTakeFirst();
    return row ? toMessage(row) : undefined;
  }

  #live(tenant: string, subscriber: string) {
    return this.#db
      .selectFrom('inbox_messages')
      .where('tenant', '=', tenant)
      .where('subscriber', '=', subscriber)
      .where('superseded_by', 'is', null)
      .where('deleted', '=', false);
  }

  async #ensurePartition(time: Date): Promise<void> {
    const key = monthKey(time);
    if (this.#knownMonths.has(key)) return;
    for (const table of inboxTables) await ensureMonthlyPartitions(this.#db, table, time, 0);
    this.#knownMonths.add(key);
  }
}

/** Marks the subscriber's live message with the input's collapse key as replaced by `seq`. */
async function supersede(
  trx: Transaction<InboxDatabase>,
  input: InboxMessageInput,
  seq: number,
): Promise<number | null> {
  if (input.collapseKey === undefined) return null;
  const rows = await trx
    .updateTable('inbox_messages')
    .set({ superseded_by: seq })
    .where('tenant', '=', input.tenant)
    .where('subscriber', '=', input.subscriber)
    .where('collapse_key', '=', input.collapseKey)
    .where('superseded_by', 'is', null)
    .returning('seq')
    .execute();
  return rows.length === 0 ? null : Math.max(...rows.map((r) => Number(r.seq)));
}
