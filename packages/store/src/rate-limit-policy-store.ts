import type { ColumnType, Kysely } from 'kysely';
import type { HeraldDatabase } from './database.js';

/** Table of migrations/0005. */
export type RateLimitTables = {
  rate_limit_policies: {
    id: string;
    scope: 'recipient' | 'channel' | 'provider' | 'tenant';
    tenant: string | null;
    channel: string | null;
    provider: string | null;
    limit: number;
    period_ms: ColumnType<string, string | number, string | number>;
    burst: ColumnType<number, number | undefined, number>;
    action: ColumnType<'defer' | 'drop', 'defer' | 'drop' | undefined, 'defer' | 'drop'>;
    bypass_critical: ColumnType<boolean, boolean | undefined, boolean>;
    enabled: ColumnType<boolean, boolean | undefined, boolean>;
    description: string | null;
    updated_at: ColumnType<Date, Date | undefined, Date>;
  };
};

/** A policy row as the store returns it. */
export interface StoredRateLimitPolicy {
  readonly id: string;
  readonly scope: 'recipient' | 'channel' | 'provider' | 'tenant';
  readonly tenant: string | null;
  readonly channel: string | null;
  readonly provider: string | null;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
  readonly action: 'defer' | 'drop';
  readonly bypassCritical: boolean;
  readonly enabled: boolean;
  readonly description: string | null;
}

export type RateLimitPolicyInput = Omit<StoredRateLimitPolicy, 'enabled' | 'description'> & {
  readonly enabled?: boolean;
  readonly description?: string | null;
};

/** Rate-limit policies in Postgres: workers list the enabled ones periodically. */
export class RateLimitPolicyStore {
  readonly #db: Kysely<HeraldDatabase & RateLimitTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<RateLimitTables>();
  }

  async list(options: { readonly enabledOnly?: boolean } = {}): Promise<StoredRateLimitPolicy[]> {
    let query = this.#db.selectFrom('rate_limit_policies').selectAll().orderBy('id');
    if (options.enabledOnly) query = query.where('enabled', '=', true);
    const rows = await query.execute();
    return rows.map((r) => ({
      id: r.id,
      scope: r.scope,
      tenant: r.tenant,
      channel: r.channel,
      provider: r.provider,
      limit: r.limit,
      periodMs: Number(r.period_ms),
      burst: r.burst,
      action: r.action,
      bypassCritical: r.bypass_critical,
      enabled: r.enabled,
      description: r.description,
    }));
  }

  /** Creates or replaces a policy by id. */
  async upsert(policy: RateLimitPolicyInput): Promise<void> {
    const row = {
      id: policy.id,
      scope: policy.scope,
      tenant: policy.tenant,
      channel: policy.channel,
      provider: policy.provider,
      limit: policy.limit,
      period_ms: policy.periodMs,
      burst: policy.burst,
      action: policy.action,
      bypass_critical: policy.bypassCritical,
      enabled: policy.enabled ?? true,
      description: policy.description ?? null,
    };
    await this.#db
      .insertInto('rate_limit_policies')
      .values(row)
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({ ...row, id: undefined, updated_at: new Date() } as never),
      )
      .execute();
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('rate_limit_policies')
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}
