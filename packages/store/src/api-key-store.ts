import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Generated, type Kysely, type Selectable } from 'kysely';
import { HeraldError } from '@herald/core';
import type { HeraldDatabase } from './database.js';

/** Tables of migrations/0011: tenants and their API keys. */
export type TenantTables = {
  tenants: { id: string; name: string; created_at: Generated<Date> };
  api_keys: {
    id: string;
    tenant: string;
    name: string;
    prefix: string;
    secret_hash: Buffer;
    scopes: string[];
    created_by: string;
    created_at: Generated<Date>;
    revoked_at: Date | null;
    last_used_at: Date | null;
    rotated_from: string | null;
  };
};

export const apiKeyScopes = ['admin', 'publish', 'read'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

/** What a key may do; `secret` never leaves `create`/`rotate`. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
  /** `hk_<id>`: safe to show and log. */
  readonly prefix: string;
  readonly scopes: readonly ApiKeyScope[];
  readonly createdBy: string;
  readonly createdAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly rotatedFrom: string | null;
}

export interface Tenant {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
}

const TENANT_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** `hk_` + 12 lower-case base-36 characters + `_` + 43 base64url characters (32 bytes). */
const KEY = /^hk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

function newId(): string {
  // 12 base-36 characters from 8 random bytes: ~62 bits, only needs to be unique.
  return BigInt(`0x${randomBytes(8).toString('hex')}`)
    .toString(36)
    .padStart(12, '0')
    .slice(-12);
}

type KeyRow = Selectable<TenantTables['api_keys']>;

function info(row: Omit<KeyRow, 'secret_hash'>): ApiKeyInfo {
  return {
    id: row.id,
    tenant: row.tenant,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as ApiKeyScope[],
    createdBy: row.created_by,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    rotatedFrom: row.rotated_from,
  };
}

/**
 * Tenants and their API keys. A key is `hk_<id>_<secret>`, returned once by `create`
 * and `rotate`; only SHA-256 of the secret is stored. SHA-256 rather than a password
 * hash: the secret is 256 random bits, so nothing can be guessed from the hash, and a
 * deliberately slow hash would cost every API request milliseconds for nothing.
 *
 * @example
 * const keys = new ApiKeyStore(db);
 * await keys.createTenant('acme', 'Acme Inc');
 * const { key } = await keys.create({ tenant: 'acme', name: 'ci', scopes: ['publish'], createdBy: 'ops' });
 * const found = await keys.verify(key); // ApiKeyInfo, or undefined (unknown, wrong secret, revoked)
 */
export class ApiKeyStore {
  readonly #db: Kysely<HeraldDatabase & TenantTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<TenantTables>();
  }

  async createTenant(id: string, name: string): Promise<Tenant> {
    if (!TENANT_ID.test(id)) {
      throw new HeraldError('HERALD_ERR_TENANT_INVALID', [
        `tenant id ${JSON.stringify(id)} must be 1-63 lower-case letters, digits, "_" or "-", starting with a letter or digit`,
      ]);
    }
    const row = await this.#db
      .insertInto('tenants')
      .values({ id, name })
      .onConflict((oc) => oc.column('id').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new HeraldError('HERALD_ERR_TENANT_INVALID', [`tenant "${id}" exists already`]);
    return { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async tenants(): Promise<Tenant[]> {
    const rows = await this.#db.selectFrom('tenants').selectAll().orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at }));
  }

  async tenant(id: string): Promise<Tenant | undefined> {
    const r = await this.#db
      .selectFrom('tenants')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r && { id: r.id, name: r.name, createdAt: r.created_at };
  }

  /** Creates a key; `key` is the only copy of the secret. */
  async create(input: {
    readonly tenant: string;
    readonly name: string;
    readonly scopes: readonly ApiKeyScope[];
    readonly createdBy: string;
    readonly rotatedFrom?: string;
  }): Promise<{ key: string; info: ApiKeyInfo }> {
    if (!(await this.tenant(input.tenant))) {
      throw new HeraldError('HERALD_ERR_TENANT_INVALID', [
        `no tenant "${input.tenant}": create it first (herald tenants create ${input.tenant})`,
      ]);
    }
    const bad = input.scopes.filter((s) => !apiKeyScopes.includes(s));
    if (input.scopes.length === 0 || bad.length > 0) {
      throw new HeraldError('HERALD_ERR_TENANT_INVALID', [
        `scopes must be one or more of ${apiKeyScopes.join(', ')}${bad.length ? `, not ${bad.join(', ')}` : ''}`,
      ]);
    }
    const id = newId();
    const secret = randomBytes(32).toString('base64url');
    const row = await this.#db
      .insertInto('api_keys')
      .values({
        id,
        tenant: input.tenant,
        name: input.name,
        prefix: `hk_${id}`,
        secret_hash: hashSecret(secret),
        scopes: [...new Set(input.scopes)],
        created_by: input.createdBy,
        revoked_at: null,
        last_used_at: null,
        rotated_from: input.rotatedFrom ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { key: `hk_${id}_${secret}`, info: info(row) };
  }

  async list(tenant?: string): Promise<ApiKeyInfo[]> {
    let query = this.#db
      .selectFrom('api_keys')
      .select([
        'id',
        'tenant',
        'name',
        'prefix',
        'scopes',
        'created_by',
        'created_at',
        'revoked_at',
        'last_used_at',
        'rotated_from',
      ])
      .orderBy('tenant')
      .orderBy('created_at');
    if (tenant !== undefined) query = query.where('tenant', '=', tenant);
    return (await query.execute()).map(info);
  }

  /** The key's record when `key` is well formed, its secret matches and it is not revoked. */
  async verify(key: string): Promise<ApiKeyInfo | undefined> {
    const parts = KEY.exec(key);
    if (!parts) return undefined;
    const row = await this.#db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', parts[1]!)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null) return undefined;
    // Constant time: the comparison must not tell how much of a guess was right.
    if (!timingSafeEqual(row.secret_hash, hashSecret(parts[2]!))) return undefined;
    return info(row);
  }

  /** Marks the key used; at most once a minute per key, so a busy key costs no write per request. */
  async touch(id: string): Promise<void> {
    await this.#db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
        ]),
      )
      .execute();
  }

  /** Revokes a key of `tenant` (any tenant when undefined); false when there is none to revoke. */
  async revoke(id: string, tenant?: string): Promise<boolean> {
    let query = this.#db
      .updateTable('api_keys')
      .set({ revoked_at: sql<Date>`now()` })
      .where('id', '=', id)
      .where('revoked_at', 'is', null);
    if (tenant !== undefined) query = query.where('tenant', '=', tenant);
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** A new key with the old one's tenant, name and scopes; the old one is revoked. */
  async rotate(
    id: string,
    createdBy: string,
    tenant?: string,
  ): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
    const old = (await this.list(tenant)).find((k) => k.id === id && k.revokedAt === null);
    if (!old) return undefined;
    const created = await this.create({
      tenant: old.tenant,
      name: old.name,
      scopes: old.scopes,
      createdBy,
      rotatedFrom: old.id,
    });
    await this.revoke(old.id);
    return created;
  }
}
