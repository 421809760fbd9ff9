/**
 * Issue 19, round 6: the router encodes every planned job and its status, and the worker
 * every status it publishes, with JSON.stringify, whose V8 fast path takes only flat
 * strings: one rope (what `+` and template literals make, 13 characters and up) or slice
 * anywhere in the object re-encodes it on the slow path, about twice the CPU
 * (docs/benchmarks.md, "Round 6 (issue 19): app CPU per delivery"). What Herald builds
 * itself must come out flat: ids, status types, a webhook's recipient ref, the subject
 * ordering key. (Inline e-mail and phone addresses are normalised by concatenation and
 * stay ropes; they are not part of this test.)
 */
import {
  deterministicId,
  notificationStates,
  statusEventFor,
  statusEventFromData,
  type CloudEvent,
  type DeliveryJob,
} from '@herald/core';
import { loadRules, planDeliveries } from '@herald/rules';
import { unflatStrings } from '@herald/testkit';

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
  - id: second-webhook-rule
    when: event.type == "order.created"
    channels:
      - { type: webhook, url: "https://hooks.example.com/other/endpoint?q=1", ordering: none }
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
      data: { orderId: 'order-0123456789', total: 42 },
    }),
  ) as CloudEvent;
}

function plannedJobs(): DeliveryJob[] {
  const rules = loadRules(RULES, 'rules.yaml');
  const e = event();
  return planDeliveries(e, rules.match(e, now), {
    now,
    producedAt: '2026-01-10T11:59:59.000Z',
    resolveRecipient: () => undefined,
  }).jobs;
}

describe('strings of jobs and statuses (V8 representation)', () => {
  it('plans jobs whose every string is flat (ids, webhook ref, subject ordering key)', () => {
    const jobs = plannedJobs();
    expect(jobs.map((j) => j.recipient.ref)).toEqual([
      'hooks.example.com/hooks/orders-created',
      'hooks.example.com/other/endpoint',
    ]);
    const webhook = jobs[0]!;
    expect(webhook.orderingKey).toBe(
      'hooks.example.com/hooks/orders-created\u0000customer/c-0123456789',
    );
    expect(jobs[1]!.orderingKey).toBe(jobs[1]!.notificationId);
    expect(jobs.flatMap((j, n) => unflatStrings(j, `jobs[${n}]`))).toEqual([]);
  });

  it('builds the router`s and the worker`s statuses flat, whatever the state', () => {
    const planned = plannedJobs();
    // The worker's jobs come from JSON.parse of their records.
    const decoded = planned.map((job) => JSON.parse(JSON.stringify(job)) as DeliveryJob);
    for (const state of notificationStates)
      for (const job of [...planned, ...decoded]) {
        const status = statusEventFor(job, state, 'herald/router', now, {
          attemptStartedAt: '2026-01-10T11:59:59.500Z',
          provider: { statusCode: 200 },
        });
        expect(status.type).toBe(`herald.notification.${state}`);
        expect(unflatStrings(status, `${state}`)).toEqual([]);
      }
  });

  it('builds a status from its data (suppressed, receipts) flat', () => {
    const job = plannedJobs()[0]!;
    const status = statusEventFromData(
      {
        notificationId: deterministicId(job.event.id, job.rule.id, job.recipient.ref, 'webhook'),
        state: 'suppressed',
        reason: 'preference',
        tenant: job.tenant,
        eventId: job.event.id,
        eventType: job.event.type,
        eventTime: job.event.time!,
        rule: job.rule,
        channel: job.channel,
        recipientRef: job.recipient.ref,
        attempt: 1,
        occurredAt: now.toISOString(),
      },
      'herald/router',
    );
    expect(status.type).toBe('herald.notification.suppressed');
    expect(unflatStrings(status)).toEqual([]);
  });
});
