/**
 * The inbox's public shapes. A message is identified by its notification id (unique per
 * subscriber: the worker's job id) and ordered by `seq`, strictly increasing per
 * (tenant, subscriber).
 */

/** What the worker's `inapp` channel stores: the rendered message plus the job's identity. */
export interface InboxMessageInput {
  readonly tenant: string;
  /** The recipient's id (the job's recipient ref). */
  readonly subscriber: string;
  readonly notificationId: string;
  readonly title: string;
  readonly body: string;
  readonly actionUrl?: string;
  readonly avatar?: string;
  readonly category?: string;
  readonly tags?: readonly string[];
  readonly data?: unknown;
  /** A later message with the same key replaces this one in the feed. */
  readonly collapseKey?: string;
  /** The causing event and rule, kept so status events about the message can be built. */
  readonly event: { readonly id: string; readonly type: string; readonly time: string };
  readonly rule: { readonly id: string; readonly version: number };
  /** The job's recipient ref, for status events; default `subscriber`. */
  readonly recipientRef?: string;
  readonly attempt: number;
}

/** A stored message as the feed, resume and the gateway see it. */
export interface InboxMessage {
  readonly tenant: string;
  readonly subscriber: string;
  readonly seq: number;
  /** The message id for mark and delete. */
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly actionUrl: string | null;
  readonly avatar: string | null;
  readonly category: string | null;
  readonly tags: readonly string[];
  readonly data: unknown;
  readonly collapseKey: string | null;
  /** The seq of the message this one replaced (same collapse key); a client drops that one. */
  readonly replacesSeq: number | null;
  readonly createdAt: string;
  readonly seenAt: string | null;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly event: { readonly id: string; readonly type: string; readonly time: string };
  readonly rule: { readonly id: string; readonly version: number };
  readonly recipientRef: string;
  readonly attempt: number;
}

/** Which messages a feed lists: `unread` and `read` exclude archived ones; `all` too. */
export type FeedFilter = 'unread' | 'read' | 'archived' | 'all';

export interface FeedQuery {
  /** An opaque cursor from a previous page's `nextCursor`; absent = newest first page. */
  readonly cursor?: string;
  /** Page size, 1–100; default 20. */
  readonly limit?: number;
  /** Default `all` (every message not archived). */
  readonly filter?: FeedFilter;
  readonly category?: string;
  /** Messages carrying every one of these tags. */
  readonly tags?: readonly string[];
}

export interface FeedPage {
  /** Newest first. */
  readonly messages: readonly InboxMessage[];
  /** Give it back as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
  /** The subscriber's latest seq when the page was read (resume from it). */
  readonly latestSeq: number;
}

/** Counts over the live (not superseded, not deleted, not archived) messages. */
export interface InboxCounts {
  readonly unread: number;
  readonly unseen: number;
  readonly total: number;
}

export type MarkState = 'read' | 'unread' | 'seen' | 'archived' | 'unarchived';

/** One message a mark or delete changed: what the gateway publishes and reports. */
export interface MarkedMessage {
  readonly id: string;
  readonly seq: number;
  readonly seenAt: string | null;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly deleted: boolean;
}

export interface AppendResult {
  readonly seq: number;
  /** True when this notification id was stored before: nothing was written, `seq` is the stored one. */
  readonly duplicate: boolean;
  /** The seq of the message this one replaced (collapse key), if any. */
  readonly replacesSeq: number | null;
  /** The stored message (the first one's when duplicate). */
  readonly message: InboxMessage;
}
