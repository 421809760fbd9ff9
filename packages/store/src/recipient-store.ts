import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';
import {
  addressRef,
  channelNames,
  checkAddress,
  HeraldError,
  isChannelName,
  type ChannelName,
} from '@herald/core';
import {
  AddressStateStore,
  type AddressState,
  type AddressStateTables,
} from './address-state-store.js';
import type { HeraldDatabase } from './database.js';

/** Tables of migrations/0002 that hold recipients and preferences. */
export type RecipientTables = {
  recipients: {
    tenant: string;
    id: string;
    locale: string | null;
    timezone: string | null;
    attributes: ColumnType<unknown, string, string>;
    preferences: ColumnType<unknown, string | null, string | null>;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  recipient_addresses: { tenant: string; recipient_id: string; channel: string; address: string };
  tenant_preferences: {
    tenant: string;
    preferences: ColumnType<unknown, string, string>;
    updated_at: Generated<Date>;
  };
};

/**
 * A recipient as stored. `preferences` is the JSON shape of `Preferences` in
 * @herald/rules (channels, categories, eventTypes, quietHours, timezone); the store
 * keeps it as data, the planner interprets it.
 */
export interface StoredRecipient {
  readonly tenant: string;
  readonly id: string;
  readonly addresses: Readonly<Partial<Record<ChannelName, string>>>;
  readonly locale?: string;
  readonly timezone?: string;
  readonly attributes?: Readonly<Record<string, unknown>>;
  readonly preferences?: Readonly<Record<string, unknown>>;
  /**
   * Read only (getMany): the addresses a provider marked invalid (migrations/0009), by
   * channel; the router suppresses jobs to them with `address_invalid`.
   */
  readonly invalidAddresses?: Readonly<Partial<Record<ChannelName, AddressState>>>;
}

/** When an upsert's addresses were registered (by the app, on the device): clears older marks. */
export interface UpsertOptions {
  /** Default: the database's now(). A mark made after it stays (the token died since). */
  readonly registeredAt?: Date;
}

/**
 * Why an address is not acceptable for its channel, or undefined when it is: the same
 * check the router and the providers apply (core's `checkAddress`), so a stored address
 * is never one they would refuse.
 */
export function addressProblem(channel: string, address: string): string | undefined {
  if (!isChannelName(channel)) {
    return `unknown channel "${channel}"; expected one of ${channelNames.join(', ')}`;
  }
  const checked = checkAddress(channel, address);
  // JSON quoting: an address with a line break stays on one line of the message.
  return checked.ok
    ? undefined
    : `${channel} address ${JSON.stringify(address)} ${checked.problem}`;
}

/** The addresses as stored: each normalised by `checkAddress` (trimmed, lower-case domain, E.164). */
function normalised(addresses: StoredRecipient['addresses']): [ChannelName, string][] {
  const out: [ChannelName, string][] = [];
  for (const [channel, address] of Object.entries(addresses)) {
    if (address === undefined || !isChannelName(channel)) continue;
    const checked = checkAddress(channel, address);
    if (checked.ok) out.push([channel, checked.address]);
  }
  return out;
}

function timezoneProblem(zone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `timezone "${zone}" is not an IANA time zone (e.g. Europe/Berlin)`;
  }
}

/**
 * Throws HERALD_ERR_RECIPIENT_INVALID naming every field that is wrong (empty id, an
 * address that is not one valid address of its channel, an unknown time zone); `upsert`
 * calls it, and a bulk write calls it for every recipient before storing any.
 */
export function validateRecipient(recipient: StoredRecipient): void {
  const problems: string[] = [];
  if (recipient.id.length === 0) problems.push('id is empty');
  for (const [channel, address] of Object.entries(recipient.addresses)) {
    const problem = addressProblem(channel, address ?? '');
    if (problem !== undefined) problems.push(problem);
  }
  if (recipient.timezone !== undefined) {
    const problem = timezoneProblem(recipient.timezone);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) {
    throw new HeraldError('HERALD_ERR_RECIPIENT_INVALID', [
      recipient.id,
      recipient.tenant,
      problems.join('; '),
    ]);
  }
}

/**
 * Recipients, their addresses per channel and preferences, and tenant default
 * preferences (migrations/0002). Addresses are validated and normalised on the way
 * in with core's `checkAddress` (one mailbox, E.164 phones, http(s) URLs, ids), and
 * again, more loosely, by CHECK constraints.
 *
 * @example
 * await recipients.upsert({ tenant: 'acme', id: 'alice', addresses: { email: 'alice@example.com', sms: '+4915112345678' }, timezone: 'Europe/Berlin' });
 * const found = await recipients.getMany('acme', ['alice', 'bob']); // Map: only the ones that exist
 */
