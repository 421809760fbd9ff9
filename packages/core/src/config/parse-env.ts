import { z } from 'zod';
import { HeraldError } from '../errors.js';

export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Settings Herald owns start with this prefix; an unknown one is a typo, not noise. */
const OWN_PREFIX = 'HERALD_';
/** The local stack's own settings (deploy/local/stack.sh); no app reads them. */
const STACK_PREFIX = 'HERALD_STACK_';

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = levenshtein(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(3, Math.floor(name.length / 4)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Validates an app's settings once, at start-up, before anything connects. Every
 * problem is reported at once, each naming the setting, what was received and the
 * expected form. Unknown `HERALD_*` settings are refused with the closest known name.
 * The result is deep-frozen.
 *
 * @example
 * const env = parseEnv({ ...kafkaEnv(), ...databaseEnv() }, process.env);
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  source: EnvSource,
): Readonly<z.infer<z.ZodObject<S>>> {
  const known = Object.keys(shape);
  for (const name of Object.keys(source)) {
    if (
      name.startsWith(OWN_PREFIX) &&
      !name.startsWith(STACK_PREFIX) &&
      !known.includes(name) &&
      source[name] !== undefined
    ) {
      const suggestion = closest(
        name,
        known.filter((k) => k.startsWith(OWN_PREFIX)),
      );
      throw new HeraldError('HERALD_ERR_CONFIG_UNKNOWN', [
        name,
        suggestion ? `did you mean ${suggestion}?` : 'this app does not read it; remove it',
      ]);
    }
  }
  const picked: Record<string, string> = {};
  for (const name of known) {
    const value = source[name];
    // An empty string means "unset", as in most shells and orchestrators.
    if (value !== undefined && value !== '') picked[name] = value;
  }
  const result = z.object(shape).safeParse(picked);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? '(settings)');
      const received = picked[name];
      return `${name}: ${issue.message}${received === undefined ? ' (not set)' : `, received ${JSON.stringify(received)}`}`;
    });
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [problems.join('; ')]);
  }
  return deepFreeze(result.data) as Readonly<z.infer<z.ZodObject<S>>>;
}
