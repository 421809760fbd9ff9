import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { validateCloudEvent, type CloudEvent } from '@herald/core';
import type { Preferences, Recipient, RuleSet, RuleVerdict } from '@herald/rules';
import type { RulesDiff } from '@herald/store';
import { whileBusy } from '../progress.js';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';
import { describeSteps } from './rules-test-steps.js';
import { writeWorkflow } from './rules-workflow.js';

function diffLines(diff: RulesDiff): string {
  const lines = [
    ...diff.added.map((id) => `  + ${id}  (added)`),
    ...diff.changed.map((id) => `  ~ ${id}  (changed)`),
    ...diff.removed.map((id) => `  - ${id}  (removed)`),
  ];
  return lines.length === 0 ? '  (no rule changed)\n' : `${lines.join('\n')}\n`;
}

/** Validates `source` (all or nothing, throws with positions) and applies it in one transaction. */
async function applySource(
  context: CommandContext,
  source: string,
  sourceName: string,
  options: { dryRun?: boolean; expectVersion?: number; rollbackOf?: number },
): Promise<void> {
  // One after the other: jest's ESM loader fails on two concurrent imports sharing modules.
  const { migrateToLatest } = await import('@herald/store');
  const { applyRuleSource } = await import('@herald/operations');
  const out = context.out;
  await withDatabase(context, async (db) => {
    await migrateToLatest(db);
    const { ruleCount, result } = await whileBusy(context, 'applying rules', () =>
      applyRuleSource(db, {
        source,
        sourceName,
        actor: actorOf(context),
        ...(options.dryRun ? { dryRun: true } : {}),
        ...(options.expectVersion === undefined ? {} : { expectedVersion: options.expectVersion }),
        ...(options.rollbackOf === undefined ? {} : { rollbackOf: options.rollbackOf }),
      }),
    );
    out.write(`${sourceName}: ${ruleCount} rule(s) valid\n`);
    out.write(diffLines(result.diff));
    if (options.dryRun)
      out.write(
        `dry run: nothing applied (current version ${result.previousVersion}; applying would make version ${result.previousVersion + 1})\n`,
      );
    else if (!result.applied)
      out.write(`unchanged: version ${result.version} already has these rules\n`);
    else
      out.write(
        `${options.rollbackOf === undefined ? 'applied' : `rolled back to the rules of version ${options.rollbackOf} as`} version ${result.version} (was ${result.previousVersion})\n`,
      );
  });
}

function whyNot(v: RuleVerdict, event: CloudEvent): string {
  switch (v.verdict) {
    case 'disabled':
      return 'disabled (enabled: false)';
    case 'type-not-indexed':
      return `type not indexed: the rule sees ${v.rule.types.join(', ')}, the event is ${event.type}`;
    case 'other-tenant':
      return `tenant: the rule is for ${v.rule.tenant}, the event's is ${typeof event.tenantid === 'string' ? event.tenantid : '(none)'}`;
    case 'condition-false':
      return `condition false: ${v.rule.when}`;
    case 'condition-error':
      return `condition error: ${v.reason} (counted as no match)`;
    case 'not-reached':
      return `not reached: ${v.stoppedBy} matched first and does not continue`;
    case 'matched':
      return 'matched';
  }
}

/** `herald rules test`: match one event and show the exact plan, without publishing anything. */
async function testRules(
  context: CommandContext,
  file: string,
  eventFile: string,
  useDatabase: boolean,
): Promise<void> {
  const { loadRules, prepareDeliveries } = await import('@herald/rules');
  const set: RuleSet = loadRules(await readFile(file, 'utf8'), file);
  const parsed = JSON.parse(await readFile(eventFile, 'utf8')) as unknown;
  const valid = validateCloudEvent(parsed);
  if (!valid.ok) throw new Error(`${eventFile}: ${valid.error.message}`);
  const event: CloudEvent = valid.event.time
    ? valid.event
    : { ...valid.event, time: new Date().toISOString() };
  const now = new Date();
  const { matches, errors } = set.evaluate(event, now);
  const out = context.out;
  out.write(`event ${event.type} ${event.id}: ${matches.length} rule(s) match\n`);
  for (const m of matches)
    out.write(
      `  ✓ ${m.rule.id} (priority ${m.rule.priority}${m.rule.continue ? ', continue' : ''})${m.dedupe ? ` dedupe key ${m.dedupe.key} for ${m.dedupe.windowMs} ms` : ''}\n`,
    );
  // Why every other rule did not match: the question "0 rule(s) match" leaves open.
  for (const v of set.explain(event, now))
    if (v.verdict !== 'matched') out.write(`  ✗ ${v.rule.id}: ${whyNot(v, event)}\n`);
  // `when` errors are in the verdicts; a dedupe key error still matched (without dedupe).
  for (const e of errors.filter((e) => e.field !== 'when'))
    out.write(`  ! ${e.ruleId} ${e.field}: ${e.reason} (dedupe off for this match)\n`);
  const known = new Map<string, Recipient>();
  const tenantPrefs = new Map<string, Preferences>();
  // Recipients are evaluated once, both for the ids to load here and for the plan.
  const prepared = prepareDeliveries(event, matches, { now });
  const { refs } = prepared;
  if (useDatabase && refs.length > 0) {
    const { RecipientStore } = await import('@herald/store');
    await withDatabase(context, async (db) => {
      const store = new RecipientStore(db);
      for (const tenant of new Set(refs.map((r) => r.tenant))) {
        const rows = await store.getMany(
          tenant,
          refs.filter((r) => r.tenant === tenant).map((r) => r.ref),
        );
        for (const [id, r] of rows)
          known.set(`${tenant}\u0000${id}`, { ...r, preferences: r.preferences as Preferences });
        const prefs = await store.tenantPreferences(tenant);
        if (prefs !== undefined) tenantPrefs.set(tenant, prefs as Preferences);
      }
    });
  }
  const plan = prepared.plan({
    resolveRecipient: (ref, tenant) => known.get(`${tenant}\u0000${ref}`),
    tenantPreferences: (tenant) => tenantPrefs.get(tenant),
  });
  out.write(`jobs (${plan.jobs.length}):\n`);
  for (const job of plan.jobs) out.write(`${JSON.stringify(job)}\n`);
  out.write(`suppressed (${plan.suppressed.length}):\n`);
  for (const s of plan.suppressed)
    out.write(
      `  ${s.rule.id} ${s.channel} ${s.recipientRef}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}\n`,
    );
  if (plan.deferred.length > 0) {
    out.write(`deferred (${plan.deferred.length}):\n`);
    for (const d of plan.deferred)
      out.write(`  ${d.notificationId}: ${d.reason} until ${d.notBefore}\n`);
  }
  await describeSteps(context, set, event, plan, {
    useDatabase,
    now,
    defaultTenant: 'default',
  });
  await writeWorkflow(out, set, event, plan, now);
}

