/**
 * `text` as a string V8 holds flat: the same value, in one piece of memory.
 *
 * V8 keeps the result of `+` or a template literal as a rope (a cons string) and a
 * `slice` of a long string as a view into it (a sliced string). `JSON.stringify` has a
 * fast path that takes only flat strings: one rope or slice anywhere in an object sends
 * the whole object back through the slow path, 2 to 3 times the CPU for a delivery job
 * (docs/benchmarks.md, "Round 5 (issue 19): the router's job encoding"). Strings built
 * per job that end up in what Herald encodes (ids, refs, ordering keys, normalised
 * addresses) go through here.
 *
 * @example
 * const key = flatString(`${ref}\u0000${subject}`); // === `${ref}\u0000${subject}`
 */
export function flatString(text: string): string {
  // V8 makes no rope or slice under 13 characters: such strings are copies already.
  if (text.length < 13) return text;
  // A join of two non-empty pieces is copied into a new flat string (one piece would be
  // returned as it is, rope or not).
  return [text.slice(0, 1), text.slice(1)].join('');
}
