import type { CloudEvent } from '@herald/core';
import { compiledOf } from '../rules/compiled-rule.js';
import { loadRules } from '../rules/load-rules.js';
import { planDeliveries, prepareDeliveries } from './plan-deliveries.js';

const now = new Date('2026-03-01T12:00:00Z');
const event: CloudEvent = {
  specversion: '1.0',
  id: 'e1',
  source: '/t',
  type: 'order.created',
  tenantid: 'acme',
  data: { watchers: ['alice', 'bob'] },
};
const set = loadRules(
  `rules:
  - id: a
    when: event.type == "order.created"
    recipients: event.data.watchers
    channels: [{ type: email, template: t }]
`,
  'r.yaml',
);
const alice = { id: 'alice', tenant: 'acme', addresses: { email: 'alice@example.com' } };

describe('prepareDeliveries', () => {
  it('evaluates a rule’s recipients once for both the refs and the plan', () => {
    const matches = set.match(event, now);
    const program = compiledOf(matches[0]!.rule)!.recipients!;
    const original = program.evaluate;
    let evaluations = 0;
    program.evaluate = (activation) => {
      evaluations++;
      return original.call(program, activation);
    };
    try {
      const prepared = prepareDeliveries(event, matches, { now });
      expect(prepared.refs).toEqual([
        { tenant: 'acme', ref: 'alice' },
        { tenant: 'acme', ref: 'bob' },
      ]);
      const plan = prepared.plan({
        resolveRecipient: (ref) => (ref === 'alice' ? alice : undefined),
      });
      expect(evaluations).toBe(1);
      expect(plan.jobs.map((j) => j.recipient)).toEqual([
        { ref: 'alice', address: 'alice@example.com' },
      ]);
      expect(plan.suppressed.map((s) => [s.recipientRef, s.reason])).toEqual([
        ['bob', 'unknown_recipient'],
      ]);
    } finally {
      program.evaluate = original;
    }
  });

  it('plans exactly what planDeliveries plans', () => {
    const matches = set.match(event, now);
    const lookup = { resolveRecipient: (ref: string) => (ref === 'alice' ? alice : undefined) };
    expect(prepareDeliveries(event, matches, { now }).plan(lookup)).toEqual(
      planDeliveries(event, matches, { now, ...lookup }),
    );
  });
});
