import type { CloudEvent, ConsumedRecord } from '@herald/core';
import type { RuleMatch, Suppression } from '@herald/rules';

/** A decoded event of the chunk and what is known about it so far. */
export interface Routed {
  readonly record: ConsumedRecord;
  readonly event: CloudEvent;
  readonly producedAt: string;
  /** The router span's trace context, for every output of the event. */
  readonly headers: Record<string, string> | undefined;
  duplicate: boolean;
  matches: RuleMatch[];
  /** Tenant of each matched rule's jobs, by rule id (also for matches dropped later). */
  tenants: Map<string, string>;
  dropped: Suppression[];
}
