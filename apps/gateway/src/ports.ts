/**
 * The gateway's IO as ports. The transports and sessions only see these; the real
 * adapters (Postgres inbox, Redis fan-out, Kafka status publisher) are wired in
 * gateway.ts, and the unit tests use fakes.
 */

/** One subscriber of one tenant: every read and write is scoped to it. */
export interface SubscriberRef {
  readonly tenant: string;
  readonly subscriber: string;
}

/** One message of an inbox as clients see it. */
export interface InboxItem {
  readonly id: string;
  /** Per-subscriber, strictly increasing; a collapse-key replacement takes a new one. */
  readonly seq: number;
  readonly title: string;
  readonly body: string;
  readonly actionUrl?: string | null;
  readonly avatar?: string | null;
  readonly category?: string | null;
  readonly tags: readonly string[];
  readonly data?: unknown;
  readonly collapseKey?: string | null;
  /** The seq this message replaced (same collapse key): a client drops that one. */
  readonly replacesSeq?: number | null;
  readonly createdAt: string;
  readonly seenAt?: string | null;
  readonly readAt?: string | null;
  readonly archivedAt?: string | null;
}

export const feedStatuses = ['all', 'unread', 'read', 'archived'] as const;
export type FeedStatus = (typeof feedStatuses)[number];

export interface FeedQuery {
  /** `all` = not archived; `archived` = only archived. */
  readonly status: FeedStatus;
  readonly category?: string;
  /** Every tag listed must be on the message. */
  readonly tags?: readonly string[];
  /** Opaque, from a previous page's `nextCursor`. */
  readonly cursor?: string;
  readonly limit: number;
}

export interface FeedPage {
  /** Newest first. */
  readonly items: readonly InboxItem[];
  readonly nextCursor: string | null;
  /** The subscriber's latest seq when the page was read (a stream resumes from it). */
  readonly latestSeq: number;
}

export interface AfterPage {
  /** Oldest first, seq > the `after` asked for. */
  readonly items: readonly InboxItem[];
  readonly hasMore: boolean;
}

/** What a mark or delete changed on one message (sent to every tab as it is). */
export interface StateChange {
  readonly id: string;
  readonly seq: number;
  readonly seenAt: string | null;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly deleted: boolean;
}

export interface InboxCounts {
  readonly total: number;
  readonly unread: number;
  readonly unseen: number;
}

export const markActions = ['read', 'unread', 'seen', 'archived', 'unarchived'] as const;
export type MarkAction = (typeof markActions)[number];

/** Several messages by id, or every message of the subscriber. */
export type MarkTarget = readonly string[] | 'all';

/** The inbox in Postgres, scoped to one subscriber per call. */
export interface FeedStore {
  list(who: SubscriberRef, query: FeedQuery): Promise<FeedPage>;
  /** Messages with seq > `after`, oldest first, at most `limit`. */
  readAfter(who: SubscriberRef, after: number, limit: number): Promise<AfterPage>;
  /** The subscriber's highest seq (0 when empty): a resume cursor above it is from the future. */
  lastSeq(who: SubscriberRef): Promise<number>;
  counts(who: SubscriberRef): Promise<InboxCounts>;
  /** Applies `action`; returns the messages whose state changed. */
  mark(who: SubscriberRef, action: MarkAction, target: MarkTarget): Promise<readonly StateChange[]>;
  /** Deletes; returns the messages deleted. */
  remove(who: SubscriberRef, target: MarkTarget): Promise<readonly StateChange[]>;
}

/** What crosses replicas about one subscriber: a stored message, or a state change. */
export type FanoutEvent =
  | {
      readonly kind: 'message';
      readonly who: SubscriberRef;
      readonly seq: number;
      /** Absent when it was too large to inline: the session reads it from the store. */
      readonly item?: InboxItem;
    }
  | {
      readonly kind: 'state';
      readonly who: SubscriberRef;
      readonly changes: readonly StateChange[];
      readonly counts?: InboxCounts;
    }
  | { readonly kind: 'counts'; readonly who: SubscriberRef; readonly counts: InboxCounts };

/** Cross-replica fan-out, per subscriber (a replica listens only for subscribers it holds). */
export interface Fanout {
  /** Resolves once listening: a store read started afterwards misses nothing. */
  subscribe(
    who: SubscriberRef,
    listener: (event: FanoutEvent) => void,
  ): Promise<() => Promise<void>>;
  publish(event: FanoutEvent): Promise<void>;
}

/** Client-caused statuses: `delivered` (a client received it), `seen`, `read`, `archived`. */
export type ClientStatus = 'delivered' | 'seen' | 'read' | 'archived';

/** A message a status is about: its id, and the item itself when the caller holds it. */
export interface StatusSubject {
  readonly id: string;
  readonly item?: InboxItem;
}

/** Publishes status events to herald.status (batched, never blocking a socket). */
export interface StatusSink {
  record(who: SubscriberRef, subjects: readonly StatusSubject[], state: ClientStatus): void;
}
