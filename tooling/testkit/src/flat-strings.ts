import { setFlagsFromString } from 'node:v8';

let isRopeOrSlice: ((text: string) => boolean) | undefined;

/** A rope and a slice of each width, made fresh: their V8 maps are what is looked for. */
function ropeOrSliceCheck(): (text: string) => boolean {
  setFlagsFromString('--allow-natives-syntax');
  const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (
    a: unknown,
    b: unknown,
  ) => boolean;
  const fresh = String(Date.now());
  const references = ['abcdefghijklm', '\u2713bcdefghijkl'].flatMap((start) => [
    start + fresh, // a rope (cons string)
    `${start}${'x'.repeat(40)}${fresh}`.slice(1), // a slice of a flat string
  ]);
  return (text) => references.some((reference) => sameMap(text, reference));
}

/**
 * The paths of the strings in `value` (walked deeply) that V8 holds as a rope (cons
 * string) or a slice: either sends `JSON.stringify` off its fast path
 * (docs/benchmarks.md, "Round 6 (issue 19): app CPU per delivery"). Compares each
 * string's V8 map with those of a fresh rope and slice of each width through the
 * `%HaveSameMap` intrinsic, enabled for this process.
 */
export function unflatStrings(value: unknown, path = '$'): string[] {
  isRopeOrSlice ??= ropeOrSliceCheck();
  const check = isRopeOrSlice;
  const found: string[] = [];
  const walk = (v: unknown, at: string): void => {
    if (typeof v === 'string') {
      if (check(v)) found.push(at);
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, `${at}[${i}]`));
    else if (typeof v === 'object' && v !== null)
      for (const [key, item] of Object.entries(v)) walk(item, `${at}.${key}`);
  };
  walk(value, path);
  return found;
}
