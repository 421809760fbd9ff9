/**
 * Turns what a schema decoder returns into plain JSON data, the form rules and
 * templates see for a JSON event: Avro records are class instances and `bytes` are
 * Buffers, Protobuf messages carry prototypes, longs may be bigints.
 *
 * - Buffer / Uint8Array → base64 string (as the Protobuf JSON mapping does)
 * - Date → ISO 8601 string
 * - bigint → number when it is a safe integer, else its decimal string
 * - class instances (Avro records, Protobuf messages after toObject) → plain objects
 *   of their own enumerable fields; `undefined` fields are dropped
 */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint')
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    return value;
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array)
    return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v)]));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) out[key] = toPlain(field);
  }
  return out;
}
