import { gcraParams, gcraStep, policiesFor, type RateLimitPolicy } from './rate-limit-policy.js';

const policy = (p: Partial<RateLimitPolicy>): RateLimitPolicy => ({
  id: 'p',
  scope: 'recipient',
  limit: 3,
  periodMs: 3_000,
  burst: 1,
  action: 'defer',
  bypassCritical: true,
  ...p,
});
const job = {
  tenant: 'acme',
  channel: 'sms' as const,
  priority: 'normal' as const,
  recipient: { ref: 'r1', address: '+15550001' },
};

it('burst 1 spaces requests by period / limit: never more than limit per window', () => {
  const params = gcraParams(policy({}));
  let tat: number | undefined;
  const admitted: number[] = [];
  for (let t = 0; t < 10_000; t += 100) {
    const step = gcraStep(tat, t, params);
    if (step.allowed) {
      tat = step.tat;
      admitted.push(t);
    }
  }
  expect(admitted.slice(0, 4)).toEqual([0, 1_000, 2_000, 3_000]);
  for (const start of admitted) {
    expect(admitted.filter((t) => t >= start && t < start + 3_000).length).toBeLessThanOrEqual(3);
  }
});

it('burst n admits n back to back, then one per interval, and says how long to wait', () => {
  const params = gcraParams(policy({ burst: 3 }));
  let tat: number | undefined;
  for (let i = 0; i < 3; i++) {
    const s = gcraStep(tat, 0, params);
    expect(s.allowed).toBe(true);
    if (s.allowed) tat = s.tat;
  }
  expect(gcraStep(tat, 0, params)).toEqual({ allowed: false, waitMs: 1_000 });
  expect(gcraStep(tat, 1_000, params).allowed).toBe(true);
});

it('policiesFor filters by tenant, channel, provider and critical bypass, with subjects', () => {
  const policies = [
    policy({ id: 'per-recipient', channel: 'sms' }),
    policy({ id: 'email-only', channel: 'email' }),
    policy({ id: 'twilio', scope: 'provider', provider: 'twilio', bypassCritical: false }),
    policy({ id: 'tenant', scope: 'tenant', tenant: 'acme' }),
    policy({ id: 'other-tenant', scope: 'tenant', tenant: 'globex' }),
    policy({ id: 'channel', scope: 'channel' }),
  ];
  expect(policiesFor(policies, job, 'twilio').map((h) => [h.policy.id, h.subject])).toEqual([
    ['per-recipient', 'sms:+15550001'],
    ['twilio', 'twilio'],
    ['tenant', 'acme'],
    ['channel', 'sms'],
  ]);
  expect(
    policiesFor(policies, { ...job, priority: 'critical' }, 'twilio').map((h) => h.policy.id),
  ).toEqual(['twilio']);
});
