/**
 * The JSON → CEL value mapping. Every value a rule sees (`event`, `recipient`) goes
 * through {@link toCelValue} once per event, so rule authors get CEL's int semantics
 * for whole JSON numbers:
 *
 * | JSON                              | CEL                  | why |
 * |-----------------------------------|----------------------|-----|
 * | whole number, safe (3, 3.0, -7)   | `int` (JS bigint)    | `event.data.count + 1`, `count * 2 == 6`, `count in [1, 2, 3]` all type-check as int arithmetic |
 * | fractional or unsafe (3.5, 1e300) | `double`             | CEL has no decimal; beyond 2^53 JSON.parse already lost precision |
 * | string                            | `string`             | timestamps stay strings: `timestamp(event.time) < now` |
 * | true / false                      | `bool`               | |
 * | null                              | `null_type`          | `x == null` is true; `has(x)` is true (the key is present) |
 * | array                             | `list`               | elements mapped recursively |
 * | object                            | `map` (string keys)  | missing key: `has()` is false, selecting it is an evaluation error (= no match) |
 *
 * JSON cannot tell 3 from 3.0 (JSON.parse gives the same number), so both are `int`.
 * Comparisons across int and double are numeric in CEL (`count > 2.5`, `count == 3.0`
 * hold for 3), so only arithmetic needs matching types: write `price + 1.0`, or
 * `double(price) + 1.0` when a field may be either.
 */
export function toCelValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isSafeInteger(value)) return value;
      // Small ints (counts, quantities, status codes) dominate; share their bigints.
      return value >= 0 && value < SMALL_INTS.length ? SMALL_INTS[value] : BigInt(value);
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'object':
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(toCelValue);
      if (value instanceof Date) return value;
      return mapObject(value as Record<string, unknown>);
    default:
      // undefined, functions, symbols: not JSON; behave like an absent key.
      return undefined;
  }
}

const SMALL_INTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

function mapObject(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) {
    const mapped = toCelValue(value[key]);
    // A key holding `undefined` would make has() true yet selection fail; drop it.
    if (mapped !== undefined) out[key] = mapped;
  }
  return out;
}

/**
 * The way back, for values a rule produces (recipient lists, dedupe keys): CEL ints
 * become JS numbers when safe, else decimal strings; maps and lists are copied.
 */
export function fromCelValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromCelValue);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[String(k)] = fromCelValue(v);
    return out;
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = fromCelValue(v);
  return out;
}

/** A CEL value as a string for keys and ids: `"a"` → `a`, `3` → `3`, maps/lists as JSON. */
export function celValueToString(value: unknown): string {
  const plain = fromCelValue(value);
  return typeof plain === 'string' ? plain : (JSON.stringify(plain) ?? 'null');
}
