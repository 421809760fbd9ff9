/**
 * A deep copy of a parsed rules document whose strings are copies of their own.
 *
 * The yaml parser hands out scalars that V8 keeps as slices of the whole source text
 * (a sliced string: a pointer into its parent, which stays alive with it). Two costs
 * follow for as long as the rule set lives: the file's whole text stays in memory
 * (comments and all, once per loaded version), and V8's `JSON.stringify` leaves its
 * fast path when it meets a sliced string: a delivery job carrying a rule's webhook
 * URL took 2.5 times as long to encode (docs/benchmarks.md, "Round 5 (issue 19):
 * the router's job encoding"). A string that went through `JSON.parse` is a flat
 * copy; the values are equal, only V8's representation changes.
 *
 * Objects and arrays are copied once each, so aliases stay shared and a cyclic
 * document (`a: &a [*a]`) stays cyclic instead of recursing for ever. Keys keep their
 * order and `__proto__` stays an own key, as in yaml's output. Anything else (numbers,
 * booleans, null, a non-plain object) is returned as it is.
 */
export function ownStrings(value: unknown): unknown {
  return copy(value, new Map());
}

function copy(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value === 'string') return JSON.parse(JSON.stringify(value)) as string;
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value) out.push(copy(item, copies));
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  copies.set(value, out);
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], copies);
    // An assignment to `__proto__` would set the prototype: it stays an own key instead.
    if (key === '__proto__')
      Object.defineProperty(out, key, {
        value: item,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    else out[key] = item;
  }
  return out;
}
