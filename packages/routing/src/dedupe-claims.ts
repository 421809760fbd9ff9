import { deterministicId, type CloudEvent, type ConsumedRecord } from '@herald/core';
import { RedisDedupe } from '@herald/delivery';
import { suppressMatch, type RuleMatch } from '@herald/rules';
import type { DedupeClaims, RoutingSettings } from './ports.js';
import type { Routed } from './routed.js';

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

/** Marks each item whose event id another record already claimed within the window. */
export async function claimEvents(
  dedupe: DedupeClaims,
  items: readonly Routed[],
  settings: RoutingSettings,
): Promise<void> {
  const granted = await dedupe.claim(
    items.map((i) => ({
      ...eventClaim(settings.topicPrefix, i.event, i.record),
      windowMs: settings.eventDedupeWindowMs,
    })),
  );
  items.forEach((item, n) => (item.duplicate = !granted[n]));
}

/**
 * Claims the rule dedupe key of every match that has one; a match whose key another
 * event holds is dropped from its item with a `dedupe_window` suppression.
 */
export async function claimMatches(
  dedupe: DedupeClaims,
  items: readonly Routed[],
  settings: RoutingSettings,
): Promise<void> {
  const marked: { item: Routed; match: RuleMatch }[] = [];
  for (const item of items)
    for (const match of item.matches) if (match.dedupe) marked.push({ item, match });
  if (marked.length === 0) return;
  const granted = await dedupe.claim(
    marked.map(({ item, match }) => ({
      ...matchClaims(settings.topicPrefix, item.event, match)[0]!,
      windowMs: match.dedupe!.windowMs,
    })),
  );
  marked.forEach(({ item, match }, n) => {
    if (granted[n]) return;
    item.matches = item.matches.filter((m) => m !== match);
    item.dropped.push(
      ...suppressMatch(match, 'dedupe_window', `dedupe key set until ${match.dedupe!.expiresAt}`),
    );
  });
}

/** The marks an item holds: released when it was not routed after all. */
export function claimsOf(item: Routed, prefix: string): { key: string; owner: string }[] {
  return [
    eventClaim(prefix, item.event, item.record),
    ...item.matches.flatMap((m) => matchClaims(prefix, item.event, m)),
  ];
}
