import { randomUUID } from 'node:crypto';
import { sql, type ColumnType, type Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import type { HeraldDatabase } from './database.js';
import type { AuditActor, RuleTables } from './rule-types.js';

/** Table of migrations/0013. */
export type SilenceTables = {
  silences: {
    id: string;
    matchers: ColumnType<StoredMatcher[], string, string>;
    starts_at: Date;
    ends_at: Date;
    created_by: string;
    comment: string;
    created_at: ColumnType<Date, Date | undefined, never>;
    expired_at: Date | null;
    expired_by: string | null;
  };
};

/** One label matcher as stored (`@herald/rules` parses and checks them). */
export interface StoredMatcher {
  readonly name: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface StoredSilence {
  readonly id: string;
  readonly matchers: readonly StoredMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: Date;
  readonly expiredAt: Date | null;
  readonly expiredBy: string | null;
}

/** Who writes a silence through the API, for its config_audit_log row (the CLI passes none). */
export interface SilenceAudit {
  readonly actor: string;
  readonly by?: AuditActor;
}

/** A silence whose matchers include `tenant=<tenant>`: it can only match that tenant's events. */
const tenantMatcher = (tenant: string): string =>
  JSON.stringify([{ name: 'tenant', op: '=', value: tenant }]);

export type SilenceInput = Pick<
  StoredSilence,
  'matchers' | 'startsAt' | 'endsAt' | 'createdBy' | 'comment'
>;

/**
 * Silences in Postgres (migrations/0013): created and expired by `herald silences`,
 * polled by routers (`current`). The store does not check matchers (it depends on
 * core only): callers pass what `checkSilenceRequest` accepted. Each create and expire
 * writes a `config_audit_log` row in the same transaction.
 */
export class SilenceStore {
  readonly #db: Kysely<HeraldDatabase & SilenceTables & RuleTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<SilenceTables & RuleTables>();
  }

  async create(input: SilenceInput, audit?: SilenceAudit): Promise<StoredSilence> {
    const id = randomUUID();
    return this.#db.transaction().execute(async (tx) => {
      const row = await tx
        .insertInto('silences')
        .values({
          id,
          matchers: JSON.stringify(input.matchers),
          starts_at: input.startsAt,
          ends_at: input.endsAt,
          created_by: input.createdBy,
          comment: input.comment,
          expired_at: null,
          expired_by: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('config_audit_log')
        .values({
          actor: audit?.actor ?? input.createdBy,
          tenant: audit?.by?.tenant ?? null,
          api_key_id: audit?.by?.apiKeyId ?? null,
          action: 'silence.create',
          entity_type: 'silence',
          entity_id: id,
          version: null,
          details: JSON.stringify({
            matchers: input.matchers,
            startsAt: input.startsAt.toISOString(),
            endsAt: input.endsAt.toISOString(),
            comment: input.comment,
          }),
        })
        .execute();
      return toSilence(row);
    });
  }

  /**
   * Ends a silence at `now` (it stays listed as expired). Refused with
   * HERALD_ERR_SILENCE_NOT_FOUND when no silence has the id, and changes nothing for
   * one already ended. With `options.tenant`, only that tenant's silences (a
   * `tenant=<tenant>` matcher) are found: another's id is not found either.
   */
  async expire(
    id: string,
    actor: string,
    now: Date,
    options: { readonly tenant?: string; readonly by?: AuditActor } = {},
  ): Promise<StoredSilence> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new HeraldError('HERALD_ERR_SILENCE_NOT_FOUND', [id]);
    return this.#db.transaction().execute(async (tx) => {
      let query = tx.selectFrom('silences').selectAll().where('id', '=', id);
      if (options.tenant !== undefined)
        query = query.where(sql<boolean>`matchers @> ${tenantMatcher(options.tenant)}::jsonb`);
      const row = await query.forUpdate().executeTakeFirst();
      if (row === undefined) throw new HeraldError('HERALD_ERR_SILENCE_NOT_FOUND', [id]);
      if (row.ends_at.getTime() <= now.getTime()) return toSilence(row);
      const updated = await tx
        .updateTable('silences')
        .set({
          ends_at:
            row.starts_at.getTime() < now.getTime() ? now : new Date(row.starts_at.getTime() + 1),
          expired_at: now,
          expired_by: actor,
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await tx
        .insertInto('config_audit_log')
        .values({
          actor,
          tenant: options.by?.tenant ?? null,
          api_key_id: options.by?.apiKeyId ?? null,
          action: 'silence.expire',
          entity_type: 'silence',
          entity_id: id,
          version: null,
          details: JSON.stringify({ endsAt: now.toISOString() }),
        })
        .execute();
      return toSilence(updated);
    });
  }

  /** Silences not ended at `now` (active or to come): what routers poll. */
  async current(now: Date): Promise<StoredSilence[]> {
    const rows = await this.#db
      .selectFrom('silences')
      .selectAll()
      .where('ends_at', '>', now)
      .orderBy('starts_at')
      .orderBy('id')
      .execute();
    return rows.map(toSilence);
  }

  /** Every silence (or `tenant`'s only), newest first, ended ones included when `all`. */
  async list(
    now: Date,
    options: { readonly all?: boolean; readonly limit?: number; readonly tenant?: string } = {},
  ) {
    let query = this.#db.selectFrom('silences').selectAll();
    if (options.all !== true) query = query.where('ends_at', '>', now);
    if (options.tenant !== undefined)
      query = query.where(sql<boolean>`matchers @> ${tenantMatcher(options.tenant)}::jsonb`);
    const rows = await query
      .orderBy('created_at', 'desc')
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(toSilence);
  }
}

function toSilence(row: {
  id: string;
  matchers: StoredMatcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  comment: string;
  created_at: Date;
  expired_at: Date | null;
  expired_by: string | null;
}): StoredSilence {
  return {
    id: row.id,
    matchers: row.matchers,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdBy: row.created_by,
    comment: row.comment,
    createdAt: row.created_at,
    expiredAt: row.expired_at,
    expiredBy: row.expired_by,
  };
}
