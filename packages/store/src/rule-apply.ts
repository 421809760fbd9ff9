import type { Kysely, Transaction } from 'kysely';
import { HeraldError } from '@herald/core';
import { canonicalJson, sha256 } from './config-versions.js';
import type { HeraldDatabase } from './database.js';
import type { ApplyRulesInput, ApplyRulesResult, RulesDiff, RuleTables } from './rule-types.js';

type RuleDatabase = HeraldDatabase & RuleTables;

/** The latest rule set version, 0 when nothing was applied yet. */
export async function latestRuleVersion(db: Kysely<RuleDatabase>): Promise<number> {
  const row = await db
    .selectFrom('rule_set_versions')
    .select((eb) => eb.fn.max('version').as('version'))
    .executeTakeFirst();
  return Number(row?.version ?? 0);
}

/**
 * One apply inside the caller's locked transaction (`applyLocked`): diffs the file's
 * rules against the latest version, and unless nothing changed or it is a dry run,
 * writes the new version, the new rule revisions, the members in file order and the
 * `config_audit_log` row.
 */
export async function applyRules(
  tx: Transaction<RuleDatabase>,
  input: ApplyRulesInput,
): Promise<ApplyRulesResult> {
  const previousVersion = await latestRuleVersion(tx);
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
        .where('rule_id', 'in', input.rules.length > 0 ? input.rules.map((r) => r.id) : ['\u0000'])
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
      tenant: input.by?.tenant ?? null,
      api_key_id: input.by?.apiKeyId ?? null,
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
