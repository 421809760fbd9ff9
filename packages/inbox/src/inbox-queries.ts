import {
  sql,
  type Expression,
  type ExpressionBuilder,
  type SelectQueryBuilder,
  type SqlBool,
} from 'kysely';
import { HeraldError } from '@herald/core';
import type { InboxTables } from './inbox-rows.js';
import type { FeedQuery, MarkState } from './types.js';

// The pieces of InboxStore's queries that depend only on the request: validated here,
// so a bad request is a HERALD_ERR_INBOX_REQUEST_INVALID before any round trip.

/** Most ids one mark or delete takes (a request, not a bulk job: use 'all' for more). */
export const maxIdsPerRequest = 1000;

/** `limit` checked to be a whole number in [1, max]; `fallback` when absent. */
export function requestLimit(limit: number | undefined, fallback: number, max = 100): number {
  if (limit === undefined) return fallback;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max)
    throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
      `limit must be a whole number from 1 to ${max}, got ${String(limit)}`,
    ]);
  return limit;
}

/** The ids of a mark or delete, deduplicated; refuses non-strings and too many. */
export function matchIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id === ''))
    throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
      'ids must be non-empty strings, or "all"',
    ]);
  const list = [...new Set(ids)];
  if (list.length > maxIdsPerRequest)
    throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
      `${list.length} ids, over the limit of ${maxIdsPerRequest} per request; use "all"`,
    ]);
  return list;
}

type Eb = ExpressionBuilder<InboxTables, 'inbox_messages'>;

/**
 * What a mark sets, and which rows it changes (the others are left alone and not
 * returned): `read` sets read_at and, if unset, seen_at; `seen` only seen_at.
 */
export function markSet(
  state: MarkState,
  now: Date,
): {
  set: Record<string, unknown>;
  unchanged: (eb: Eb) => Expression<SqlBool>;
} {
  switch (state) {
    case 'read':
      return {
        set: { read_at: now, seen_at: sql`coalesce(seen_at, ${now})` },
        unchanged: (eb) => eb('read_at', 'is', null),
      };
    case 'unread':
      return { set: { read_at: null }, unchanged: (eb) => eb('read_at', 'is not', null) };
    case 'seen':
      return { set: { seen_at: now }, unchanged: (eb) => eb('seen_at', 'is', null) };
    case 'archived':
      return { set: { archived_at: now }, unchanged: (eb) => eb('archived_at', 'is', null) };
    case 'unarchived':
      return { set: { archived_at: null }, unchanged: (eb) => eb('archived_at', 'is not', null) };
    default:
      throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
        `state must be read, unread, seen, archived or unarchived, got ${JSON.stringify(state)}`,
      ]);
  }
}

/** The feed's filter, category and tags (every tag given must be on the message). */
export function filterFeed<O>(
  q: SelectQueryBuilder<InboxTables, 'inbox_messages', O>,
  query: FeedQuery,
): SelectQueryBuilder<InboxTables, 'inbox_messages', O> {
  const filter = query.filter ?? 'all';
  let out = q;
  switch (filter) {
    case 'archived':
      out = out.where('archived_at', 'is not', null);
      break;
    case 'unread':
      out = out.where('archived_at', 'is', null).where('read_at', 'is', null);
      break;
    case 'read':
      out = out.where('archived_at', 'is', null).where('read_at', 'is not', null);
      break;
    case 'all':
      out = out.where('archived_at', 'is', null);
      break;
    default:
      throw new HeraldError('HERALD_ERR_INBOX_REQUEST_INVALID', [
        `filter must be unread, read, archived or all, got ${JSON.stringify(filter)}`,
      ]);
  }
  if (query.category !== undefined) out = out.where('category', '=', query.category);
  if (query.tags !== undefined && query.tags.length > 0)
    out = out.where(sql<boolean>`tags @> ${sql.val([...query.tags])}::text[]`);
  return out;
}
