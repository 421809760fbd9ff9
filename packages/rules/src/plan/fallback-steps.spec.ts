import { deterministicId } from '@herald/core';
import { loadRules } from '../rules/load-rules.js';
import { planDeliveries } from './plan-deliveries.js';

const rules = loadRules(
  `rules:
  - id: paged
    when: event.type == "order.failed"
    recipients: '["ada", "bob", "cy"]'
    channels:
      - type: email
        template: failed-email
        fallback: { channels: [sms, webhook], after: 10m }
      - type: sms
        template: failed-sms
      - type: webhook
        url: https://hooks.example.com/failed
`,
  'rules.yaml',
);
const event = {
  specversion: '1.0' as const,
  id: 'e-1',
  source: '/shop',
  type: 'order.failed',
  tenantid: 'acme',
  data: {},
};
const now = new Date('2026-01-10T12:00:00Z');
const people = {
  ada: { id: 'ada', addresses: { email: 'ada@example.com', sms: '+4915112345678' }, locale: 'de' },
  bob: {
    id: 'bob',
    addresses: { email: 'bob@example.com', sms: '+14155550100' },
    preferences: { channels: { sms: false } },
  },
  cy: { id: 'cy', addresses: { email: 'cy@example.com' } },
};

describe('fallback planning', () => {
  const plan = planDeliveries(event, rules.match(event, now), {
    now,
    resolveRecipient: (ref) => people[ref as keyof typeof people],
  });

  it('plans only the first channel; the fallback channels travel in its jobs, addresses included', () => {
    expect(plan.jobs.map((j) => `${j.channel}:${j.recipient.ref}`)).toEqual([
      'email:ada',
      'email:bob',
      'email:cy',
    ]);
    const ada = plan.jobs[0]!;
    expect(ada.fallback).toEqual({
      afterMs: 600_000,
      next: [
        {
          channel: 'sms',
          notificationId: deterministicId('e-1', 'paged', 'ada', 'sms'),
          recipient: { ref: 'ada', address: '+4915112345678' },
          template: { ref: 'failed-sms' },
          locale: 'de',
        },
        {
          channel: 'webhook',
          notificationId: deterministicId(
            'e-1',
            'paged',
            plan.jobs[0]!.fallback!.next[1]!.recipient.ref,
            'webhook',
          ),
          recipient: {
            ref: plan.jobs[0]!.fallback!.next[1]!.recipient.ref,
            address: 'https://hooks.example.com/failed',
          },
        },
      ],
    });
  });

  it('leaves out a fallback the recipient opted out of or has no address for', () => {
    expect(plan.jobs[1]!.fallback!.next.map((s) => s.channel)).toEqual(['webhook']);
    expect(plan.jobs[2]!.fallback!.next.map((s) => s.channel)).toEqual(['webhook']);
  });
});
