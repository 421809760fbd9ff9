import type { ConsumedRecord, DecodeResult, Logger } from '@herald/core';
import type { DedupeClaim } from '@herald/delivery';
import type { Preferences, Recipient, RecipientRef, RuleSet, Silence } from '@herald/rules';

/**
 * The IO the routing algorithm needs, as ports: the router app plugs in Redis, Postgres,
 * the schema registry, Prometheus and OpenTelemetry; unit tests plug in fakes.
 */

/** Turns records into CloudEvents; rejects only when the registry could not be asked. */
export interface EventDecoder {
  decode(records: readonly ConsumedRecord[]): Promise<DecodeResult[]>;
}

/** The rule set in use (swapped in place when a newer one is applied). */
export interface RuleSource {
  readonly current: RuleSet;
}

/**
 * Dedupe marks (`RedisDedupe` in @herald/delivery): `claim` grants each claim that is
 * first or by the same owner again, and fails open; `release` drops marks by owner.
 */
export interface DedupeClaims {
  claim(claims: readonly DedupeClaim[]): Promise<boolean[]>;
  release(claims: readonly Pick<DedupeClaim, 'key' | 'owner'>[]): Promise<void>;
}

/**
 * Recipients and tenant defaults: `load` fetches what the refs need (throws when the
 * store is down, so the chunk is retried), then planning reads them synchronously.
 */
export interface RecipientDirectory {
  load(refs: readonly RecipientRef[]): Promise<void>;
  /** A loaded recipient; undefined when unknown or not loaded. */
  resolve(ref: string, tenant: string): Recipient | undefined;
  tenantPreferences(tenant: string): Preferences | undefined;
  /** A loaded topic's subscribers (`recipients: ["topic:<key>"]`); undefined when unknown. */
  topicMembers?(topic: string, tenant: string): readonly string[] | undefined;
}

/** The silences in force or to come (polled from Postgres); swapped in place on each poll. */
export interface SilenceSource {
  readonly current: readonly Silence[];
}

/** Inhibition marks (`RedisInhibition` in @herald/delivery); both fail open, never throw. */
export interface InhibitionPort {
  mark(
    marks: readonly { readonly key: string; readonly value: string; readonly ttlMs: number }[],
  ): Promise<void>;
  read(keys: readonly string[]): Promise<(string | null)[]>;
}

/** Cancel marks (`CancelStore` of @herald/store, issue 16); throws when the store is down. */
export interface CancelMarks {
  markMany(
    marks: readonly {
      readonly tenant: string;
      readonly key: string;
      readonly eventId: string;
      readonly at: Date;
    }[],
  ): Promise<void>;
}

/** The router's counters; each call adds one. */
export interface RoutingMetrics {
  consumed(mode: 'structured' | 'binary'): void;
  rejected(code: string): void;
  matched(ruleId: string): void;
  planned(channel: string): void;
  deferred(channel: string, reason: string): void;
  suppressed(channel: string, reason: string): void;
}

/** One record's open `process` span and the trace headers of its outputs. */
export interface RecordSpan {
  readonly headers: Record<string, string> | undefined;
  setEventId(id: string): void;
  end(err?: unknown): void;
}

export interface RoutingTracing {
  open(record: ConsumedRecord): RecordSpan;
}

export interface RoutingPorts {
  readonly decoder: EventDecoder;
  readonly rules: RuleSource;
  /** Absent: nothing is deduplicated (no Redis configured). */
  readonly dedupe?: DedupeClaims | undefined;
  /** Absent: nothing is silenced (no database configured). */
  readonly silences?: SilenceSource | undefined;
  /** Absent: inhibition rules are not applied (no Redis configured). */
  readonly inhibition?: InhibitionPort | undefined;
  /** Absent: recipient ids resolve to nobody (no database configured). */
  readonly recipients?: RecipientDirectory | undefined;
  /** Absent: cancellations are logged, not recorded (no database configured). */
  readonly cancels?: CancelMarks | undefined;
  readonly metrics: RoutingMetrics;
  readonly tracing: RoutingTracing;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Settings the algorithm reads (from the router's env). */
export interface RoutingSettings {
  readonly topicPrefix: string;
  /** Tenant for events without `tenantid` whose rule has no `tenant`. */
  readonly defaultTenant: string;
  readonly eventDedupeWindowMs: number;
  readonly maxRecordBytes: number;
}
