import { deterministicId, type CloudEvent } from '@herald/core';
import { RedisDedupe } from '@herald/delivery';
import type { ConsumedRecord } from '@herald/kafka';
import type { RuleMatch } from '@herald/rules';

/**
 * An event's dedupe mark. The owner is the record's position: the same record again is
 * a redelivery, not a duplicate.
 */
export function eventClaim(
  prefix: string,
  event: CloudEvent,
  record: Pick<ConsumedRecord, 'topic' | 'partition' | 'offset'>,
): { key: string; owner: string } {
  return {
    key: RedisDedupe.eventKey(prefix, event),
    owner: `${record.topic}:${record.partition}:${record.offset}`,
  };
}

/**
 * A match's rule dedupe mark, when its rule has one. The owner is the event: the same
 * event again keeps its match; another event is a duplicate.
 */
export function matchClaims(
  prefix: string,
  event: CloudEvent,
  match: RuleMatch,
): { key: string; owner: string }[] {
  if (!match.dedupe) return [];
  return [{ key: `${prefix}${match.dedupe.key}`, owner: deterministicId(event.source, event.id) }];
}
