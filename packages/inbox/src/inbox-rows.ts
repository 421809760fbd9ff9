import type { Generated, Insertable, Selectable } from 'kysely';
import type { InboxMessage, InboxMessageInput, MarkedMessage } from './types.js';

/** migrations/0010_inbox.sql as kysely sees it. */
export interface InboxSubscribersTable {
  tenant: string;
  subscriber: string;
  last_seq: Generated<string>;
  updated_at: Generated<Date>;
}

export interface InboxMessagesTable {
  tenant: string;
  subscriber: string;
  /** bigint: pg returns it as a string. */
  seq: number | string;
  notification_id: string;
  title: string;
  body: string;
  action_url: string | null;
  avatar: string | null;
  category: string | null;
  tags: string[];
  /** jsonb: written as JSON text, read as the parsed value. */
  data: unknown;
  collapse_key: string | null;
  replaces_seq: number | string | null;
  superseded_by: number | string | null;
  event_id: string;
  event_type: string;
  event_time: Date | string;
  rule_id: string;
  rule_version: number;
  recipient_ref: string;
  attempt: number;
  created_at: Date | string;
  seen_at: Date | string | null;
  read_at: Date | string | null;
  archived_at: Date | string | null;
  deleted: Generated<boolean>;
}

export type InboxTables = {
  inbox_subscribers: InboxSubscribersTable;
  inbox_messages: InboxMessagesTable;
};

type Row = Selectable<InboxMessagesTable>;

const iso = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();
const isoOrNull = (v: Date | string | null): string | null => (v === null ? null : iso(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

/** The insert row of a message about to be stored as `seq`. */
export function messageRow(
  input: InboxMessageInput,
  seq: number,
  replacesSeq: number | null,
  createdAt: Date,
): Insertable<InboxMessagesTable> {
  return {
    tenant: input.tenant,
    subscriber: input.subscriber,
    seq,
    notification_id: input.notificationId,
    title: input.title,
    body: input.body,
    action_url: input.actionUrl ?? null,
    avatar: input.avatar ?? null,
    category: input.category ?? null,
    tags: [...(input.tags ?? [])],
    // JSON text: pg would send a JS array as a Postgres array, not as jsonb.
    data: input.data === undefined ? null : JSON.stringify(input.data),
    collapse_key: input.collapseKey ?? null,
    replaces_seq: replacesSeq,
    superseded_by: null,
    event_id: input.event.id,
    event_type: input.event.type,
    event_time: input.event.time,
    rule_id: input.rule.id,
    rule_version: input.rule.version,
    recipient_ref: input.recipientRef ?? input.subscriber,
    attempt: input.attempt,
    created_at: createdAt,
    seen_at: null,
    read_at: null,
    archived_at: null,
  };
}

export function toMessage(row: Row): InboxMessage {
  return {
    tenant: row.tenant,
    subscriber: row.subscriber,
    seq: Number(row.seq),
    id: row.notification_id,
    title: row.title,
    body: row.body,
    actionUrl: row.action_url,
    avatar: row.avatar,
    category: row.category,
    tags: row.tags,
    data: row.data ?? null,
    collapseKey: row.collapse_key,
    replacesSeq: numOrNull(row.replaces_seq),
    createdAt: iso(row.created_at),
    seenAt: isoOrNull(row.seen_at),
    readAt: isoOrNull(row.read_at),
    archivedAt: isoOrNull(row.archived_at),
    event: { id: row.event_id, type: row.event_type, time: iso(row.event_time) },
    rule: { id: row.rule_id, version: row.rule_version },
    recipientRef: row.recipient_ref,
    attempt: row.attempt,
  };
}

export function toMarked(
  row: Pick<Row, 'notification_id' | 'seq' | 'seen_at' | 'read_at' | 'archived_at' | 'deleted'>,
): MarkedMessage {
  return {
    id: row.notification_id,
    seq: Number(row.seq),
    seenAt: isoOrNull(row.seen_at),
    readAt: isoOrNull(row.read_at),
    archivedAt: isoOrNull(row.archived_at),
    deleted: row.deleted,
  };
}
