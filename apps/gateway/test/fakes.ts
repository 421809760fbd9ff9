import type {
  AfterPage,
  Fanout,
  FanoutEvent,
  FeedPage,
  FeedQuery,
  FeedStore,
  InboxCounts,
  InboxItem,
  MarkAction,
  MarkTarget,
  StateChange,
  StatusSink,
  StatusSubject,
  SubscriberRef,
  ClientStatus,
} from '../src/ports.js';
import { subscriberKey } from '../src/hub.js';

interface Row extends InboxItem {
  deleted: boolean;
  superseded: boolean;
}

/**
 * An in-memory FeedStore for the unit specs of sessions, hub and routes (the
 * real-stack tests use @herald/inbox on Postgres). Same contract: seq per subscriber,
 * collapse keys supersede, marks return what changed.
 */
export class FakeFeedStore implements FeedStore {
  readonly rows = new Map<string, Row[]>();
  readAfterCalls = 0;
  /** Runs before readAfter answers (to interleave live events in tests). */
  beforeRead: (() => void | Promise<void>) | undefined;
  /** Awaited by every lastSeq (a slow store). */
  beforeLastSeq: (() => void | Promise<void>) | undefined;

  #of(who: SubscriberRef): Row[] {
    const key = subscriberKey(who);
    let rows = this.rows.get(key);
    if (rows === undefined) {
      rows = [];
      this.rows.set(key, rows);
    }
    return rows;
  }

  append(who: SubscriberRef, input: Partial<InboxItem> & { title: string }): InboxItem {
    const rows = this.#of(who);
    const seq = rows.length + 1;
    let replacesSeq: number | null = null;
    if (input.collapseKey) {
      const old = rows.find(
        (r) => r.collapseKey === input.collapseKey && !r.superseded && !r.deleted,
      );
      if (old) {
        old.superseded = true;
        replacesSeq = old.seq;
      }
    }
    const row: Row = {
      id: input.id ?? `${who.tenant}.${who.subscriber}-${seq}`,
      seq,
      title: input.title,
      body: input.body ?? '',
      tags: input.tags ?? [],
      data: input.data ?? {},
      category: input.category ?? null,
      collapseKey: input.collapseKey ?? null,
      replacesSeq,
      createdAt: new Date().toISOString(),
      seenAt: null,
      readAt: null,
      archivedAt: null,
      deleted: false,
      superseded: false,
    };
    rows.push(row);
    return row;
  }

  #live(who: SubscriberRef): Row[] {
    return this.#of(who).filter((r) => !r.deleted && !r.superseded);
  }

  async list(who: SubscriberRef, query: FeedQuery): Promise<FeedPage> {
    let rows = this.#live(who).filter((r) =>
      query.status === 'archived' ? r.archivedAt : !r.archivedAt,
    );
    if (query.status === 'unread') rows = rows.filter((r) => !r.readAt);
    if (query.status === 'read') rows = rows.filter((r) => r.readAt);
    if (query.category) rows = rows.filter((r) => r.category === query.category);
    if (query.tags) rows = rows.filter((r) => query.tags!.every((t) => r.tags.includes(t)));
    rows = rows.sort((a, b) => b.seq - a.seq);
    if (query.cursor) rows = rows.filter((r) => r.seq < Number(query.cursor));
    const items = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    return {
      items,
      nextCursor: more ? String(items.at(-1)!.seq) : null,
      latestSeq: await this.lastSeq(who),
    };
  }

  async readAfter(who: SubscriberRef, after: number, limit: number): Promise<AfterPage> {
    this.readAfterCalls++;
    await this.beforeRead?.();
    const rows = this.#live(who).filter((r) => r.seq > after);
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async lastSeq(who: SubscriberRef): Promise<number> {
    await this.beforeLastSeq?.();
    return this.#of(who).length;
  }

  async counts(who: SubscriberRef): Promise<InboxCounts> {
    const rows = this.#live(who).filter((r) => !r.archivedAt);
    return {
      total: rows.length,
      unread: rows.filter((r) => !r.readAt).length,
      unseen: rows.filter((r) => !r.seenAt).length,
    };
  }

  async mark(who: SubscriberRef, action: MarkAction, target: MarkTarget): Promise<StateChange[]> {
    const now = new Date().toISOString();
    const changed: StateChange[] = [];
    for (const row of this.#live(who)) {
      if (target !== 'all' && !target.includes(row.id)) continue;
      const before = JSON.stringify([row.seenAt, row.readAt, row.archivedAt]);
      const r = row as { seenAt: string | null; readAt: string | null; archivedAt: string | null };
      if (action === 'read') {
        r.readAt ??= now;
        r.seenAt ??= now;
      } else if (action === 'unread') r.readAt = null;
      else if (action === 'seen') r.seenAt ??= now;
      else if (action === 'archived') r.archivedAt ??= now;
      else r.archivedAt = null;
      if (JSON.stringify([row.seenAt, row.readAt, row.archivedAt]) !== before) {
        changed.push({
          id: row.id,
          seq: row.seq,
          seenAt: row.seenAt ?? null,
          readAt: row.readAt ?? null,
          archivedAt: row.archivedAt ?? null,
          deleted: false,
        });
      }
    }
    return changed;
  }

  async remove(who: SubscriberRef, target: MarkTarget): Promise<StateChange[]> {
    const changed: StateChange[] = [];
    for (const row of this.#live(who)) {
      if (target !== 'all' && !target.includes(row.id)) continue;
      row.deleted = true;
      changed.push({
        id: row.id,
        seq: row.seq,
        seenAt: null,
        readAt: null,
        archivedAt: null,
        deleted: true,
      });
    }
    return changed;
  }
}

/** An in-process fan-out: publish calls every listener of the subscriber. */
export class FakeFanout implements Fanout {
  readonly listeners = new Map<string, Set<(event: FanoutEvent) => void>>();
  published: FanoutEvent[] = [];

  async subscribe(who: SubscriberRef, listener: (event: FanoutEvent) => void) {
    const key = subscriberKey(who);
    let set = this.listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  async publish(event: FanoutEvent): Promise<void> {
    this.published.push(event);
    for (const listener of this.listeners.get(subscriberKey(event.who)) ?? []) listener(event);
  }
}

export class FakeStatusSink implements StatusSink {
  readonly records: { who: SubscriberRef; ids: string[]; state: ClientStatus }[] = [];
  record(who: SubscriberRef, subjects: readonly StatusSubject[], state: ClientStatus): void {
    this.records.push({ who, ids: subjects.map((s) => s.id), state });
  }
}
