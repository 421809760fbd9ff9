import type { ChannelName } from '@herald/core';
import type { Severity } from '../severity.js';
import type { RuleFallback } from './fallback-schema.js';

/** Where something sits in a rules file; line and column count from 1. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One delivery channel of a rule. */
export interface RuleChannel {
  readonly type: ChannelName;
  /** Template reference, rendered by the channel worker; optional only for webhooks. */
  readonly template?: string;
  /** CEL condition per recipient (sees `recipient`); absent means always. */
  readonly when?: string;
  /** Fixed address for every recipient on this channel (e.g. a Slack channel id). */
  readonly address?: string;
  /** Webhook: the endpoint. With it, the channel sends one job per event, not one per recipient. */
  readonly url?: string;
  /** Webhook: name of the signing secret the worker holds; the secret never travels in a job. */
  readonly secretRef?: string;
  /** Webhook: extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Locale used when the recipient has none. */
  readonly locale?: string;
  /**
   * Which jobs of this channel keep their order: `recipient` (default) all of one
   * recipient's; `subject` those about the same CloudEvents `subject` (events without one
   * are each on their own); `none`, no order, every job independent. The narrower the
   * scope, the more of one recipient's jobs are sent at once: a single webhook endpoint
   * in `recipient` order gets one request at a time.
   */
  readonly ordering?: 'recipient' | 'subject' | 'none';
  /**
   * Channels to try, in order, when this one dead-letters (or, with `after`, is not
   * `delivered` in time); each is another channel of the rule, sent only as a fallback.
   */
  readonly fallback?: RuleFallback;
  /** Collect jobs into one message per key (docs/rules.md, "Digest"). */
  readonly digest?: RuleDigest;
  /** Wait this long before sending, e.g. `24h` (docs/rules.md, "Delay and cancel"). */
  readonly delay?: string;
}

/** A channel's digest, as written. */
export interface RuleDigest {
  /** CEL over `event` and `recipient`: jobs with equal keys share a digest. */
  readonly key: string;
  readonly template: string;
  readonly window?: string;
  readonly schedule?: { readonly daily: string };
  readonly max?: number;
}

/** A rule's cancellation: an event matching `on` cancels pending jobs with its `key`. */
export interface RuleCancel {
  readonly on: string;
  readonly key: string;
}

/** Deduplication of matches: same key within the window → planned once. */
export interface RuleDedupe {
  /** CEL expression whose value is the key, e.g. `event.data.orderId`. */
  readonly key: string;
  /** The window as written, e.g. `10m`. */
  readonly window: string;
  readonly windowMs: number;
}

/**
 * A validated, compiled rule. Rules are immutable; a change is a new rule set.
 *
 * Type patterns in {@link Rule.types}: an exact CloudEvents type (`order.shipped`),
 * a prefix (`order.*`, any type starting with `order.`), or `*` for every type.
 */
export interface Rule {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  /** When set, the rule only sees events whose `tenantid` equals it. */
  readonly tenant?: string;
  /** Event types the rule can match, as written or derived from `when`; `['*']` when unknown. */
  readonly types: readonly string[];
  /** CEL condition over `event` and `now`. */
  readonly when: string;
  /** CEL expression yielding recipient ids and/or inline address maps. */
  readonly recipients?: string;
  readonly channels: readonly RuleChannel[];
  /** Higher runs first; ties keep file order. */
  readonly priority: number;
  /** false (default): stop at this rule when it matches, like Alertmanager's routing tree. */
  readonly continue: boolean;
  readonly severity?: Severity;
  /** Preference category recipients can opt out of, e.g. `marketing`. */
  readonly category?: string;
  readonly dedupe?: RuleDedupe;
  readonly cancel?: RuleCancel;
  readonly enabled: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly version: number;
  /** Where the rule starts in its file. */
  readonly source: SourcePosition;
}

/** A rule that matched an event. */
export interface RuleMatch {
  readonly rule: Rule;
  /**
   * Present when the rule has `dedupe` and its key evaluated: the caller records
   * `key` for `windowMs` (e.g. Redis `SET NX PX`) and drops the match if it was
   * already there.
   */
  readonly dedupe?: DedupeMark;
}

/** A computed dedupe mark; see `dedupeMark`. */
export interface DedupeMark {
  /** Namespaced by tenant and rule, safe to use as a store key. */
  readonly key: string;
  readonly windowMs: number;
  /** `now + window`, ISO 8601. */
  readonly expiresAt: string;
}

/** An expression that failed while evaluating: the rule counts as not matching. */
export interface EvalErrorReport {
  readonly ruleId: string;
  /** Which expression: `when`, `recipients`, `dedupe.key` or `channels[i].when`. */
  readonly field: string;
  readonly code: string;
  readonly reason: string;
  readonly eventId: string;
  readonly eventType: string;
}
