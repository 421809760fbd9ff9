import type { Kysely } from 'kysely';
import type { HeraldDatabase } from './database.js';
import type { AuditActor, RuleTables } from './rule-types.js';

/** One configuration change for `config_audit_log`. */
export interface ConfigChange {
  /** Readable: the key's prefix and name (`hk_abc… (ci)`) or `user@host`. */
  readonly actor: string;
  readonly action: string;
  readonly entityType: string;
  readonly entityId: string;
  readonly details?: unknown;
  readonly by?: AuditActor;
}

/**
 * Records a configuration change (recipients, topics, policies, keys) in
 * `config_audit_log`; rules and templates write theirs inside their own apply.
 */
export async function recordConfigChange(
  db: Kysely<HeraldDatabase>,
  change: ConfigChange,
): Promise<void> {
  await db
    .withTables<Pick<RuleTables, 'config_audit_log'>>()
    .insertInto('config_audit_log')
    .values({
      actor: change.actor,
      action: change.action,
      entity_type: change.entityType,
      entity_id: change.entityId,
      version: null,
      details: JSON.stringify(change.details ?? {}),
      tenant: change.by?.tenant ?? null,
      api_key_id: change.by?.apiKeyId ?? null,
    })
    .execute();
}
