import type { DeliveryJob } from '@herald/core';
import type { EvalErrorReport } from '../rules/rule.js';
import type { Preferences } from '../preferences/preferences.js';
import type { Recipient } from './recipient.js';
import type { Suppression } from './suppression.js';

// The shapes planning takes and gives, apart from the planning itself (plan-deliveries.ts).

/** Everything planning needs from outside; all of it data, so planning stays pure. */
export interface PlanContext {
  /** Becomes `plannedAt`, and the clock for quiet hours and CEL's `now`. */
  readonly now: Date;
  /** Kafka timestamp of the event, copied to each job. */
  readonly producedAt?: string;
  /** Tenant for events without `tenantid` and rules without `tenant`; default `default`. */
  readonly defaultTenant?: string;
  /** Looks a recipient id up in data the caller already holds (cache); synchronous by design. */
  resolveRecipient?(ref: string, tenant: string): Recipient | undefined;
  /** Tenant-wide default preferences, overlaid by each recipient's own. */
  tenantPreferences?(tenant: string): Preferences | undefined;
  /**
   * The recipient ids subscribed to a topic (a `recipients` entry `topic:<key>`),
   * undefined when the caller holds no topics. Each member is then resolved with
   * `resolveRecipient`, so the caller loads members with the other refs.
   */
  topicMembers?(topic: string, tenant: string): readonly string[] | undefined;
}

/** A planned job held back by quiet hours or a channel's `delay`; the job itself is in `jobs` with `notBefore`. */
export interface Deferral {
  readonly notificationId: string;
  readonly reason: 'quiet_hours' | 'delay';
  readonly notBefore: string;
}

export interface PlanResult {
  readonly jobs: DeliveryJob[];
  readonly suppressed: Suppression[];
  readonly deferred: Deferral[];
  /** Expressions that failed while planning (also reflected in `suppressed`). */
  readonly errors: EvalErrorReport[];
}

export interface Target {
  readonly ref: string;
  readonly recipient: Recipient;
  /** Fixed destinations (webhook url, channel address) skip recipient preferences. */
  readonly fixed: boolean;
  /** `recipient` as a CEL value, built on first use and shared by the rule's channels. */
  view?: unknown;
}

/** A recipient id that planning will look up with `resolveRecipient(ref, tenant)`. */
export interface RecipientRef {
  readonly tenant: string;
  readonly ref: string;
}

/** The recipient lookups planning makes; synchronous, over data the caller already holds. */
export type RecipientLookup = Pick<
  PlanContext,
  'resolveRecipient' | 'tenantPreferences' | 'topicMembers'
>;

/**
 * An event's matches with each fan-out rule's `recipients` evaluated (once): the ids
 * planning will look up, so a caller whose recipients live in a database loads the
 * missing ones in one batch, then plans with the loaded data.
 */
export interface PreparedDeliveries {
  /** Recipient ids `plan` will ask `resolveRecipient` for, each (tenant, id) once. */
  readonly refs: readonly RecipientRef[];
  /** Plans the jobs, reusing the evaluated recipients; pure, may be called again. */
  plan(lookup?: RecipientLookup): PlanResult;
}
