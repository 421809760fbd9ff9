import type { CloudEvent } from '@herald/core';

/**
 * Label matchers, as Alertmanager writes them: `name=value`, `name!=value`,
 * `name=~regex`, `name!~regex`. A regex matches the whole value (anchored), and a
 * label the event lacks is the empty string, so `service!=db` matches an event with no
 * `service`. Values may be double-quoted (JSON string escapes) to hold spaces or `,`.
 */
export const matchOperators = ['=', '!=', '=~', '!~'] as const;
export type MatchOperator = (typeof matchOperators)[number];

export interface LabelMatcher {
  readonly name: string;
  readonly op: MatchOperator;
  readonly value: string;
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

/** A matcher parsed from `name<op>value`, or the problem with the text. */
export function parseMatcher(
  text: string,
): { ok: true; matcher: LabelMatcher } | { ok: false; problem: string } {
  const m = MATCHER.exec(text);
  if (m === null)
    return {
      ok: false,
      problem: `"${text}" is not a matcher; write name=value, name!=value, name=~regex or name!~regex`,
    };
  const [, name, op, raw] = m as unknown as [string, string, MatchOperator, string];
  let value = raw;
  if (raw.startsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed !== 'string') throw new Error('not a string');
      value = parsed;
    } catch {
      return { ok: false, problem: `"${text}": the quoted value is not a valid string` };
    }
  }
  if (op === '=~' || op === '!~') {
    try {
      new RegExp(`^(?:${value})$`, 'u');
    } catch (err) {
      return {
        ok: false,
        problem: `"${text}": not a valid regular expression (${(err as Error).message})`,
      };
    }
  }
  return { ok: true, matcher: { name: name.toLowerCase(), op, value } };
}

/** Writes a matcher back as text (quoted when it needs to be). */
export function formatMatcher(m: LabelMatcher): string {
  const plain = /^[^\s",]*$/.test(m.value) && m.value !== '';
  return `${m.name}${m.op}${plain ? m.value : JSON.stringify(m.value)}`;
}

/**
 * A list of matchers parsed all at once. Like Alertmanager, at least one must not
 * match the empty string: a list of only negations (`severity!=info`) would match
 * nearly everything, which is never what a silence or an inhibition means.
 */
export function parseMatchers(
  texts: readonly string[],
): { ok: true; matchers: LabelMatcher[] } | { ok: false; problems: string[] } {
  const matchers: LabelMatcher[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    const parsed = parseMatcher(text);
    if (parsed.ok) matchers.push(parsed.matcher);
    else problems.push(parsed.problem);
  }
  if (problems.length > 0) return { ok: false, problems };
  if (matchers.length === 0) return { ok: false, problems: ['list at least one matcher'] };
  if (matchers.every((m) => matchOne(m, '')))
    return {
      ok: false,
      problems: [
        'every matcher also matches an empty label, so this would match nearly everything; add one that names a value, e.g. type=order.failed',
      ],
    };
  return { ok: true, matchers };
}

const regexCache = new Map<string, RegExp>();

function matchOne(m: LabelMatcher, value: string): boolean {
  switch (m.op) {
    case '=':
      return value === m.value;
    case '!=':
      return value !== m.value;
    default: {
      let re = regexCache.get(m.value);
      if (re === undefined) {
        re = new RegExp(`^(?:${m.value})$`, 'u');
        if (regexCache.size > 1000) regexCache.clear();
        regexCache.set(m.value, re);
      }
      return re.test(value) === (m.op === '=~');
    }
  }
}

/** True when every matcher matches the labels (a missing label is the empty string). */
export function matchesAll(
  matchers: readonly LabelMatcher[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return matchers.every((m) => matchOne(m, labels[m.name] ?? ''));
}

/**
 * An event's labels: every CloudEvents attribute with a string, number or boolean
 * value (type, source, subject, severity and any other extension), plus `tenant`, the
 * tenant its jobs belong to. `data` is not a label.
 */
export function eventLabels(event: CloudEvent, tenant: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      labels[name] = String(value);
  }
  labels.tenant = tenant;
  return labels;
}
