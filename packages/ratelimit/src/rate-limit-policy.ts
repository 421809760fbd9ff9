import type { ChannelName, DeliveryJob } from '@herald/core';

/** What a policy counts: one recipient, a whole channel, a provider account, a tenant. */
export const rateLimitScopes = ['recipient', 'channel', 'provider', 'tenant'] as const;
export type RateLimitScope = (typeof rateLimitScopes)[number];

/**
 * "`limit` per `periodMs`" for every subject of `scope`, e.g. 3 SMS per recipient per
 * hour, Slack 1/s per Slack channel (scope recipient: the address is the channel),
 * SES 14/s (scope provider). Filters (`tenant`, `channel`, `provider`) narrow which jobs
 * it applies to; absent = all.
 *
 * GCRA semantics: requests are spaced `periodMs / limit` apart, with `burst` of them
 * allowed back to back. With `burst` 1 (the default) no window of `periodMs` ever holds
 * more than `limit`; a larger burst trades that bound (at most burst + limit − 1 per
 * window) for less latency on short spikes.
 */
export interface RateLimitPolicy {
  readonly id: string;
  readonly scope: RateLimitScope;
  readonly limit: number;
  readonly periodMs: number;
  readonly burst: number;
  /** Over the limit: wait for the next allowed time (default), or drop with the reason. */
  readonly action: 'defer' | 'drop';
  /** `critical` jobs skip this policy. */
  readonly bypassCritical: boolean;
  readonly tenant?: string | undefined;
  readonly channel?: ChannelName | undefined;
  readonly provider?: string | undefined;
}

/** A policy applied to one job: the subject whose budget the job spends. */
export interface PolicyHit {
  readonly policy: RateLimitPolicy;
  readonly subject: string;
}

/** The policies a job falls under, with their subjects, in a stable order. */
export function policiesFor(
  policies: readonly RateLimitPolicy[],
  job: Pick<DeliveryJob, 'tenant' | 'channel' | 'priority' | 'recipient'>,
  providerName: string,
): PolicyHit[] {
  const hits: PolicyHit[] = [];
  for (const policy of policies) {
    if (policy.tenant !== undefined && policy.tenant !== job.tenant) continue;
    if (policy.channel !== undefined && policy.channel !== job.channel) continue;
    if (policy.provider !== undefined && policy.provider !== providerName) continue;
    if (policy.bypassCritical && job.priority === 'critical') continue;
    const subject =
      policy.scope === 'recipient'
        ? `${job.channel}:${job.recipient.address}`
        : policy.scope === 'channel'
          ? job.channel
          : policy.scope === 'provider'
            ? providerName
            : job.tenant;
    hits.push({ policy, subject });
  }
  return hits;
}

/** GCRA parameters of a policy (ms). */
export function gcraParams(policy: Pick<RateLimitPolicy, 'limit' | 'periodMs' | 'burst'>): {
  readonly intervalMs: number;
  readonly toleranceMs: number;
} {
  const intervalMs = policy.periodMs / policy.limit;
  return { intervalMs, toleranceMs: (Math.max(1, policy.burst) - 1) * intervalMs };
}

/**
 * One GCRA step, the same maths as lua/gcra-N.lua for one key. Pure: the state (TAT)
 * and the time are passed in. Returns the new TAT when admitted, else the wait.
 */
export function gcraStep(
  tat: number | undefined,
  now: number,
  params: { readonly intervalMs: number; readonly toleranceMs: number },
):
  | { readonly allowed: true; readonly tat: number }
  | { readonly allowed: false; readonly waitMs: number } {
  const current = Math.max(tat ?? 0, now);
  const allowAt = current - params.toleranceMs;
  if (allowAt > now) return { allowed: false, waitMs: allowAt - now };
  return { allowed: true, tat: current + params.intervalMs };
}