export class RecipientStore {
  readonly #db: Kysely<HeraldDatabase & RecipientTables & AddressStateTables>;
  readonly #states: AddressStateStore;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<RecipientTables>().withTables<AddressStateTables>();
    this.#states = new AddressStateStore(db);
  }

  /**
   * Creates or replaces a recipient with exactly these addresses, in one transaction.
   * Carrying an address is registering it: a mark on it older than `registeredAt`
   * (the app re-registered a token the provider had refused) is cleared.
   */
  async upsert(recipient: StoredRecipient, options: UpsertOptions = {}): Promise<void> {
    validateRecipient(recipient);
    await this.#db.transaction().execute(async (tx) => {
      const row = {
        tenant: recipient.tenant,
        id: recipient.id,
        locale: recipient.locale ?? null,
        timezone: recipient.timezone ?? null,
        attributes: JSON.stringify(recipient.attributes ?? {}),
        preferences:
          recipient.preferences === undefined ? null : JSON.stringify(recipient.preferences),
      };
      await tx
        .insertInto('recipients')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['tenant', 'id']).doUpdateSet({
            locale: row.locale,
            timezone: row.timezone,
            attributes: row.attributes,
            preferences: row.preferences,
            updated_at: sql<Date>`now()`,
          }),
        )
        .execute();
      await tx
        .deleteFrom('recipient_addresses')
        .where('tenant', '=', recipient.tenant)
        .where('recipient_id', '=', recipient.id)
        .execute();
      // validateRecipient() refused the recipient if any address was invalid.
      const addresses = normalised(recipient.addresses);
      if (addresses.length > 0) {
        await tx
          .insertInto('recipient_addresses')
          .values(
            addresses.map(([channel, address]) => ({
              tenant: recipient.tenant,
              recipient_id: recipient.id,
              channel,
              address,
            })),
          )
          .execute();
        await this.#states.clearRegistered(
          recipient.tenant,
          addresses.map(([channel, address]) => ({ channel, address })),
          options.registeredAt,
          // The same transaction, seen with only the tables this store declares.
          tx as unknown as Kysely<HeraldDatabase>,
        );
      }
    });
  }

  async delete(tenant: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('recipients')
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The recipients of `tenant` among `ids`, in two queries; absent ids are not in the map. */
  async getMany(tenant: string, ids: readonly string[]): Promise<Map<string, StoredRecipient>> {
    const found = new Map<string, StoredRecipient>();
    if (ids.length === 0) return found;
    const wanted = [...new Set(ids)];
    const rows = await this.#db
      .selectFrom('recipients')
      .select(['id', 'locale', 'timezone', 'attributes', 'preferences'])
      .where('tenant', '=', tenant)
      .where('id', 'in', wanted)
      .execute();
    if (rows.length === 0) return found;
    const addresses = await this.#db
      .selectFrom('recipient_addresses')
      .select(['recipient_id', 'channel', 'address'])
      .where('tenant', '=', tenant)
      .where(
        'recipient_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const byRecipient = new Map<string, Partial<Record<ChannelName, string>>>();
    for (const a of addresses) {
      if (!isChannelName(a.channel)) continue;
      let map = byRecipient.get(a.recipient_id);
      if (map === undefined) byRecipient.set(a.recipient_id, (map = {}));
      map[a.channel] = a.address;
    }
    const marks = await this.#states.findMany(
      tenant,
      addresses.flatMap((a) =>
        isChannelName(a.channel) ? [{ channel: a.channel, address: a.address }] : [],
      ),
    );
    for (const r of rows) {
      const own = byRecipient.get(r.id) ?? {};
      const invalid = invalidOf(own, marks);
      found.set(r.id, {
        tenant,
        id: r.id,
        addresses: own,
        ...(invalid === undefined ? {} : { invalidAddresses: invalid }),
        ...(r.locale === null ? {} : { locale: r.locale }),
        ...(r.timezone === null ? {} : { timezone: r.timezone }),
        attributes: (r.attributes ?? {}) as Record<string, unknown>,
        ...(r.preferences === null || r.preferences === undefined
          ? {}
          : { preferences: r.preferences as Record<string, unknown> }),
      });
    }
    return found;
  }

  /** Replaces a tenant's default preferences; `null` removes them. */
  async setTenantPreferences(
    tenant: string,
    preferences: Readonly<Record<string, unknown>> | null,
  ): Promise<void> {
    if (preferences === null) {
      await this.#db.deleteFrom('tenant_preferences').where('tenant', '=', tenant).execute();
      return;
    }
    const value = JSON.stringify(preferences);
    await this.#db
      .insertInto('tenant_preferences')
      .values({ tenant, preferences: value })
      .onConflict((oc) =>
        oc.column('tenant').doUpdateSet({ preferences: value, updated_at: sql<Date>`now()` }),
      )
      .execute();
  }

  /** A tenant's default preferences, undefined when it has none. */
  async tenantPreferences(tenant: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#db
      .selectFrom('tenant_preferences')
      .select('preferences')
      .where('tenant', '=', tenant)
      .executeTakeFirst();
    return (row?.preferences ?? undefined) as Record<string, unknown> | undefined;
  }
}

/** The marks on a recipient's addresses, by channel; undefined when none is marked. */
function invalidOf(
  addresses: Partial<Record<ChannelName, string>>,
  marks: ReadonlyMap<string, AddressState>,
): Partial<Record<ChannelName, AddressState>> | undefined {
  if (marks.size === 0) return undefined;
  let out: Partial<Record<ChannelName, AddressState>> | undefined;
  for (const [channel, address] of Object.entries(addresses) as [ChannelName, string][]) {
    const mark = marks.get(addressRef(channel, address));
    if (mark !== undefined) (out ??= {})[channel] = mark;
  }
  return out;
}
