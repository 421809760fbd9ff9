import type { ChannelName } from '@herald/core';
import {
  TOPIC_PREFIX,
  type AddressMark,
  type Preferences,
  type Recipient,
  type RecipientRef,
} from '@herald/rules';

/** Where the cache loads from: recipients of one tenant by id, and tenant defaults. */
export interface RecipientSource {
  getMany(tenant: string, ids: readonly string[]): Promise<ReadonlyMap<string, Recipient>>;
  tenantPreferences(tenant: string): Promise<Preferences | undefined>;
  /** Subscribers of each topic (`topic:<key>` refs); absent = the source holds no topics. */
  topicMembers?(
    tenant: string,
    topics: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>>;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * A bounded, TTL'd cache of recipients and tenant preferences in front of Postgres.
 * `planDeliveries` resolves recipients synchronously, so the router first asks
 * `load()` for the ids a chunk's matches name (one query per tenant for the missing
 * ones), then plans with `resolve`/`tenantPreferences`, which only read memory.
 * Missing ids are cached too (as absent), so an unknown id costs one query per TTL.
 * Least recently used entries go first once `maxEntries` is reached.
 */
export class RecipientCache {
  readonly #source: RecipientSource;
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  // Map iteration order is insertion order: re-inserting on use makes it an LRU.
  readonly #recipients = new Map<string, Entry<Recipient | null>>();
  readonly #tenants = new Map<string, Entry<Preferences | null>>();
  // Topic members per (tenant, topic), TTL'd like recipients (a handful of topics).
  readonly #topics = new Map<string, Entry<readonly string[]>>();

