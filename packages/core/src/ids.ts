import { hash } from 'node:crypto';

/** The RFC 9562 variant's hex digit (10xx) for the low two bits of the hash's digit. */
const variantDigits = '89ab';

/**
 * A UUID (RFC 9562 version 8) derived from the parts: the same parts always give the
 * same id. Planning uses it so that a redelivered event plans the very same jobs, and
 * every later hop can deduplicate on the id.
 *
 * @example
 * deterministicId('evt-1', 'rule-a', 'alice', 'email') === deterministicId('evt-1', 'rule-a', 'alice', 'email');
 */
export function deterministicId(...parts: readonly string[]): string {
  // Length-prefix each part so ('ab','c') and ('a','bc') differ.
  let input = '';
  for (const part of parts) input += `${part.length}:${part}|`;
  // One-shot hash: planning calls this for every job, and createHash() costs 2x more.
  const hex = hash('sha256', input, 'hex');
  // Byte 6's high nibble is the version (8); byte 8's top bits are the RFC 9562 variant (10).
  const variant = variantDigits[parseInt(hex[16]!, 16) & 0x3]!;
  // Joined, not a template literal: a join makes one flat string, a template a rope, and
  // jobs and statuses carry the id; one rope in an object sends its JSON.stringify down
  // V8's slow path (docs/benchmarks.md, "Round 6 (issue 19): app CPU per delivery").
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    variant + hex.slice(17, 20),
    hex.slice(20, 32),
  ].join('-');
}

/**
 * The recipient ref of an address that has no id of its own (an inline recipient
 * without `id`, a channel's fixed `address`): a hash of channel and address. It is
 * stable, so one address keeps its notification ids and its ordering key, yet status
 * events and the audit tables never carry the raw address (docs/status-events.md).
 *
 * @example
 * addressRef('email', 'a@example.com'); // 'addr-3f1c…' (24 hex digits), the same every time
 */
export function addressRef(channel: string, address: string): string {
  return `addr-${hash('sha256', `${channel}\u0000${address}`, 'hex').slice(0, 24)}`;
}
