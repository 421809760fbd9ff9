import type { CloudEvent } from '@herald/core';
import { unflatStrings } from '@herald/testkit';
import { loadRules, planDeliveries } from '@herald/rules';

// The router encodes every planned job with JSON.stringify, whose V8 fast path takes
// only flat strings: one rope (a string built by `+` or a template literal) or slice
// (a yaml scalar is a slice of the whole rules file) re-encodes the whole job on the
// slow path, 2 to 3 times the CPU (docs/benchmarks.md, round 5). Every string a job
// gets from the rules file, from ids, refs and ordering keys built per job, and from
// normalised addresses must come out flat.

const now = new Date('2026-01-10T12:00:00Z');

const RULES = `rules:
  - id: webhook-rule-with-a-long-id
    when: event.type == "order.created"
    continue: true
    channels:
      - type: webhook
        url: https://hooks.example.com/hooks/orders-created
        secretRef: shop-webhook-signing-secret
        headers: { x-shop-header-name: a-header-value-from-the-file }
        ordering: subject
  - id: inline-recipients-rule
    when: event.type == "order.created"
    recipients: event.data.people
    channels:
      - { type: email, template: order-created-template, locale: de-DE-x-long-locale }
      - { type: sms, template: order-created-template, ordering: none }
`;

function event(): CloudEvent {
  // Parsed from bytes as the router gets it: JSON.parse makes flat strings.
  return JSON.parse(
    JSON.stringify({
      specversion: '1.0',
      id: 'evt-0123456789-abcdef',
      source: '/shop/orders/eu-west',
      type: 'order.created',
      subject: 'customer/c-0123456789',
      time: '2026-01-10T11:59:00Z',
      data: {
        people: [
          { email: 'Buyer.Name@Example.COM' },
          { id: 'customer-0123456789', email: 'other.buyer@example.com', sms: '+49 151 1234 5678' },
        ],
      },
    }),
  ) as CloudEvent;
}

describe('planned jobs and V8 string representation', () => {
  it('holds every string of every job flat', () => {
    const rules = loadRules(RULES, 'rules.yaml');
    const e = event();
    const { jobs } = planDeliveries(e, rules.match(e, now), {
      now,
      producedAt: '2026-01-10T11:59:59.000Z',
      resolveRecipient: () => undefined,
    });
    expect(jobs.map((j) => j.channel).sort()).toEqual(['email', 'email', 'sms', 'webhook']);
    // Each kind of string is there: ids, refs (hash and id), keys, addresses, rule values.
    const webhook = jobs.find((j) => j.channel === 'webhook')!;
    expect(webhook.recipient.address).toBe('https://hooks.example.com/hooks/orders-created');
    expect(webhook.orderingKey).toContain('\u0000customer/c-0123456789');
    expect(jobs.find((j) => j.channel === 'sms')!.recipient.address).toBe('+4915112345678');
    expect(jobs.map((j) => j.recipient.address)).toContain('Buyer.Name@example.com');
    expect(jobs.flatMap((j, n) => unflatStrings(j, `jobs[${n}]`))).toEqual([]);
  });
});
