import { sql, type Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { applyLocked } from './config-versions.js';
import type { HeraldDatabase } from './database.js';
import { applyRules, latestRuleVersion } from './rule-apply.js';
import type {
  ApplyRulesInput,
  ApplyRulesResult,
  RuleHistoryEntry,
  RuleSetVersionInfo,
  RuleTables,
  StoredRule,
  StoredRuleSet,
} from './rule-types.js';

const LOCK = 'herald_rules';

/**
 * Rules in Postgres with full history (migrations/0002). Every apply that changes
 * something is a new rule set version in one transaction, serialised by an advisory
 * lock: the diff it reports is exactly what it wrote. Rules whose definition changed
 * get a new revision; a rollback re-applies an old version's file as a new version.
 * Each apply and rollback writes a `config_audit_log` row (who, when, what changed).
 *
 * The store does not validate rules (it depends on core only): callers pass what
 * `loadRules` accepted.
 *
 * @example
 * const store = new RuleStore(db);
 * const { version, diff } = await store.apply({ source, sourceName: 'rules.yaml', rules, actor: 'ci' });
 */
export class RuleStore {
  readonly #db: Kysely<HeraldDatabase & RuleTables>;

  constructor(db: Kysely<HeraldDatabase>) {
    this.#db = db.withTables<RuleTables>();
  }

  /** The latest version, 0 when nothing was applied yet. Cheap: routers poll it. */
  latestVersion(): Promise<number> {
    return latestRuleVersion(this.#db);
  }

  apply(input: ApplyRulesInput): Promise<ApplyRulesResult> {
    return applyLocked(this.#db, LOCK, (tx) => applyRules(tx, input));
  }

  /** A version (default: the latest) with its file and rule revisions; undefined when none. */
  async load(version?: number): Promise<StoredRuleSet | undefined> {
    const wanted = version ?? (await this.latestVersion());
    const row = await this.#db
      .selectFrom('rule_set_versions')
      .selectAll()
      .where('version', '=', wanted)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    const members = await this.#db
      .selectFrom('rule_set_members')
      .select(['rule_id', 'revision'])
      .where('set_version', '=', wanted)
      .execute();
    return {
      version: row.version,
      source: row.source,
      sourceName: row.source_name,
      revisions: Object.fromEntries(members.map((m) => [m.rule_id, m.revision])),
      appliedAt: row.applied_at,
      appliedBy: row.applied_by,
    };
  }

  /** The rules of a version (default: the latest), in file order. */
  async list(version?: number): Promise<StoredRule[]> {
    const wanted = version ?? (await this.latestVersion());
    const rows = await this.#db
      .selectFrom('rule_set_members as m')
      .innerJoin('rule_revisions as r', (j) =>
        j.onRef('r.rule_id', '=', 'm.rule_id').onRef('r.revision', '=', 'm.revision'),
      )
      .select(['r.rule_id', 'r.revision', 'r.definition', 'r.set_version', 'r.created_at'])
      .where('m.set_version', '=', wanted)
      .orderBy('m.position')
      .execute();
    return rows.map((r) => ({
      id: r.rule_id,
      revision: r.revision,
      definition: r.definition,
      setVersion: r.set_version,
      createdAt: r.created_at,
    }));
  }

  /** Every rule set version, newest first. */
  async history(limit = 50): Promise<RuleSetVersionInfo[]> {
    const rows = await this.#db
      .selectFrom('rule_set_versions')
      .select([
        'version',
        'kind',
        'rolled_back_from',
        'source_name',
        'summary',
        'applied_by',
        'applied_at',
      ])
      .orderBy('version', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      version: r.version,
      kind: r.kind,
      rolledBackFrom: r.rolled_back_from,
      sourceName: r.source_name,
      diff: r.summary,
      appliedBy: r.applied_by,
      appliedAt: r.applied_at,
    }));
  }

  /** One rule's revisions and removals, oldest first. */
  async ruleHistory(ruleId: string): Promise<RuleHistoryEntry[]> {
    const revisions = await this.#db
      .selectFrom('rule_revisions as r')
      .innerJoin('rule_set_versions as v', 'v.version', 'r.set_version')
      .select([
        'r.rule_id',
        'r.revision',
        'r.definition',
        'r.set_version',
        'r.created_at',
        'v.applied_by',
      ])
      .where('r.rule_id', '=', ruleId)
      .execute();
    const removals = await this.#db
      .selectFrom('rule_set_versions')
      .select(['version', 'applied_by', 'applied_at'])
      .where(sql<boolean>`summary -> 'removed' ? ${ruleId}`)
      .execute();
    const entries: RuleHistoryEntry[] = [
      ...revisions.map((r) => ({
        kind: 'revision' as const,
        id: r.rule_id,
        revision: r.revision,
        definition: r.definition,
        setVersion: r.set_version,
        createdAt: r.created_at,
        appliedBy: r.applied_by,
      })),
      ...removals.map((r) => ({
        kind: 'removed' as const,
        setVersion: r.version,
        appliedBy: r.applied_by,
        appliedAt: r.applied_at,
      })),
    ];
    return entries.sort((a, b) => a.setVersion - b.setVersion);
  }

  /** The file of an old version, to validate and re-apply it (see `apply` with `rollbackOf`). */
  async sourceOf(version: number): Promise<{ source: string; sourceName: string }> {
    const row = await this.#db
      .selectFrom('rule_set_versions')
      .select(['source', 'source_name'])
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) {
      throw new HeraldError('HERALD_ERR_RULES_VERSION_NOT_FOUND', [
        version,
        await this.latestVersion(),
      ]);
    }
    return { source: row.source, sourceName: row.source_name };
  }
}
