import type { ColumnType, Generated } from 'kysely';

/** Tables of migrations/0002 that hold rules and the config audit log. */
export type RuleTables = {
  rule_set_versions: {
    version: number;
    kind: 'apply' | 'rollback';
    rolled_back_from: number | null;
    source: string;
    source_name: string;
    checksum: string;
    summary: ColumnType<RulesDiff, string, string>;
    applied_by: string;
    applied_at: Generated<Date>;
  };
  rule_revisions: {
    rule_id: string;
    revision: number;
    definition: ColumnType<unknown, string, string>;
    checksum: string;
    set_version: number;
    created_at: Generated<Date>;
  };
  rule_set_members: { set_version: number; rule_id: string; revision: number; position: number };
  config_audit_log: {
    id: Generated<string>;
    occurred_at: Generated<Date>;
    actor: string;
    action: string;
    entity_type: string;
    entity_id: string;
    version: number | null;
    details: ColumnType<unknown, string, string>;
    /** Set by writes through the API (migrations/0011): the key's tenant and id. */
    tenant: ColumnType<string | null, string | null | undefined, string | null>;
    api_key_id: ColumnType<string | null, string | null | undefined, string | null>;
  };
};

/** Who wrote a change through the API, for `config_audit_log`. */
export interface AuditActor {
  readonly tenant: string;
  readonly apiKeyId: string;
}

/** One rule of a file being applied: its id and canonical definition (no positions, no version). */
export interface RuleDefinition {
  readonly id: string;
  readonly definition: unknown;
}

/** What an apply changes, per rule id, against the version it replaces. */
export interface RulesDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly removed: string[];
}

export interface ApplyRulesInput {
  /** The rules file as written; the router loads exactly this text. */
  readonly source: string;
  readonly sourceName: string;
  /** Every rule of `source`, in file order, already validated by `loadRules`. */
  readonly rules: readonly RuleDefinition[];
  /** Who applies, for the audit log, e.g. `alice@laptop`. */
  readonly actor: string;
  /** Compute the diff in the same transaction, then roll back. */
  readonly dryRun?: boolean;
  /** Refuse (HERALD_ERR_RULES_CONFLICT) unless the latest version is this one. */
  readonly expectedVersion?: number;
  /** Set by `rollback`: the version whose file is re-applied. */
  readonly rollbackOf?: number;
  /** Written through the API: the key's tenant and id go into `config_audit_log`. */
  readonly by?: AuditActor;
}

export interface ApplyRulesResult {
  /** False for a dry run and when nothing changed. */
  readonly applied: boolean;
  /** The version before the apply (0: none). */
  readonly previousVersion: number;
  /** The new version when applied, else the current one. */
  readonly version: number;
  readonly diff: RulesDiff;
  /** Revision of each rule in the resulting set (what jobs carry as `rule.version`). */
  readonly revisions: Readonly<Record<string, number>>;
}

/** A rule set version as the router loads it. */
export interface StoredRuleSet {
  readonly version: number;
  readonly source: string;
  readonly sourceName: string;
  readonly revisions: Readonly<Record<string, number>>;
  readonly appliedAt: Date;
  readonly appliedBy: string;
}

export interface RuleSetVersionInfo {
  readonly version: number;
  readonly kind: 'apply' | 'rollback';
  readonly rolledBackFrom: number | null;
  readonly sourceName: string;
  readonly diff: RulesDiff;
  readonly appliedBy: string;
  readonly appliedAt: Date;
}

export interface StoredRule {
  readonly id: string;
  readonly revision: number;
  readonly definition: unknown;
  readonly setVersion: number;
  readonly createdAt: Date;
}

/** One entry of a rule's history: a revision, or its removal from the set. */
export type RuleHistoryEntry =
  | ({ readonly kind: 'revision' } & StoredRule & { readonly appliedBy: string })
  | {
      readonly kind: 'removed';
      readonly setVersion: number;
      readonly appliedBy: string;
      readonly appliedAt: Date;
    };
