import type { Priority } from '@herald/core';

/** Rule severities, highest first; each maps to the delivery priority of the same rank. */
export const severities = ['critical', 'high', 'normal', 'low'] as const;
export type Severity = (typeof severities)[number];

const PRIORITY_OF: Record<Severity, Priority> = {
  critical: 'critical',
  high: 'high',
  normal: 'normal',
  low: 'bulk',
};

// Producers use many vocabularies for the `severity` extension; these are the common ones.
const ALIASES: Record<string, Severity> = {
  critical: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  alert: 'critical',
  p1: 'critical',
  high: 'high',
  error: 'high',
  major: 'high',
  p2: 'high',
  normal: 'normal',
  medium: 'normal',
  warning: 'normal',
  warn: 'normal',
  info: 'normal',
  p3: 'normal',
  low: 'low',
  minor: 'low',
  debug: 'low',
  bulk: 'low',
  p4: 'low',
};

/** The severity named by an event's `severity` extension, if it names one (case-insensitive). */
export function severityOf(value: unknown): Severity | undefined {
  return typeof value === 'string' ? ALIASES[value.toLowerCase()] : undefined;
}

/**
 * A job's priority: the higher of the event's severity and the rule's, `normal`
 * when neither says. Either side can raise it: a `critical` event is critical under
 * any rule, and a rule marked `critical` pages even for an event that says nothing.
 */
export function priorityFor(eventSeverity: unknown, ruleSeverity: Severity | undefined): Priority {
  const fromEvent = severityOf(eventSeverity);
  // Planning calls this per matched rule: compare ranks without building arrays.
  const eventRank = fromEvent === undefined ? severities.length : RANK[fromEvent];
  const ruleRank = ruleSeverity === undefined ? severities.length : RANK[ruleSeverity];
  const best = Math.min(eventRank, ruleRank);
  return best === severities.length ? 'normal' : PRIORITY_OF[severities[best]!];
}

const RANK: Record<Severity, number> = { critical: 0, high: 1, normal: 2, low: 3 };
