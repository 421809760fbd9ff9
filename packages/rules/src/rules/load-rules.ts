import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode, Scalar } from 'yaml';
import type { z } from 'zod';
import { CelEngine } from '../cel/cel-engine.js';
import type { CelProgram, CelResultKind } from '../cel/cel-engine.js';
import { registerCompiled } from './compiled-rule.js';
import type { CompiledRule } from './compiled-rule.js';
import { parseDuration } from './duration.js';
import type { EvalErrorReport, Rule, RuleChannel } from './rule.js';
import { ruleSchema, rulesFileSchema } from './rule-schema.js';
import type { RuleInput } from './rule-schema.js';
import { CompiledRuleSet } from './rule-set.js';
import type { RuleSet } from './rule-set.js';
import { excerptAt, RulesSourceError } from './rules-source-error.js';
import type { RuleProblem } from './rules-source-error.js';
import { ownStrings } from './own-strings.js';
import { scalarSourceOffset } from './source-position.js';
import { deriveTypes, residualCondition } from './type-index.js';
import { fixedRecipientRef } from '../plan/recipient.js';
import { inhibitRule, inhibitSchema, type InhibitRule } from '../silences/inhibit-schema.js';
import { compileWorkflow } from './workflow-compile.js';

export interface LoadRulesOptions {
  /** Share one engine (and its compiled-expression cache) across reloads; default: a process-wide one. */
  readonly engine?: CelEngine;
  /** Called for each expression that fails at run time; see `RuleSet.match`. */
  readonly onEvalError?: (report: EvalErrorReport) => void;
  /** Tenant for dedupe marks of events without `tenantid`. */
  readonly defaultTenant?: string;
  /**
   * Version per rule id, overriding the file's `version:`. Rules stored in Postgres
   * carry the store's revision, so jobs name the exact revision that planned them.
   */
  readonly ruleVersions?: Readonly<Record<string, number>>;
}

type Path = readonly (string | number)[];

let sharedEngine: CelEngine | undefined;

/**
 * Parses, validates and compiles a rules file (YAML or JSON) into a {@link RuleSet}.
 * All or nothing: any problem (YAML syntax, schema, duplicate id, a CEL expression
 * that does not compile or has the wrong result type) throws a `RulesSourceError`
 * listing every problem with `file:line:column`, and nothing from the file is used.
 *
 * @example
 * const rules = loadRules(readFileSync('rules.yaml', 'utf8'), 'rules.yaml');
 * const matches = rules.match(event, new Date());
 *
 * @throws RulesSourceError (`HERALD_ERR_RULES_INVALID` or `HERALD_ERR_RULE_COMPILE`)
 */
