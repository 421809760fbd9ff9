import { HeraldError } from '@herald/core';

/** One problem found in a rules file. */
export interface RuleProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The rule the problem is in, when it is inside one with a readable id. */
  readonly ruleId?: string;
  readonly message: string;
  /** The file's line with a caret under the column, for people. */
  readonly excerpt: string;
}

/**
 * A rules file that was refused. The code is `HERALD_ERR_RULE_COMPILE` when every
 * problem is a CEL expression that does not compile, `HERALD_ERR_RULES_INVALID`
 * otherwise. `problems` lists all of them, each with file, line and column, so an
 * editor or the CLI can point at each one; the message carries the same text.
 *
 * Nothing from a refused file is loaded.
 */
export class RulesSourceError extends HeraldError {
  readonly problems: readonly RuleProblem[];

  constructor(kind: 'compile' | 'invalid', file: string, problems: readonly RuleProblem[]) {
    const count = problems.length === 1 ? '' : `${problems.length} problems:\n`;
    if (kind === 'compile') {
      // The message already starts with "rule <id>"; repeat ids only when they differ.
      const first = problems[0]?.ruleId;
      const text = problems
        .map((p) => formatProblem(p.ruleId === first ? { ...p, ruleId: undefined } : p))
        .join('\n');
      super('HERALD_ERR_RULE_COMPILE', [first ?? '(unknown)', `${count}${text}`]);
    } else {
      const text = problems.map(formatProblem).join('\n');
      super('HERALD_ERR_RULES_INVALID', [file, `${count}${text}`]);
    }
    this.name = 'RulesSourceError';
    this.problems = problems;
  }
}

function formatProblem(p: Omit<RuleProblem, 'ruleId'> & { ruleId?: string | undefined }): string {
  const rule = p.ruleId === undefined ? '' : `rule ${p.ruleId}: `;
  return `${p.file}:${p.line}:${p.column}: ${rule}${p.message}\n${p.excerpt}`;
}

/** The source line holding `line` with a caret under `column`, both 1-based. */
export function excerptAt(source: string, line: number, column: number): string {
  const text = source.split('\n')[line - 1]?.replace(/\r$/, '') ?? '';
  const gutter = `${String(line).padStart(5)} | `;
  return `${gutter}${text}\n${' '.repeat(gutter.length + Math.max(0, column - 1))}^`;
}
