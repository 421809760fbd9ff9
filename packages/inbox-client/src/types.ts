/** The wire types of the gateway (apps/gateway/src/ports.ts, frames.ts), for clients. */
export interface InboxItem {
  readonly id: string;
  readonly seq: number;
  readonly title: string;
  readonly body: string;
  readonly actionUrl?: string | null;
  readonly avatar?: string | null;
  readonly category?: string | null;
  readonly tags: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly collapseKey?: string | null;
  /** The seq this message replaced (same collapse key): drop that one. */
  readonly replacesSeq?: number | null;
  readonly createdAt: string;
  readonly seenAt?: string | null;
  readonly readAt?: string | null;
  readonly archivedAt?: string | null;
}

export interface InboxCounts {
  readonly total: number;
  readonly unread: number;
  readonly unseen: number;
}

/** A mark or delete made from any tab: the message's new state. */
export interface StateChange {
  readonly id: string;
  readonly seq: number;
  readonly seenAt: string | null;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly deleted: boolean;
}

export type MarkAction = 'read' | 'unread' | 'seen' | 'archived' | 'unarchived';

export interface FeedQuery {
  readonly status?: 'all' | 'unread' | 'read' | 'archived';
  readonly category?: string;
  readonly tags?: readonly string[];
  readonly cursor?: string;
  readonly limit?: number;
}

export interface FeedPage {
  /** Newest first. */
  readonly items: readonly InboxItem[];
  readonly nextCursor: string | null;
  /** Connect with this to get everything after the page, live. */
  readonly latestSeq: number;
}

export type ServerFrame =
  | { readonly type: 'message'; readonly seq: number; readonly item: InboxItem }
  | { readonly type: 'ready'; readonly lastSeq: number }
  | { readonly type: 'counts'; readonly counts: InboxCounts }
  | { readonly type: 'state'; readonly changes: readonly StateChange[] }
  | { readonly type: 'error'; readonly code: string; readonly message: string }
  | { readonly type: 'result'; readonly id: string; readonly ok: boolean; readonly body?: unknown };
