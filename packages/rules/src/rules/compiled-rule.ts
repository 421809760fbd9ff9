import type { CelProgram } from '../cel/cel-engine.js';
import type { Rule, RuleChannel } from './rule.js';

/** The compiled expressions behind a {@link Rule}; kept off the public object. */
export interface CompiledRule {
  readonly rule: Rule;
  readonly when: CelProgram;
  /** `when` minus the type tests the index guarantees; what matching evaluates. */
  readonly matchWhen: CelProgram;
  readonly recipients?: CelProgram;
  /** Index-aligned with `rule.channels`. */
  readonly channelWhen: readonly (CelProgram | undefined)[];
  readonly dedupeKey?: CelProgram;
  /** Issue 16, index-aligned with `rule.channels`: each channel's `digest.key`. */
  readonly digestKeys?: readonly (CelProgram | undefined)[];
  /** Issue 16: the rule's `cancel.on` and `cancel.key`. */
  readonly cancel?: { readonly on: CelProgram; readonly key: CelProgram };
  /** Index-aligned with `rule.channels`: the ref of a fixed destination, else undefined (fan-out). */
  readonly fixedRefs: readonly (string | undefined)[];
  /** True when some channel fans out over `recipients`. */
  readonly fansOut: boolean;
  /** The channels that fan out over `recipients`. */
  readonly fanOutChannels: readonly RuleChannel[];
}

const registry = new WeakMap<Rule, CompiledRule>();

export function registerCompiled(compiled: CompiledRule): void {
  registry.set(compiled.rule, compiled);
}

/** The compiled form of a rule that came from `loadRules`, else undefined. */
export function compiledOf(rule: Rule): CompiledRule | undefined {
  return registry.get(rule);
}
