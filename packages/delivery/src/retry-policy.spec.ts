import { defaultRetryPolicies, nextRetry, retryDelay, retryPoliciesWith } from './retry-policy.js';

const policy = {
  maxAttempts: 5,
  maxAgeMs: 3_600_000,
  baseDelayMs: 1_000,
  maxDelayMs: 10_000,
  minDelayMs: 100,
  retryAfterMaxMs: 60_000,
};
const t0 = Date.parse('2030-01-01T00:00:00Z');

describe('retryDelay (full jitter)', () => {
  it('stays within [min, min(max, base·2^(n-1))] and spans the range', () => {
    expect(retryDelay(policy, 1, undefined, () => 0.999999)).toBe(1_000);
    expect(retryDelay(policy, 3, undefined, () => 0.999999)).toBe(4_000);
    expect(retryDelay(policy, 3, undefined, () => 0.5)).toBe(2_000);
    expect(retryDelay(policy, 10, undefined, () => 0.999999)).toBe(10_000);
    expect(retryDelay(policy, 3, undefined, () => 0)).toBe(100);
  });

  it('does not overflow for huge attempt numbers', () => {
    expect(retryDelay(policy, 5_000, undefined, () => 0.5)).toBe(5_000);
  });

  it('honours Retry-After, clamped, plus up to 10 % jitter', () => {
    expect(retryDelay(policy, 1, 30_000, () => 0)).toBe(30_000);
    expect(retryDelay(policy, 1, 30_000, () => 0.999)).toBe(32_997);
    expect(retryDelay(policy, 1, 10 * 60_000, () => 0)).toBe(60_000);
    expect(retryDelay(policy, 1, 0, () => 0)).toBe(100);
  });
});

describe('nextRetry', () => {
  it('schedules the next attempt from the injected clock', () => {
    expect(nextRetry(policy, { attempt: 1, firstAttemptAt: t0 }, t0 + 50, () => 0.5)).toEqual({
      action: 'retry',
      nextAttempt: 2,
      delayMs: 500,
      at: t0 + 550,
    });
  });

  it('is exhausted after maxAttempts', () => {
    expect(nextRetry(policy, { attempt: 5, firstAttemptAt: t0 }, t0, () => 0.5)).toEqual({
      action: 'exhausted',
      reason: '5 of 5 attempts used',
    });
  });

  it('counts attempts after a replay only', () => {
    const d = nextRetry(policy, { attempt: 7, attemptBase: 5, firstAttemptAt: t0 }, t0, () => 0);
    expect(d).toMatchObject({ action: 'retry', nextAttempt: 8 });
  });

  it('is exhausted when the next attempt would pass the max age', () => {
    const d = nextRetry(policy, { attempt: 2, firstAttemptAt: t0 }, t0 + 3_599_950, () => 0.5);
    expect(d.action).toBe('exhausted');
    expect(d.action === 'exhausted' && d.reason).toMatch(/max age of 3600000 ms/);
  });

  it('a whole schedule stays inside the budget for every channel default', () => {
    for (const [channel, p] of Object.entries(defaultRetryPolicies)) {
      let now = t0;
      let attempt = 1;
      for (;;) {
        const d = nextRetry(p, { attempt, firstAttemptAt: t0 }, now, () => 0.999);
        if (d.action === 'exhausted') break;
        expect(d.at - t0).toBeLessThanOrEqual(p.maxAgeMs);
        now = d.at;
        attempt = d.nextAttempt;
      }
      expect({ channel, attempts: attempt <= p.maxAttempts }).toEqual({ channel, attempts: true });
    }
  });
});

it('retryPoliciesWith merges overrides per channel', () => {
  const merged = retryPoliciesWith({ webhook: { maxAttempts: 3 } });
  expect(merged.webhook).toEqual({ ...defaultRetryPolicies.webhook, maxAttempts: 3 });
  expect(merged.sms).toBe(defaultRetryPolicies.sms);
  expect(defaultRetryPolicies.webhook.maxAttempts).toBe(8);
  expect(defaultRetryPolicies.webhook.maxAgeMs).toBe(24 * 3_600_000);
  expect(defaultRetryPolicies.sms.maxAgeMs).toBeLessThan(defaultRetryPolicies.webhook.maxAgeMs);
});