/**
 * `herald rules apply | test | list | history | rollback`: rules as code, stored in
 * Postgres with full history. Nothing is written unless the whole file is valid.
 */
export function registerRulesCommand(program: Command, context: CommandContext): void {
  const rules = program
    .command('rules')
    .description('rules as code: apply, test, list, history, rollback');
  rules
    .command('apply')
    .description('validate a rules file and apply it as a new version (all or nothing)')
    .requiredOption('-f, --file <path>', 'rules YAML or JSON file')
    .option('--dry-run', 'validate and show the diff, apply nothing')
    .option('--expect-version <n>', 'refuse unless the current version is n', (v) =>
      Number.parseInt(v, 10),
    )
    .action(async (options: { file: string; dryRun?: boolean; expectVersion?: number }) => {
      const source = await readFile(options.file, 'utf8');
      await applySource(context, source, options.file, options);
    });
  rules
    .command('test')
    .description('show which rules match an event and the exact jobs they would plan')
    .requiredOption('-f, --file <path>', 'rules YAML or JSON file')
    .requiredOption('-e, --event <path>', 'a CloudEvent as JSON')
    .option('--no-database', 'do not look recipients up in Postgres')
    .action(async (options: { file: string; event: string; database: boolean }) => {
      await testRules(context, options.file, options.event, options.database);
    });
  rules
    .command('list')
    .description('the rules of the current (or a given) version')
    .option('--version <n>', 'a version from `herald rules history`', (v) => Number.parseInt(v, 10))
    .action(async (options: { version?: number }) => {
      const { RuleStore } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        const store = new RuleStore(db);
        const version = options.version ?? (await store.latestVersion());
        const list = await store.list(version);
        context.out.write(`version ${version}: ${list.length} rule(s)\n`);
        for (const r of list)
          context.out.write(`  ${r.id}  revision ${r.revision} (since version ${r.setVersion})\n`);
      });
    });
  rules
    .command('history')
    .description('every applied version, or one rule’s revisions')
    .argument('[ruleId]', 'a rule id')
    .action(async (ruleId: string | undefined) => {
      const { RuleStore } = await import('@herald/store');
      await withDatabase(context, async (db) => {
        const store = new RuleStore(db);
        const out = context.out;
        if (ruleId === undefined) {
          for (const v of await store.history())
            out.write(
              `v${v.version}  ${v.appliedAt.toISOString()}  ${v.appliedBy}  ${v.kind === 'rollback' ? `rollback to v${v.rolledBackFrom}` : 'apply'}  ${v.sourceName}  +${v.diff.added.length} ~${v.diff.changed.length} -${v.diff.removed.length}\n`,
            );
          return;
        }
        const entries = await store.ruleHistory(ruleId);
        if (entries.length === 0) out.write(`no rule "${ruleId}" was ever applied\n`);
        for (const e of entries)
          out.write(
            e.kind === 'removed'
              ? `v${e.setVersion}  ${e.appliedAt.toISOString()}  ${e.appliedBy}  removed\n`
              : `v${e.setVersion}  ${e.createdAt.toISOString()}  ${e.appliedBy}  revision ${e.revision}  ${JSON.stringify(e.definition)}\n`,
          );
      });
    });
  rules
    .command('rollback')
    .description('re-apply the rules of an old version as a new version')
    .argument('<version>', 'a version from `herald rules history`', (v) => Number.parseInt(v, 10))
    .option('--dry-run', 'show the diff, apply nothing')
    .action(async (version: number, options: { dryRun?: boolean }) => {
      const { RuleStore } = await import('@herald/store');
      const old = await withDatabase(context, (db) => new RuleStore(db).sourceOf(version));
      // Validated again: the engine may have changed since that version was applied.
      await applySource(context, old.source, old.sourceName, { ...options, rollbackOf: version });
    });
}
