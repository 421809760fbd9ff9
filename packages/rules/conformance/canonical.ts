import { Optional } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';

/**
 * One text form for CEL values, so an expected `cel.expr.Value` (proto JSON, as the
 * conformance data ships it) and a value cel-js returned compare as strings:
 * `int(3)`, `uint(3)`, `double(NaN)`, `string("a")`, `bytes(AP8=)`, `list[int(1)]`,
 * `map{string("a"):int(1)}` (entries sorted), `timestamp(<seconds>.<9-digit nanos>)`,
 * `duration(<seconds>s<nanos>n)`, `type(int)`, `null`, `bool(true)`.
 *
 * A map literal with int or bool keys comes back from cel-js as a plain JS object, whose
 * keys are strings, so map keys are compared by their text: `{1: 2}` equals
 * `{"1": 2}` here. Herald's maps are JSON objects (string keys), so nothing is lost.
 */
export type Canonical = string;

/** Thrown for an expected value Herald has no form for (protobuf messages, enums). */
export class OutOfScope extends Error {}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

const NANOS = 1_000_000_000n;

/** The canonical form of a `cel.expr.Value` in proto JSON. */
export function canonicalExpected(value: JsonObject): Canonical {
  const [kind] = Object.keys(value);
  const v = value[kind!];
  switch (kind) {
    case 'nullValue':
      return 'null';
    case 'boolValue':
      return `bool(${String(v)})`;
    case 'int64Value':
      return `int(${String(v)})`;
    case 'uint64Value':
      return `uint(${String(v)})`;
    case 'doubleValue':
      return `double(${String(Number(v))})`;
    case 'stringValue':
      return `string(${JSON.stringify(v)})`;
    case 'bytesValue':
      return `bytes(${Buffer.from(String(v), 'base64').toString('base64')})`;
    case 'listValue':
      return `list[${(((v as JsonObject).values ?? []) as JsonObject[]).map(canonicalExpected).join(',')}]`;
    case 'mapValue': {
      const entries = ((v as JsonObject).entries ?? []) as { key: JsonObject; value: JsonObject }[];
      return canonicalMap(entries.map((e) => [keyText(e.key), canonicalExpected(e.value)]));
    }
    case 'typeValue':
      return `type(${String(v)})`;
    case 'objectValue':
      return canonicalAny(v as JsonObject);
    default:
      throw new OutOfScope(`value kind ${kind ?? 'none'}`);
  }
}

function keyText(key: JsonObject): string {
  const [kind] = Object.keys(key);
  return String(key[kind!]);
}

function canonicalMap(entries: [string, Canonical][]): Canonical {
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `map{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
}

// Well-known types packed in an Any; messages of the test protos are out of scope.
function canonicalAny(any: JsonObject): Canonical {
  const type = String(any['@type']).replace(/^type\.googleapis\.com\//, '');
  const inner = any.value;
  switch (type) {
    case 'google.protobuf.Duration':
      return canonicalDurationText(String(inner));
    case 'google.protobuf.Timestamp':
      return canonicalTimestampText(String(inner));
    case 'google.protobuf.Value':
    case 'google.protobuf.Struct':
    case 'google.protobuf.ListValue':
      return canonicalJson(inner ?? null);
    case 'google.protobuf.StringValue':
      return `string(${JSON.stringify(inner ?? '')})`;
    case 'google.protobuf.UInt64Value':
    case 'google.protobuf.UInt32Value':
      return `uint(${String(inner ?? 0)})`;
    default:
      throw new OutOfScope(`message ${type}`);
  }
}

function canonicalJson(value: JsonValue): Canonical {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return `bool(${value})`;
  if (typeof value === 'number') return `double(${value})`;
  if (typeof value === 'string') return `string(${JSON.stringify(value)})`;
  if (Array.isArray(value)) return `list[${value.map(canonicalJson).join(',')}]`;
  return canonicalMap(Object.entries(value).map(([k, v]) => [k, canonicalJson(v)]));
}

/** `1.5s` → `duration(1s500000000n)`; negative durations keep the sign on both parts. */
export function canonicalDurationText(text: string): Canonical {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) throw new OutOfScope(`duration text ${text}`);
  const sign = m[1] ? -1n : 1n;
  return canonicalDuration(sign * BigInt(m[2]!), sign * BigInt((m[3] ?? '').padEnd(9, '0') || '0'));
}

function canonicalDuration(seconds: bigint, nanos: bigint): Canonical {
  const total = seconds * NANOS + nanos;
  return `duration(${total / NANOS}s${total % NANOS}n)`;
}

/** RFC 3339 text → `timestamp(<epoch seconds>.<nanos>)`. */
export function canonicalTimestampText(text: string): Canonical {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!m) throw new OutOfScope(`timestamp text ${text}`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return canonicalTimestamp(BigInt(ms / 1000), BigInt((m[2] ?? '').padEnd(9, '0') || '0'));
}

function canonicalTimestamp(seconds: bigint, nanos: bigint): Canonical {
  return `timestamp(${seconds}.${String(nanos).padStart(9, '0')})`;
}

/** The canonical form of a value cel-js (through Herald's environment) returned. */
export function canonicalActual(value: unknown): Canonical {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return `bool(${value})`;
    case 'bigint':
      return `int(${value})`;
    case 'number':
      return `double(${value})`;
    case 'string':
      return `string(${JSON.stringify(value)})`;
    case 'object':
      return canonicalObject(value);
    default:
      return `unknown(${typeof value})`;
  }
}

function canonicalObject(value: object): Canonical {
  if (value instanceof UnsignedInt) return `uint(${value.valueOf()})`;
  if (value instanceof Uint8Array) return `bytes(${Buffer.from(value).toString('base64')})`;
  if (Array.isArray(value) || value instanceof Set) {
    return `list[${[...(value as Iterable<unknown>)].map(canonicalActual).join(',')}]`;
  }
  if (value instanceof Map) {
    return canonicalMap([...value].map(([k, v]) => [String(k), canonicalActual(v)]));
  }
  if (value instanceof Duration) return canonicalDuration(value.seconds, BigInt(value.nanos));
  if (value instanceof Date) {
    const ms = BigInt(value.getTime());
    const seconds = ms >= 0n ? ms / 1000n : (ms - 999n) / 1000n;
    return canonicalTimestamp(seconds, (ms - seconds * 1000n) * 1_000_000n);
  }
  if (value instanceof Optional) {
    return value.hasValue() ? `optional(${canonicalActual(value.value())})` : 'optional.none';
  }
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  if (name === 'Type') {
    const type = String((value as { name: string }).name);
    return `type(${type === 'null' ? 'null_type' : type})`;
  }
  return canonicalMap(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, canonicalActual(v)]),
  );
}
