import { parse } from 'yaml';
import type { Kysely } from 'kysely';
import { HeraldError } from '@herald/core';
import { loadRules, ruleDefinition } from '@herald/rules';
import {
  RuleStore,
  type ApplyRulesResult,
  type AuditActor,
  type HeraldDatabase,
  type RulesDiff,
  type RuleSetVersionInfo,
  type StoredRule,
} from '@herald/store';

export interface ApplyRuleSourceInput {
  readonly source: string;
  readonly sourceName: string;
  readonly actor: string;
  readonly dryRun?: boolean;
  readonly expectedVersion?: number;
  readonly rollbackOf?: number;
  readonly by?: AuditActor;
}

/**
 * Validates a whole rules file (all or nothing, `RulesSourceError` with positions) and
 * applies it as the installation's rule set: `herald rules apply` and, under a tenant's
 * merge, `POST /v1/rules`.
 */
export async function applyRuleSource(
  db: Kysely<HeraldDatabase>,
  input: ApplyRuleSourceInput,
): Promise<{ ruleCount: number; result: ApplyRulesResult }> {
  const set = loadRules(input.source, input.sourceName);
  const result = await new RuleStore(db).apply({
    source: input.source,
    sourceName: input.sourceName,
    rules: [
      ...set.rules.map((r) => ({ id: r.id, definition: ruleDefinition(r) })),
      // The file's inhibition rules, versioned like a rule ("@" is not a rule id's).
      ...(set.inhibitions.length === 0
        ? []
        : [{ id: '@inhibit', definition: { inhibit: set.inhibitions } }]),
    ],
    actor: input.actor,
    ...(input.dryRun ? { dryRun: true } : {}),
    ...(input.expectedVersion === undefined ? {} : { expectedVersion: input.expectedVersion }),
    ...(input.rollbackOf === undefined ? {} : { rollbackOf: input.rollbackOf }),
    ...(input.by === undefined ? {} : { by: input.by }),
  });
  return { ruleCount: set.rules.length, result };
}

/*
 * Tenants share the installation's one rule set (the router loads one file). A
 * tenant's rules are the ones whose id starts with "<tenant>."; applying for a tenant
 * replaces exactly those and keeps every other rule as written. The id prefix keeps
 * tenants from colliding on ids (a collision would reveal another tenant's rule), and
 * `tenant: <tenant>` on each rule keeps its rules from matching other tenants' events.
 */

const owns = (tenant: string, id: unknown): boolean =>
  typeof id === 'string' && id.startsWith(`${tenant}.`);

/** The rule items of a rules file as written (YAML or JSON, a list or `rules:`). */
function itemsOf(source: string): unknown[] {
  const root = parse(source) as unknown;
  if (Array.isArray(root)) return root;
  const rules = (root as { rules?: unknown } | null)?.rules;
  return Array.isArray(rules) ? rules : [];
}

function tenantDiff(diff: RulesDiff, tenant: string): RulesDiff {
  return {
    added: diff.added.filter((id) => owns(tenant, id)),
    changed: diff.changed.filter((id) => owns(tenant, id)),
    removed: diff.removed.filter((id) => owns(tenant, id)),
  };
}

/**
 * Applies `source` as the whole rule set of `tenant` (dry run: the diff only), merged
 * with every other rule of the current version. Refuses (HERALD_ERR_RULES_TENANT) a rule
 * without `tenant: <tenant>` or an id outside "<tenant>."; the merge is applied with
 * `expectedVersion` = the version it was made from, so a concurrent apply fails with
 * HERALD_ERR_RULES_CONFLICT instead of being overwritten.
 */
export async function applyTenantRules(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  input: Omit<ApplyRuleSourceInput, 'expectedVersion'>,
): Promise<ApplyRulesResult & { ruleCount: number }> {
  const own = loadRules(input.source, input.sourceName);
  const problems = own.rules.flatMap((r, i) => [
    ...(owns(tenant, r.id) ? [] : [`rules[${i}].id "${r.id}" must start with "${tenant}."`]),
    ...(r.tenant === tenant ? [] : [`rules[${i}].tenant must be "${tenant}"`]),
  ]);
  if (problems.length > 0)
    throw new HeraldError('HERALD_ERR_RULES_TENANT', [tenant, problems.join('; ')]);
  const current = await new RuleStore(db).load();
  const others = current
    ? itemsOf(current.source).filter((item) => !owns(tenant, (item as { id?: unknown }).id))
    : [];
  const combined = JSON.stringify({ rules: [...others, ...itemsOf(input.source)] }, null, 2);
  const { result } = await applyRuleSource(db, {
    ...input,
    source: combined,
    sourceName: `tenant ${tenant}: ${input.sourceName}`,
    expectedVersion: current?.version ?? 0,
  });
  return { ...result, diff: tenantDiff(result.diff, tenant), ruleCount: own.rules.length };
}

/** The tenant's rules in a version (default: the latest), in file order. */
export async function tenantRules(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  version?: number,
): Promise<{ version: number; rules: StoredRule[] }> {
  const store = new RuleStore(db);
  const wanted = version ?? (await store.latestVersion());
  const rules = (await store.list(wanted)).filter((r) => owns(tenant, r.id));
  return { version: wanted, rules };
}

/** Versions that changed the tenant's rules, newest first, each diff narrowed to them. */
export async function tenantRuleHistory(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  limit = 50,
): Promise<RuleSetVersionInfo[]> {
  const all = await new RuleStore(db).history(1000);
  return all
    .map((v) => ({ ...v, diff: tenantDiff(v.diff, tenant) }))
    .filter((v) => v.diff.added.length + v.diff.changed.length + v.diff.removed.length > 0)
    .slice(0, limit);
}

/**
 * Re-applies the tenant's rules as they were in `version` (others' rules stay as they
 * are now). HERALD_ERR_RULES_VERSION_NOT_FOUND for a version that does not exist.
 */
export async function rollbackTenantRules(
  db: Kysely<HeraldDatabase>,
  tenant: string,
  version: number,
  input: Pick<ApplyRuleSourceInput, 'actor' | 'dryRun' | 'by'>,
): Promise<ApplyRulesResult & { ruleCount: number }> {
  const old = await new RuleStore(db).sourceOf(version);
  const mine = itemsOf(old.source).filter((item) => owns(tenant, (item as { id?: unknown }).id));
  return applyTenantRules(db, tenant, {
    ...input,
    source: JSON.stringify({ rules: mine }),
    sourceName: `version ${version}`,
    rollbackOf: version,
  });
}
