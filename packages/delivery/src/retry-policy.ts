import type { ChannelName } from '@herald/core';

/**
 * How a channel retries transient failures. Delays follow exponential backoff with
 * full jitter: attempt n waits a uniform random time in [0, min(maxDelayMs,
 * baseDelayMs · 2^(n-1))]. A provider's `Retry-After` replaces the computed delay,
 * clamped to [minDelayMs, retryAfterMaxMs], plus up to 10 % jitter so a fleet that was
 * told the same instant does not return at once.
 */
export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  /** No attempt starts later than this after the first attempt. */
  readonly maxAgeMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Floor of every delay (and of a provider's Retry-After). */
  readonly minDelayMs: number;
  /** Ceiling of a provider's Retry-After. */
  readonly retryAfterMaxMs: number;
}

const minute = 60_000;
const hour = 60 * minute;

const webhook: RetryPolicy = {
  maxAttempts: 8,
  maxAgeMs: 24 * hour,
  baseDelayMs: 2 * minute,
  maxDelayMs: 6 * hour,
  minDelayMs: 1_000,
  retryAfterMaxMs: 6 * hour,
};
const chat: RetryPolicy = {
  maxAttempts: 6,
  maxAgeMs: 6 * hour,
  baseDelayMs: 30_000,
  maxDelayMs: hour,
  minDelayMs: 1_000,
  retryAfterMaxMs: hour,
};

/**
 * Defaults per channel: webhooks keep trying for a day (receivers go down for
 * maintenance), email half a day, chat a few hours, SMS and push an hour or two (a
 * late one-time code or push is worse than none), PagerDuty fast and short.
 */
export const defaultRetryPolicies: Readonly<Record<ChannelName, RetryPolicy>> = Object.freeze({
  webhook,
  email: {
    ...webhook,
    maxAttempts: 6,
    maxAgeMs: 12 * hour,
    baseDelayMs: minute,
    maxDelayMs: 2 * hour,
  },
  sms: {
    ...chat,
    maxAttempts: 4,
    maxAgeMs: hour,
    maxDelayMs: 10 * minute,
    retryAfterMaxMs: 10 * minute,
  },
  push: {
    ...chat,
    maxAttempts: 5,
    maxAgeMs: 2 * hour,
    maxDelayMs: 15 * minute,
    retryAfterMaxMs: 15 * minute,
  },
  slack: chat,
  discord: chat,
  teams: chat,
  telegram: chat,
  mattermost: chat,
  googlechat: chat,
  pagerduty: {
    maxAttempts: 8,
    maxAgeMs: hour,
    baseDelayMs: 5_000,
    maxDelayMs: 5 * minute,
    minDelayMs: 1_000,
    retryAfterMaxMs: 5 * minute,
  },
  inapp: { ...chat, maxAttempts: 5, maxAgeMs: hour, baseDelayMs: 5_000, maxDelayMs: 5 * minute },
});

export interface AttemptFacts {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** Attempts before this budget started (a DLQ replay restarts the budget). */
  readonly attemptBase?: number;
  /** When the first attempt of this budget ran (ms since epoch). */
  readonly firstAttemptAt: number;
  /** The provider's Retry-After, if it sent one. */
  readonly retryAfterMs?: number;
}

export type RetryDecision =
  | {
      readonly action: 'retry';
      readonly nextAttempt: number;
      readonly delayMs: number;
      readonly at: number;
    }
  | { readonly action: 'exhausted'; readonly reason: string };

/**
 * Decides what follows a transient failure. Pure: the clock and the random source
 * (uniform in [0, 1)) are passed in.
 *
 * @example
 * const d = nextRetry(defaultRetryPolicies.webhook, { attempt: 1, firstAttemptAt: t0 }, Date.now(), Math.random);
 * if (d.action === 'retry') schedule(job, d.at);
 */
export function nextRetry(
  policy: RetryPolicy,
  facts: AttemptFacts,
  now: number,
  random: () => number,
): RetryDecision {
  const used = facts.attempt - (facts.attemptBase ?? 0);
  if (used >= policy.maxAttempts) {
    return { action: 'exhausted', reason: `${used} of ${policy.maxAttempts} attempts used` };
  }
  const delayMs = retryDelay(policy, used, facts.retryAfterMs, random);
  const at = now + delayMs;
  const deadline = facts.firstAttemptAt + policy.maxAgeMs;
  if (at > deadline) {
    return {
      action: 'exhausted',
      reason: `next attempt at ${new Date(at).toISOString()} would be past the max age of ${policy.maxAgeMs} ms (deadline ${new Date(deadline).toISOString()})`,
    };
  }
  return { action: 'retry', nextAttempt: facts.attempt + 1, delayMs, at };
}

/** The delay before retry number `failures` (1 after the first failure). */
export function retryDelay(
  policy: RetryPolicy,
  failures: number,
  retryAfterMs: number | undefined,
  random: () => number,
): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    const clamped = Math.min(policy.retryAfterMaxMs, Math.max(policy.minDelayMs, retryAfterMs));
    return Math.round(clamped + clamped * 0.1 * random());
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(failures - 1, 52));
  return Math.round(Math.max(policy.minDelayMs, ceiling * random()));
}

/** Merges per-channel overrides (from settings) over the defaults. */
export function retryPoliciesWith(
  overrides: Partial<Record<ChannelName, Partial<RetryPolicy>>> = {},
): Readonly<Record<ChannelName, RetryPolicy>> {
  const merged = { ...defaultRetryPolicies } as Record<ChannelName, RetryPolicy>;
  for (const [channel, override] of Object.entries(overrides) as [
    ChannelName,
    Partial<RetryPolicy>,
  ][]) {
    merged[channel] = { ...defaultRetryPolicies[channel], ...override };
  }
  return Object.freeze(merged);
}