export function loadRules(
  source: string,
  fileName: string,
  options: LoadRulesOptions = {},
): RuleSet {
  const engine = options.engine ?? (sharedEngine ??= new CelEngine());
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const at = (offset: number, message: string, ruleId?: string): RuleProblem => {
    const { line, col } = lines.linePos(offset);
    return {
      file: fileName,
      line,
      column: col,
      message,
      excerpt: excerptAt(source, line, col),
      ...(ruleId === undefined ? {} : { ruleId }),
    };
  };

  if (doc.errors.length > 0) {
    throw new RulesSourceError(
      'invalid',
      fileName,
      doc.errors.map((e) => at(e.pos[0], e.message.split(' at line')[0]!)),
    );
  }
  // toJS throws on what parsing lets through: an alias with no anchor before it, or
  // aliases that expand past yaml's maxAliasCount (a "billion laughs" file). Its strings
  // are slices of `source`: the rule set keeps copies instead (own-strings.ts says why).
  let plain: unknown;
  try {
    plain = ownStrings(doc.toJS({ maxAliasCount: 100 }) as unknown);
  } catch (err) {
    throw new RulesSourceError('invalid', fileName, [
      at(doc.contents?.range?.[0] ?? 0, (err as Error).message),
    ]);
  }
  const root = rulesFileSchema.safeParse(plain ?? null);
  if (!root.success) {
    throw new RulesSourceError('invalid', fileName, [
      at(doc.contents?.range?.[0] ?? 0, 'expected a list of rules, or a map with a "rules:" list'),
    ]);
  }
  const items = Array.isArray(root.data) ? root.data : root.data.rules;
  const base: Path = Array.isArray(root.data) ? [] : ['rules'];

  const schemaProblems: RuleProblem[] = [];
  const compileProblems: RuleProblem[] = [];
  const inhibitions: InhibitRule[] = [];
  (Array.isArray(root.data) ? [] : (root.data.inhibit ?? [])).forEach((item, i) => {
    const parsed = inhibitSchema.safeParse(item, { reportInput: true });
    if (parsed.success) inhibitions.push(inhibitRule(parsed.data, i));
    else
      for (const issue of parsed.error.issues)
        schemaProblems.push(
          at(
            offsetOf(doc, ['inhibit', i, ...issue.path.map(pathKey)], issue),
            `inhibit[${i}].${describeIssue(issue)}`,
          ),
        );
  });
  const compiled: CompiledRule[] = [];
  const seen = new Map<string, number>();

  items.forEach((item, i) => {
    const path = [...base, i];
    const rawId = (item as { id?: unknown } | null)?.id;
    const ruleId = typeof rawId === 'string' ? rawId : undefined;
    const parsed = ruleSchema.safeParse(item, { reportInput: true });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        schemaProblems.push(
          at(
            offsetOf(doc, [...path, ...issue.path.map(pathKey)], issue),
            describeIssue(issue),
            ruleId,
          ),
        );
      }
      return;
    }
    const input = parsed.data;
    const firstAt = seen.get(input.id);
    if (firstAt !== undefined) {
      schemaProblems.push(
        at(
          offsetOf(doc, [...path, 'id']),
          `duplicate rule id "${input.id}" (first defined on line ${firstAt}); ids must be unique in a file`,
          input.id,
        ),
      );
      return;
    }
    seen.set(input.id, lines.linePos(offsetOf(doc, path)).line);

    const refs = new Set<string>();
    input.channels.forEach((channel, c) => {
      const ref = fixedRecipientRef(channel);
      if (ref === undefined) return;
      const key = `${channel.type}\u0000${ref}`;
      if (refs.has(key)) {
        schemaProblems.push(
          at(
            offsetOf(doc, [...path, 'channels', c]),
            `two ${channel.type} channels deliver to "${ref}"; merge them or give different addresses`,
            input.id,
          ),
        );
      }
      refs.add(key);
    });

    const compileAt = (
      expression: string,
      field: Path,
      kind: CelResultKind,
    ): CelProgram | undefined => {
      const result = engine.compile(expression, kind);
      if (result.ok) return result.program;
      const node = doc.getIn([...path, ...field], true);
      const offset = isScalar(node)
        ? scalarSourceOffset(node as Scalar, source, result.start)
        : offsetOf(doc, [...path, ...field]);
      compileProblems.push(at(offset, `${field.join('.')}: ${result.summary}`, input.id));
      return undefined;
    };
    const when = input.when === undefined ? engine.compile('true', 'bool') : undefined;
    const whenProgram =
      when?.ok === true ? when.program : compileAt(input.when ?? 'true', ['when'], 'bool');
    const recipients =
      input.recipients === undefined
        ? undefined
        : compileAt(input.recipients, ['recipients'], 'recipients');
    const channelWhen = input.channels.map((ch, c) =>
      ch.when === undefined ? undefined : compileAt(ch.when, ['channels', c, 'when'], 'bool'),
    );
    const dedupeKey =
      input.dedupe === undefined
        ? undefined
        : compileAt(input.dedupe.key, ['dedupe', 'key'], 'value');
    const workflow = compileWorkflow(input, compileAt);
    if (
      workflow === undefined ||
      whenProgram === undefined ||
      (input.recipients !== undefined && recipients === undefined) ||
      channelWhen.some((p, c) => p === undefined && input.channels[c]!.when !== undefined) ||
      (input.dedupe !== undefined && dedupeKey === undefined)
    ) {
      return;
    }
    const itemOffset = offsetOf(doc, path);
    const { line, col } = lines.linePos(itemOffset);
    const rule = buildRule(
      input,
      whenProgram,
      { file: fileName, line, column: col },
      options.ruleVersions?.[input.id],
    );
    // Copied flat once here (a URL's ref is a join of host and path, a rope): every job and
    // status of the channel carries it, and a rope sends their JSON.stringify off V8's
    // fast path (docs/benchmarks.md, "Round 6 (issue 19): app CPU per delivery").
    const fixedRefs = rule.channels.map(
      (channel) => ownStrings(fixedRecipientRef(channel)) as string | undefined,
    );
    const residual = residualCondition(whenProgram.ast, whenProgram.expression, rule.types);
    const fast = residual === undefined ? undefined : engine.compile(residual, 'bool');
    compiled.push({
      rule,
      matchWhen: fast?.ok === true ? fast.program : whenProgram,
      fixedRefs,
      fansOut: fixedRefs.includes(undefined),
      fanOutChannels: rule.channels.filter((_, c) => fixedRefs[c] === undefined),
      when: whenProgram,
      ...(recipients === undefined ? {} : { recipients }),
      channelWhen,
      ...(dedupeKey === undefined ? {} : { dedupeKey }),
      ...workflow,
    });
  });

  const byPosition = (a: RuleProblem, b: RuleProblem): number =>
    a.line - b.line || a.column - b.column;
  if (schemaProblems.length > 0)
    throw new RulesSourceError(
      'invalid',
      fileName,
      [...schemaProblems, ...compileProblems].sort(byPosition),
    );
  if (compileProblems.length > 0)
    throw new RulesSourceError('compile', fileName, compileProblems.sort(byPosition));
  for (const c of compiled) registerCompiled(c);
  return new CompiledRuleSet(compiled, {
    ...(options.onEvalError === undefined ? {} : { onEvalError: options.onEvalError }),
    ...(options.defaultTenant === undefined ? {} : { defaultTenant: options.defaultTenant }),
    inhibitions,
  });
}

