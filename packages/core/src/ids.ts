import { createHash } from 'node:crypto';

/**
 * A UUID (RFC 9562 version 8) derived from the parts: the same parts always give the
 * same id. Planning uses it so that a redelivered event plans the very same jobs, and
 * every later hop can deduplicate on the id.
 *
 * @example
 * deterministicId('evt-1', 'rule-a', 'alice', 'email') === deterministicId('evt-1', 'rule-a', 'alice', 'email');
 */
export function deterministicId(...parts: readonly string[]): string {
  const hash = createHash('sha256');
  // Length-prefix each part so ('ab','c') and ('a','bc') differ.
  for (const part of parts) hash.update(`${part.length}:${part}|`);
  const bytes = hash.digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
