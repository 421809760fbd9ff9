import type {
  Fanout,
  FeedStore,
  InboxCounts,
  MarkAction,
  MarkTarget,
  StatusSink,
  SubscriberRef,
} from './ports.js';

/** The status each mark action publishes (unread/unarchived publish none: no delivery fact). */
const statusOf: Partial<Record<MarkAction, 'seen' | 'read' | 'archived'>> = {
  seen: 'seen',
  read: 'read',
  archived: 'archived',
};

/**
 * Changes shared by REST and WebSocket: apply to the store, publish the status
 * events, and tell every session of the subscriber on every replica (the changes and
 * the new counts), so all open tabs agree.
 */
export class InboxService {
  constructor(
    private readonly store: FeedStore,
    private readonly fanout: Fanout,
    private readonly statuses: StatusSink,
  ) {}

  async mark(
    who: SubscriberRef,
    action: MarkAction,
    target: MarkTarget,
  ): Promise<{ changed: number; counts: InboxCounts }> {
    const changes = await this.store.mark(who, action, target);
    const status = statusOf[action];
    if (status !== undefined && changes.length > 0) {
      this.statuses.record(
        who,
        changes.map((c) => ({ id: c.id })),
        status,
      );
    }
    const counts = await this.store.counts(who);
    if (changes.length > 0) await this.fanout.publish({ kind: 'state', who, changes, counts });
    return { changed: changes.length, counts };
  }

  async remove(
    who: SubscriberRef,
    target: MarkTarget,
  ): Promise<{ deleted: number; counts: InboxCounts }> {
    const changes = await this.store.remove(who, target);
    const counts = await this.store.counts(who);
    if (changes.length > 0) await this.fanout.publish({ kind: 'state', who, changes, counts });
    return { deleted: changes.length, counts };
  }
}
