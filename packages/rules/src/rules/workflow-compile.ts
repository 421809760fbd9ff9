import type { CelProgram, CelResultKind } from '../cel/cel-engine.js';
import type { CompiledRule } from './compiled-rule.js';
import type { RuleInput } from './rule-schema.js';

type CompileAt = (
  expression: string,
  field: readonly (string | number)[],
  kind: CelResultKind,
) => CelProgram | undefined;

/**
 * Compiles a rule's digest keys and cancellation (issue 16) with the loader's
 * `compileAt`, which records a positioned problem for each expression that does not
 * compile or type-check. Undefined when one failed (the rule is refused).
 */
export function compileWorkflow(
  input: RuleInput,
  compileAt: CompileAt,
): Pick<CompiledRule, 'digestKeys' | 'cancel'> | undefined {
  let failed = false;
  const digestKeys = input.channels.map((ch, c) => {
    if (ch.digest === undefined) return undefined;
    const program = compileAt(ch.digest.key, ['channels', c, 'digest', 'key'], 'value');
    if (program === undefined) failed = true;
    return program;
  });
  let cancel: CompiledRule['cancel'];
  if (input.cancel !== undefined) {
    const on = compileAt(input.cancel.on, ['cancel', 'on'], 'bool');
    const key = compileAt(input.cancel.key, ['cancel', 'key'], 'value');
    if (on === undefined || key === undefined) failed = true;
    else cancel = { on, key };
  }
  if (failed) return undefined;
  return {
    ...(digestKeys.some((k) => k !== undefined) ? { digestKeys } : {}),
    ...(cancel === undefined ? {} : { cancel }),
  };
}
