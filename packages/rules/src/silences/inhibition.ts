import { createHash } from 'node:crypto';
import type { CloudEvent } from '@herald/core';
import type { InhibitRule } from './inhibit-schema.js';
import { matchesAll } from './matchers.js';

/**
 * Inhibition (docs/rules.md): an event matching a rule's `source` is active for the
 * rule's window, recorded as a mark under a key made of the tenant, the rule and the
 * values of its `equal` labels; an event matching `target` looks up the same key and
 * is inhibited while the mark is active. Tenants never inhibit one another: the tenant
 * is always part of the key. The mark holds its own end (`until`), so windows follow
 * the injected clock; the store's expiry only cleans up.
 */
export interface InhibitionMark {
  readonly key: string;
  readonly eventId: string;
  /** ms since epoch. */
  readonly until: number;
  /** How long the store should keep it. */
  readonly ttlMs: number;
}

export interface InhibitionLookup {
  readonly rule: InhibitRule;
  readonly key: string;
}

function markKey(rule: InhibitRule, tenant: string, labels: Readonly<Record<string, string>>) {
  const values = JSON.stringify(rule.equal.map((name) => labels[name] ?? ''));
  const hash = createHash('sha256').update(values).digest('base64url').slice(0, 22);
  return `herald:inhibit:${tenant}:${rule.id}:${hash}`;
}

/** The marks an event sets: one per rule whose `source` it matches. */
export function inhibitionMarks(
  rules: readonly InhibitRule[],
  event: CloudEvent,
  tenant: string,
  labels: Readonly<Record<string, string>>,
  now: Date,
): InhibitionMark[] {
  return rules
    .filter((rule) => matchesAll(rule.source, labels))
    .map((rule) => ({
      key: markKey(rule, tenant, labels),
      eventId: event.id,
      until: now.getTime() + rule.windowMs,
      ttlMs: rule.windowMs,
    }));
}

/** The keys an event must look up: one per rule whose `target` it matches. */
export function inhibitionLookups(
  rules: readonly InhibitRule[],
  tenant: string,
  labels: Readonly<Record<string, string>>,
): InhibitionLookup[] {
  return rules
    .filter((rule) => matchesAll(rule.target, labels))
    .map((rule) => ({ rule, key: markKey(rule, tenant, labels) }));
}

/** A stored mark's value: the source event and the end of its window. */
export function encodeMark(mark: InhibitionMark): string {
  return JSON.stringify({ id: mark.eventId, until: mark.until });
}

/**
 * The id of the event inhibiting `eventId`, from the stored values of its lookups, or
 * undefined. An event never inhibits itself (Alertmanager's rule), and a mark past its
 * `until` is over whatever the store still holds.
 */
export function inhibitingEvent(
  values: readonly (string | null | undefined)[],
  eventId: string,
  now: Date,
): string | undefined {
  for (const value of values) {
    if (value === null || value === undefined) continue;
    try {
      const mark = JSON.parse(value) as { id?: unknown; until?: unknown };
      if (typeof mark.id !== 'string' || typeof mark.until !== 'number') continue;
      if (mark.id !== eventId && mark.until > now.getTime()) return mark.id;
    } catch {
      // A value Herald did not write: not a mark.
    }
  }
  return undefined;
}