function buildRule(
  input: RuleInput,
  when: CelProgram,
  source: Rule['source'],
  version: number | undefined,
): Rule {
  const channels: RuleChannel[] = input.channels.map(
    (ch) =>
      Object.freeze({
        ...stripUndefined(ch),
        ...(ch.headers ? { headers: Object.freeze({ ...ch.headers }) } : {}),
      }) as RuleChannel,
  );
  const rule: Rule = {
    ...stripUndefined({
      id: input.id,
      name: input.name,
      description: input.description,
      tenant: input.tenant,
      recipients: input.recipients,
      severity: input.severity,
      category: input.category,
    }),
    types: Object.freeze(input.types ?? deriveTypes(when.ast) ?? ['*']),
    when: input.when ?? 'true',
    channels: Object.freeze(channels),
    priority: input.priority,
    continue: input.continue,
    enabled: input.enabled,
    labels: Object.freeze({ ...input.labels }),
    ...(input.cancel === undefined ? {} : { cancel: Object.freeze({ ...input.cancel }) }),
    version: version ?? input.version,
    source: Object.freeze(source),
    ...(input.dedupe === undefined
      ? {}
      : {
          dedupe: Object.freeze({ ...input.dedupe, windowMs: parseDuration(input.dedupe.window)! }),
        }),
  } as Rule;
  return Object.freeze(rule);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pathKey(key: PropertyKey): string | number {
  return typeof key === 'symbol' ? String(key) : key;
}

/** File offset of the node at `path`, or of its nearest ancestor that exists. */
function offsetOf(doc: Document, path: Path, issue?: z.core.$ZodIssue): number {
  if (issue?.code === 'unrecognized_keys') {
    const map = doc.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find(
        (p) => isScalar(p.key) && issue.keys.includes(String(p.key.value)),
      );
      const range = (pair?.key as YamlNode | undefined)?.range;
      if (range) return range[0];
    }
  }
  for (let n = path.length; n >= 0; n--) {
    const node =
      n === 0 ? doc.contents : (doc.getIn(path.slice(0, n), true) as YamlNode | undefined);
    if (node?.range) return node.range[0];
  }
  return 0;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length === 0 ? 'rule' : issue.path.map(pathKey).join('.');
  if (issue.code === 'unrecognized_keys')
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  const input = (issue as { input?: unknown }).input;
  if (issue.code === 'invalid_type' && input === undefined) return `${where}: is required`;
  const message = issue.code === 'invalid_type' ? `expected ${issue.expected}` : issue.message;
  const received =
    input === undefined || (typeof input === 'object' && input !== null)
      ? ''
      : `, received ${JSON.stringify(input)}`;
  return `${where}: ${message}${received}`;
}
