import { deterministicId, type CloudEvent } from '@herald/core';
import { loadRules } from '../rules/load-rules.js';
import { planDeliveries } from './plan-deliveries.js';
import type { PlanContext } from './plan-deliveries.js';
import type { Recipient } from './recipient.js';

const now = new Date('2026-01-10T12:00:00Z');
const people: Record<string, Recipient> = {
  alice: { id: 'alice', addresses: { email: 'alice@example.com' } },
  bob: { id: 'bob', addresses: { email: 'bob@example.com' } },
};
const topics: Record<string, string[]> = { 'on-call': ['alice', 'bob', 'ghost'], empty: [] };
const event: CloudEvent = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/ops',
  type: 'incident.opened',
  time: '2026-01-10T11:59:00Z',
  tenantid: 'acme',
};

function plan(recipients: string, context: Partial<PlanContext> = {}) {
  const set = loadRules(
    `rules:\n  - id: page\n    recipients: ${recipients}\n    channels: [{ type: email, template: incident }]\n`,
    'rules.yaml',
  );
  return planDeliveries(event, set.match(event, now), {
    now,
    resolveRecipient: (ref) => people[ref],
    topicMembers: (topic, tenant) => (tenant === 'acme' ? topics[topic] : undefined),
    ...context,
  });
}

describe('recipients: topic:<key>', () => {
  it('plans one job per subscriber, with the ids a listing by id would give', () => {
    const byTopic = plan('["topic:on-call"]');
    const byId = plan('["alice", "bob"]');
    expect(byTopic.jobs.map((j) => j.notificationId)).toEqual(
      byId.jobs.map((j) => j.notificationId),
    );
    expect(byTopic.jobs.map((j) => j.recipient.address)).toEqual([
      'alice@example.com',
      'bob@example.com',
    ]);
    // A subscriber that is no recipient any more is suppressed by name, the others go.
    expect(byTopic.suppressed).toEqual([
      expect.objectContaining({ recipientRef: 'ghost', reason: 'unknown_recipient' }),
    ]);
  });

  it('a subscriber listed by id and through the topic gets one job', () => {
    const result = plan('["alice", "topic:on-call"]');
    expect(result.jobs.map((j) => j.notificationId)).toEqual([
      deterministicId('evt-1', 'page', 'alice', 'email'),
      deterministicId('evt-1', 'page', 'bob', 'email'),
    ]);
  });

  it('an unknown topic and an empty one are suppressed with the reason', () => {
    expect(plan('["topic:nope"]').suppressed).toEqual([
      expect.objectContaining({
        recipientRef: 'topic:nope',
        reason: 'unknown_recipient',
        detail: 'no topic "nope" in tenant acme',
      }),
    ]);
    expect(plan('["topic:empty"]').suppressed).toEqual([
      expect.objectContaining({ recipientRef: 'topic:empty', reason: 'no_recipients' }),
    ]);
    // Without topic data (a caller that holds none) the topic is unknown, not an error.
    expect(plan('["topic:on-call"]', { topicMembers: undefined }).suppressed[0]).toMatchObject({
      reason: 'unknown_recipient',
    });
  });
});
