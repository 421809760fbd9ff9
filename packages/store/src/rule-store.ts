import { createHash } from 'node:crypto';
import { sql, type ColumnType, type Generated, type Kysely, type Transaction } from 'kysely';
import { HeraldError } from '@herald/core';
import type { HeraldDatabase } from './database.js';

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
  };
};

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

const LOCK = 'herald_rules';

/** JSON with sorted keys, so equal definitions give equal text and checksums. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

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
  async latestVersion(): Promise<number> {
    const row = await this.#db
      .selectFrom('rule_set_versions')
      .select((eb) => eb.fn.max('version').as('version'))
      .executeTakeFirst();
    return Number(row?.version ?? 0);
  }

  async apply(input: ApplyRulesInput): Promise<ApplyRulesResult> {
    const dryRun = Symbol('dry run');
    let outcome: ApplyRulesResult | undefined;
    try {
      await this.#db.transaction().execute(async (tx) => {
        outcome = await this.#applyIn(tx, input);
        if (input.dryRun === true || !outcome.applied) throw dryRun;
      });
    } catch (err) {
      if (err !== dryRun) throw err;
    }
    return outcome!;
  }

  async #applyIn(
    tx: Transaction<HeraldDatabase & RuleTables>,
    input: ApplyRulesInput,
  ): Promise<ApplyRulesResult> {
    await sql`select pg_advisory_xact_lock(hashtext(${LOCK}))`.execute(tx);
    const previousVersion = Number(
      (
        await tx
          .selectFrom('rule_set_versions')
          .select((eb) => eb.fn.max('version').as('version'))
          .executeTakeFirst()
      )?.version ?? 0,
    );
    if (input.expectedVersion !== undefined && input.expectedVersion !== previousVersion) {
      throw new HeraldError('HERALD_ERR_RULES_CONFLICT', [input.expectedVersion, previousVersion]);
    }
    const current = await tx
      .selectFrom('rule_set_members as m')
      .innerJoin('rule_revisions as r', (j) =>
        j.onRef('r.rule_id', '=', 'm.rule_id').onRef('r.revision', '=', 'm.revision'),
      )
      .select(['m.rule_id', 'm.revision', 'r.checksum'])
      .where('m.set_version', '=', previousVersion)
      .orderBy('m.position')
      .execute();
    const before = new Map(current.map((r) => [r.rule_id, r]));
    const latestRevision = new Map(
      (
        await tx
          .selectFrom('rule_revisions')
          .select(['rule_id', (eb) => eb.fn.max('revision').as('revision')])
          .where(
            'rule_id',
            'in',
            input.rules.length > 0 ? input.rules.map((r) => r.id) : ['\u0000'],
          )
          .groupBy('rule_id')
          .execute()
      ).map((r) => [r.rule_id, Number(r.revision)]),
    );
    const diff: RulesDiff = { added: [], changed: [], removed: [] };
    const revisions: Record<string, number> = {};
    const newRevisions: { id: string; revision: number; text: string; checksum: string }[] = [];
    for (const rule of input.rules) {
      const text = canonicalJson(rule.definition);
      const checksum = sha256(text);
      const old = before.get(rule.id);
      if (old !== undefined && old.checksum === checksum) {
        revisions[rule.id] = old.revision;
        continue;
      }
      (old === undefined ? diff.added : diff.changed).push(rule.id);
      const revision = (latestRevision.get(rule.id) ?? 0) + 1;
      revisions[rule.id] = revision;
      newRevisions.push({ id: rule.id, revision, text, checksum });
    }
    const ids = new Set(input.rules.map((r) => r.id));
    for (const id of before.keys()) if (!ids.has(id)) diff.removed.push(id);
    const unchanged =
      previousVersion > 0 &&
      diff.added.length + diff.changed.length + diff.removed.length === 0 &&
      // Order is meaning too: equal priorities run in file order.
      input.rules.map((r) => r.id).join('\n') === current.map((r) => r.rule_id).join('\n');
    if (unchanged || input.dryRun === true) {
      return {
        applied: false,
        previousVersion,
        version: previousVersion,
        diff,
        revisions,
      };
    }
    const version = previousVersion + 1;
    await tx
      .insertInto('rule_set_versions')
      .values({
        version,
        kind: input.rollbackOf === undefined ? 'apply' : 'rollback',
        rolled_back_from: input.rollbackOf ?? null,
        source: input.source,
        source_name: input.sourceName,
        checksum: sha256(input.source),
        summary: JSON.stringify(diff),
        applied_by: input.actor,
      })
      .execute();
    if (newRevisions.length > 0) {
      await tx
        .insertInto('rule_revisions')
        .values(
          newRevisions.map((r) => ({
            rule_id: r.id,
            revision: r.revision,
            definition: r.text,
            checksum: r.checksum,
            set_version: version,
          })),
        )
        .execute();
    }
    if (input.rules.length > 0) {
      await tx
        .insertInto('rule_set_members')
        .values(
          input.rules.map((r, position) => ({
            set_version: version,
            rule_id: r.id,
            revision: revisions[r.id]!,
            position,
          })),
        )
        .execute();
    }
    await tx
      .insertInto('config_audit_log')
      .values({
        actor: input.actor,
        action: input.rollbackOf === undefined ? 'rules.apply' : 'rules.rollback',
        entity_type: 'rule_set',
        entity_id: 'rules',
        version,
        details: JSON.stringify({
          previousVersion,
          ...(input.rollbackOf === undefined ? {} : { rollbackOf: input.rollbackOf }),
          sourceName: input.sourceName,
          ...diff,
          revisions,
        }),
      })
      .execute();
    return { applied: true, previousVersion, version, diff, revisions };
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
