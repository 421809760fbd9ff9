import type { Kysely, Selectable } from 'kysely';
import type { HeraldDatabase, StatusEventsTable } from './database.js';
import type {
  AuditTables,
  DeliveryAttemptsTable,
  EventsTable,
  NotificationsTable,
} from './audit-rows.js';

export type NotificationRecord = Selectable<NotificationsTable>;
export type AttemptRecord = Selectable<DeliveryAttemptsTable>;
export type EventRecord = Selectable<EventsTable>;
export type StatusRecord = Selectable<StatusEventsTable>;

/** Filters shared by the audit queries; every one is optional. */
export interface AuditFilter {
  readonly tenant?: string;
  readonly state?: string;
  readonly channel?: string;
  /** event_time ≥ since (the partition key: a time range prunes partitions). */
  readonly since?: Date;
  /** event_time < until. */
  readonly until?: Date;
  /** Rows at most (default 100). */
  readonly limit?: number;
}

/** A page of `search`: filters of AuditFilter plus these, tenant required. */
export interface NotificationSearch extends AuditFilter {
  readonly tenant: string;
  readonly recipient?: string;
  readonly eventId?: string;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** The position after a row (event_time desc, notification_id asc), opaque to callers. */
function cursorOf(row: NotificationRecord): string {
  return Buffer.from(`${row.event_time.toISOString()}|${row.notification_id}`).toString(
    'base64url',
  );
}

function parseCursor(cursor: string): { time: Date; id: string } | undefined {
  const [time, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  const date = new Date(time ?? '');
  return id === undefined || Number.isNaN(date.getTime()) ? undefined : { time: date, id };
}

/** A notification with its full story. */
export interface NotificationHistory {
  readonly notification: NotificationRecord;
  readonly attempts: readonly AttemptRecord[];
  readonly statuses: readonly StatusRecord[];
}

/**
 * Read side of the audit tables: what `herald audit` and the API's receipts ask.
 *
 * @example
 * const audit = new AuditQueries(db);
 * const history = await audit.notification('0b5c…'); // { notification, attempts, statuses }
 */
export class AuditQueries {
  readonly #db: Kysely<HeraldDatabase & AuditTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<AuditTables>();
  }

  /**
   * Whether a provider receipt said the notification was delivered (`delivered_at`
   * set: a later `bounced` still counts, it was delivered first). The worker asks it
   * for a fallback that waits for a receipt (`fallback.after`, docs/rules.md).
   */
  async wasDelivered(id: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('notifications')
      .select('delivered_at')
      .where('notification_id', '=', id)
      .where('delivered_at', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** One notification's row, attempts and status events, or undefined. */
  async notification(id: string): Promise<NotificationHistory | undefined> {
    const notification = await this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('notification_id', '=', id)
      .executeTakeFirst();
    if (!notification) return undefined;
    const [attempts, statuses] = await Promise.all([
      this.#db
        .selectFrom('delivery_attempts')
        .selectAll()
        .where('notification_id', '=', id)
        .where('event_time', '=', notification.event_time)
        .orderBy('attempt')
        .execute(),
      this.#db
        .selectFrom('status_events')
        .selectAll()
        .where('notification_id', '=', id)
        .where('event_time', '=', notification.event_time)
        .orderBy('occurred_at')
        .orderBy('attempt')
        .execute(),
    ]);
    return { notification, attempts, statuses };
  }

  /**
   * One page of a tenant's notifications, newest first, by recipient, event, state,
   * channel and time; `nextCursor` when there may be more. Keyset pagination: a page
   * costs the same at any depth, and rows inserted meanwhile never shift a page.
   * Returns undefined for a cursor that is not one of ours.
   */
  async search(
    filter: NotificationSearch,
  ): Promise<{ items: NotificationRecord[]; nextCursor?: string } | undefined> {
    const limit = filter.limit ?? 50;
    let query = this.#notifications({ ...filter, limit: limit + 1 });
    if (filter.recipient) query = query.where('recipient_ref', '=', filter.recipient);
    if (filter.eventId) query = query.where('event_id', '=', filter.eventId);
    if (filter.cursor !== undefined) {
      const after = parseCursor(filter.cursor);
      if (!after) return undefined;
      query = query.where((eb) =>
        eb.or([
          eb('event_time', '<', after.time),
          eb.and([eb('event_time', '=', after.time), eb('notification_id', '>', after.id)]),
        ]),
      );
    }
    const rows = await query.execute();
    const items = rows.slice(0, limit);
    return rows.length > limit ? { items, nextCursor: cursorOf(items.at(-1)!) } : { items };
  }

  /** Notifications of one recipient, newest first. */
  recipient(ref: string, filter: AuditFilter = {}): Promise<NotificationRecord[]> {
    return this.#notifications(filter).where('recipient_ref', '=', ref).execute();
  }

  /** One event's outcome rows (one per tenant that used the id) and its notifications. */
  async event(
    id: string,
    filter: AuditFilter = {},
  ): Promise<{ events: EventRecord[]; notifications: NotificationRecord[] }> {
    let events = this.#db.selectFrom('events').selectAll().where('event_id', '=', id);
    if (filter.tenant) events = events.where('tenant', '=', filter.tenant);
    return {
      events: await events.orderBy('event_time', 'desc').execute(),
      notifications: await this.#notifications(filter).where('event_id', '=', id).execute(),
    };
  }

  /** The notification a provider's message id belongs to (receipts without metadata). */
  byProviderMessageId(messageId: string): Promise<NotificationRecord | undefined> {
    return this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('provider_message_id', '=', messageId)
      .orderBy('event_time', 'desc')
      .executeTakeFirst();
  }

  #notifications(filter: AuditFilter) {
    let query = this.#db.selectFrom('notifications').selectAll();
    if (filter.tenant) query = query.where('tenant', '=', filter.tenant);
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.channel) query = query.where('channel', '=', filter.channel);
    if (filter.since) query = query.where('event_time', '>=', filter.since);
    if (filter.until) query = query.where('event_time', '<', filter.until);
    return query
      .orderBy('event_time', 'desc')
      .orderBy('notification_id')
      .limit(filter.limit ?? 100);
  }
}
