import { sql, type Kysely } from 'kysely';
import { addressRef, type ChannelName } from '@herald/core';
import type { HeraldDatabase } from './database.js';

/** The table of migrations/0009: addresses a provider said are gone, per tenant and channel. */
export type AddressStateTables = {
  address_states: {
    tenant: string;
    channel: string;
    address_ref: string;
    state: 'invalid';
    reason: string;
    provider: string;
    notification_id: string | null;
    marked_at: Date;
  };
};

/** Why an address is not used any more: what the provider answered, and when. */
export interface AddressState {
  readonly state: 'invalid';
  /** The provider's answer, e.g. `invalid-token (Unregistered)`. */
  readonly reason: string;
  readonly provider: string;
  readonly markedAt: Date;
  readonly notificationId?: string;
}

/** A mark to record: the (normalised) address as the job carried it. */
export interface AddressInvalidation {
  readonly tenant: string;
  readonly channel: ChannelName;
  readonly address: string;
  readonly reason: string;
  readonly provider: string;
  readonly notificationId?: string;
  readonly at: Date;
}

// A provider's body may be long; the reason only has to say which answer it was.
const MAX_REASON = 1000;

/**
 * Address states (migrations/0009): the worker marks an address invalid when its
 * provider says the device token or subscription is gone; the router (through
 * RecipientStore.getMany) and the worker read the marks before sending; a recipient
 * upsert that carries the address again clears an older mark (`clearRegistered`).
 * Rows are keyed by core's `addressRef` hash, so no raw token is stored.
 *
 * @example
 * await states.markInvalid({ tenant: 'acme', channel: 'push', address: token, reason: 'invalid-token (Unregistered)', provider: 'apns', at: new Date() });
 * (await states.find('acme', 'push', token))?.reason; // 'invalid-token (Unregistered)'
 */
export class AddressStateStore {
  readonly #db: Kysely<HeraldDatabase & AddressStateTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<AddressStateTables>();
  }

  /** Records (or refreshes) the mark; an older mark's details are replaced, a newer one kept. */
  async markInvalid(mark: AddressInvalidation): Promise<void> {
    const row = {
      tenant: mark.tenant,
      channel: mark.channel,
      address_ref: addressRef(mark.channel, mark.address),
      state: 'invalid' as const,
      reason: mark.reason.slice(0, MAX_REASON) || 'invalid',
      provider: mark.provider,
      notification_id: mark.notificationId ?? null,
      marked_at: mark.at,
    };
    await this.#db
      .insertInto('address_states')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['tenant', 'channel', 'address_ref'])
          .doUpdateSet({
            reason: row.reason,
            provider: row.provider,
            notification_id: row.notification_id,
            marked_at: row.marked_at,
          })
          .where('address_states.marked_at', '<=', row.marked_at),
      )
      .execute();
  }

  /** The mark on one address, undefined when it has none. */
  async find(
    tenant: string,
    channel: ChannelName,
    address: string,
  ): Promise<AddressState | undefined> {
    const found = await this.findMany(tenant, [{ channel, address }]);
    return found.get(addressRef(channel, address));
  }

  /** The marks among `addresses` of one tenant, by `addressRef(channel, address)`; one query. */
  async findMany(
    tenant: string,
    addresses: readonly { readonly channel: ChannelName; readonly address: string }[],
  ): Promise<Map<string, AddressState>> {
    const found = new Map<string, AddressState>();
    if (addresses.length === 0) return found;
    const refs = [...new Set(addresses.map((a) => addressRef(a.channel, a.address)))];
    const rows = await this.#db
      .selectFrom('address_states')
      .select(['address_ref', 'state', 'reason', 'provider', 'notification_id', 'marked_at'])
      .where('tenant', '=', tenant)
      .where('address_ref', 'in', refs)
      .execute();
    for (const r of rows) {
      found.set(r.address_ref, {
        state: r.state,
        reason: r.reason,
        provider: r.provider,
        markedAt: new Date(r.marked_at),
        ...(r.notification_id === null ? {} : { notificationId: r.notification_id }),
      });
    }
    return found;
  }

  /**
   * Re-registration: drops the marks on these addresses made before `registeredAt`. A
   * mark made after it (the provider answered after the app registered the token) stays.
   * `db`: a transaction to run in (RecipientStore.upsert's).
   */
  async clearRegistered(
    tenant: string,
    addresses: readonly { readonly channel: ChannelName; readonly address: string }[],
    registeredAt?: Date,
    db?: Kysely<HeraldDatabase>,
  ): Promise<number> {
    if (addresses.length === 0) return 0;
    const result = await (db?.withTables<AddressStateTables>() ?? this.#db)
      .deleteFrom('address_states')
      .where('tenant', '=', tenant)
      .where(
        'address_ref',
        'in',
        addresses.map((a) => addressRef(a.channel, a.address)),
      )
      .where('marked_at', '<', registeredAt ?? sql<Date>`now()`)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
