import type { AuditActor } from '@herald/store';

/**
 * Who makes a configuration change, for `config_audit_log`: the CLI's HERALD_ACTOR
 * (or user@host), or an API key's prefix and name with `by` (its tenant and id).
 */
export interface ConfigWriter {
  readonly actor: string;
  readonly by?: AuditActor;
}