  constructor(
    source: RecipientSource,
    options: { ttlMs: number; maxEntries: number; now?: () => number },
  ) {
    this.#source = source;
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  get size(): number {
    return this.#recipients.size;
  }

  /**
   * Loads what `refs` need and is not cached (or expired). A `topic:<key>` ref loads the
   * topic's members first, then the members as recipients. Throws when the source is down.
   */
  async load(given: readonly RecipientRef[]): Promise<void> {
    const now = this.#now();
    const refs = [...given.filter((r) => !r.ref.startsWith(TOPIC_PREFIX))];
    for (const { tenant, ref } of await this.#loadTopics(given, now)) refs.push({ tenant, ref });
    const missing = new Map<string, string[]>();
    const tenants = new Set<string>();
    for (const { tenant, ref } of refs) {
      tenants.add(tenant);
      const entry = this.#recipients.get(key(tenant, ref));
      if (entry !== undefined && entry.expiresAt > now) continue;
      let ids = missing.get(tenant);
      if (ids === undefined) missing.set(tenant, (ids = []));
      ids.push(ref);
    }
    const expiresAt = now + this.#ttlMs;
    await Promise.all([
      ...[...missing].map(async ([tenant, ids]) => {
        const found = await this.#source.getMany(tenant, ids);
        for (const id of ids) this.#set(key(tenant, id), found.get(id) ?? null, expiresAt);
      }),
      ...[...tenants].map(async (tenant) => {
        const entry = this.#tenants.get(tenant);
        if (entry !== undefined && entry.expiresAt > now) return;
        const prefs = await this.#source.tenantPreferences(tenant);
        this.#tenants.set(tenant, { value: prefs ?? null, expiresAt });
      }),
    ]);
  }

  /** The members of topics among `refs`, loading the missing topics (one query per tenant). */
  async #loadTopics(refs: readonly RecipientRef[], now: number): Promise<RecipientRef[]> {
    const wanted = refs.filter((r) => r.ref.startsWith(TOPIC_PREFIX));
    if (wanted.length === 0 || this.#source.topicMembers === undefined) return [];
    const missing = new Map<string, string[]>();
    for (const { tenant, ref } of wanted) {
      const entry = this.#topics.get(key(tenant, ref));
      if (entry !== undefined && entry.expiresAt > now) continue;
      let topics = missing.get(tenant);
      if (topics === undefined) missing.set(tenant, (topics = []));
      topics.push(ref.slice(TOPIC_PREFIX.length));
    }
    await Promise.all(
      [...missing].map(async ([tenant, topics]) => {
        const found = await this.#source.topicMembers!(tenant, topics);
        for (const topic of topics)
          this.#topics.set(key(tenant, `${TOPIC_PREFIX}${topic}`), {
            value: found.get(topic) ?? [],
            expiresAt: now + this.#ttlMs,
          });
      }),
    );
    return wanted.flatMap(({ tenant, ref }) =>
      (this.#topics.get(key(tenant, ref))?.value ?? []).map((id) => ({ tenant, ref: id })),
    );
  }

  /** A loaded topic's members; undefined when not loaded (or the source holds no topics). */
  topicMembers(topic: string, tenant: string): readonly string[] | undefined {
    return this.#topics.get(key(tenant, `${TOPIC_PREFIX}${topic}`))?.value;
  }

  /** A loaded recipient; undefined when unknown or not loaded. Synchronous, for planning. */
  resolve(ref: string, tenant: string): Recipient | undefined {
    const k = key(tenant, ref);
    const entry = this.#recipients.get(k);
    if (entry === undefined) return undefined;
    this.#recipients.delete(k);
    this.#recipients.set(k, entry);
    return entry.value ?? undefined;
  }

  tenantPreferences(tenant: string): Preferences | undefined {
    return this.#tenants.get(tenant)?.value ?? undefined;
  }

  #set(k: string, value: Recipient | null, expiresAt: number): void {
    this.#recipients.delete(k);
    this.#recipients.set(k, { value, expiresAt });
    while (this.#recipients.size > this.#maxEntries) {
      const oldest = this.#recipients.keys().next().value as string;
      this.#recipients.delete(oldest);
    }
    // Tenants are few; bound them anyway.
    while (this.#tenants.size > this.#maxEntries) {
      this.#tenants.delete(this.#tenants.keys().next().value as string);
    }
  }
}

function key(tenant: string, ref: string): string {
  return `${tenant}\u0000${ref}`;
}

/** A stored recipient row, as `RecipientStore` (@herald/store) returns it. */
export interface RecipientRow {
  readonly addresses: Readonly<Partial<Record<ChannelName, string>>>;
  readonly locale?: string | undefined;
  readonly timezone?: string | undefined;
  readonly attributes?: Readonly<Record<string, unknown>> | undefined;
  readonly preferences?: Readonly<Record<string, unknown>> | undefined;
  /** Addresses a provider marked invalid (migrations/0009); planning suppresses them. */
  readonly invalidAddresses?: Readonly<Partial<Record<ChannelName, AddressMark>>> | undefined;
}

/** The rows a recipient store holds: recipients by id per tenant, and tenant defaults. */
export interface RecipientRows {
  getMany(tenant: string, ids: readonly string[]): Promise<ReadonlyMap<string, RecipientRow>>;
  tenantPreferences(tenant: string): Promise<Record<string, unknown> | undefined>;
}

/** Topic subscribers as `TopicStore` (@herald/store) returns them. */
export interface TopicRows {
  subscribers(
    tenant: string,
    topics: readonly string[],
  ): Promise<ReadonlyMap<string, readonly string[]>>;
}

/** A source over a recipient store, converting rows to the planner's `Recipient`. */
export function recipientSource(store: RecipientRows, topics?: TopicRows): RecipientSource {
  return {
    ...(topics === undefined
      ? {}
      : {
          topicMembers: (tenant: string, keys: readonly string[]) =>
            topics.subscribers(tenant, keys),
        }),
    async getMany(tenant, ids) {
      const rows = await store.getMany(tenant, ids);
      const out = new Map<string, Recipient>();
      for (const [id, r] of rows) {
        out.set(id, {
          id,
          tenant,
          addresses: r.addresses,
          ...(r.locale === undefined ? {} : { locale: r.locale }),
          ...(r.timezone === undefined ? {} : { timezone: r.timezone }),
          ...(r.attributes === undefined ? {} : { attributes: r.attributes }),
          // Stored as the JSON shape of Preferences (docs/rules.md).
          ...(r.preferences === undefined ? {} : { preferences: r.preferences as Preferences }),
          ...(r.invalidAddresses === undefined ? {} : { invalidAddresses: r.invalidAddresses }),
        });
      }
      return out;
    },
    async tenantPreferences(tenant) {
      return (await store.tenantPreferences(tenant)) as Preferences | undefined;
    },
  };
}
