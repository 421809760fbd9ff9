import { deterministicId } from '@herald/core';
import type { DedupeMark } from '../rules/rule.js';

/**
 * The mark that deduplicates a rule's matches: same tenant, rule and key value →
 * same `key`. The caller stores it for `windowMs` (Redis `SET key 1 NX PX windowMs`)
 * and drops the match when it was already set; the window therefore starts at the
 * first match and does not slide. The key value is hashed so arbitrary CEL values
 * (long strings, maps) give a bounded key.
 *
 * @example
 * dedupeMark('acme', 'disk-full', 'host-7', 600_000, now).key // 'herald:dedupe:disk-full:{…}'
 */
export function dedupeMark(
  tenant: string,
  ruleId: string,
  keyValue: string,
  windowMs: number,
  now: Date,
): DedupeMark {
  return {
    // The hash tag ({...}) puts the key in one Redis Cluster slot by its own hash,
    // so callers may extend the key (a prefix, a suffix) without crossing slots.
    key: `herald:dedupe:${ruleId}:{${deterministicId(tenant, ruleId, keyValue)}}`,
    windowMs,
    expiresAt: new Date(now.getTime() + windowMs).toISOString(),
  };
}

/**
 * Whether a mark recorded at `recordedAt` still suppresses a match at `now`: the pure
 * form of the store's TTL, for stores without one and for tests.
 */
export function withinWindow(recordedAt: Date, windowMs: number, now: Date): boolean {
  const age = now.getTime() - recordedAt.getTime();
  return age >= 0 && age < windowMs;
}
