import type { CloudEvent } from '@herald/core';
import { deterministicId } from '@herald/core';
import { loadRules } from '../rules/load-rules.js';
import { planDeliveries } from './plan-deliveries.js';
import type { Recipient } from './recipient.js';

const now = new Date('2026-01-10T12:00:00Z');
const markedAt = new Date('2026-01-09T08:00:00Z');
const event: CloudEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/shop',
  type: 'order.shipped',
  data: {},
};
const rules = loadRules(
  [
    'rules:',
    '  - id: shipped',
    '    when: event.type == "order.shipped"',
    '    recipients: \'["alice", "bob"]\'',
    '    channels:',
    '      - { type: push, template: t }',
    '      - { type: email, template: t }',
    '',
  ].join('\n'),
  'rules.yaml',
);
const people: Record<string, Recipient> = {
  alice: {
    id: 'alice',
    addresses: { push: 'a'.repeat(64), email: 'alice@example.com' },
    invalidAddresses: {
      push: { reason: 'invalid-token (Unregistered)', provider: 'apns', markedAt },
    },
  },
  bob: { id: 'bob', addresses: { push: 'b'.repeat(64) } },
};

describe('planning with addresses a provider marked invalid', () => {
  it('suppresses the marked channel with address_invalid and who said it; plans the rest', () => {
    const result = planDeliveries(event, rules.match(event, now), {
      now,
      resolveRecipient: (ref) => people[ref],
    });
    expect(result.jobs.map((j) => `${j.recipient.ref}/${j.channel}`).sort()).toEqual([
      'alice/email',
      'bob/push',
    ]);
    const marked = result.suppressed.filter((s) => s.reason === 'address_invalid');
    expect(marked).toEqual([
      {
        rule: { id: 'shipped', version: 1 },
        channel: 'push',
        recipientRef: 'alice',
        reason: 'address_invalid',
        detail: 'apns: invalid-token (Unregistered) (marked 2026-01-09T08:00:00.000Z)',
        notificationId: deterministicId('evt-1', 'shipped', 'alice', 'push'),
      },
    ]);
  });
});
