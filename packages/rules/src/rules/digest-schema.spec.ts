import { deliveryJobSchema, type CloudEvent } from '@herald/core';
import { planDeliveries } from '../plan/plan-deliveries.js';
import type { Recipient } from '../plan/recipient.js';
import { nextDailyAt } from '../plan/workflow-plan.js';
import { cancellationsFor } from './cancellations.js';
import { loadRules } from './load-rules.js';
import { RulesSourceError } from './rules-source-error.js';

// Issue 16: digest, delay and cancel in rules files, planning and validation.

function refusal(source: string): RulesSourceError {
  try {
    loadRules(source, 'rules.yaml');
  } catch (err) {
    if (err instanceof RulesSourceError) return err;
    throw err;
  }
  throw new Error('expected the rules to be refused');
}

const rules = `rules:
  - id: comments
    types: [comment.created]
    recipients: [alice]
    channels:
      - type: email
        template: comment
        digest: { key: event.data.postId, window: 10m, max: 50, template: comment-digest }
      - type: sms
        template: daily
        digest: { key: "'all'", schedule: { daily: "09:00" }, template: daily-digest }
  - id: cart-reminder
    types: [checkout.started]
    recipients: [alice]
    cancel: { on: "event.type == 'checkout.completed'", key: "'cart:' + event.data.cartId" }
    channels:
      - type: email
        template: reminder
        delay: 24h
`;

const alice: Recipient = {
  id: 'alice',
  addresses: { email: 'alice@example.com', sms: '+4915100000001' },
  timezone: 'Europe/Berlin',
};
const now = new Date('2026-01-10T12:00:00Z');
const event = (type: string, data: unknown): CloudEvent => ({
  specversion: '1.0',
  id: `${type}-1`,
  source: 'test',
  type,
  tenantid: 'acme',
  data,
});

describe('digest, delay and cancel rules', () => {
  const set = loadRules(rules, 'rules.yaml');
  const plan = (e: CloudEvent) =>
    planDeliveries(e, set.match(e, now), { now, resolveRecipient: () => alice });

  it('plans digest jobs: key, window, max, template; schedule due in the recipient zone', () => {
    const { jobs } = plan(event('comment.created', { postId: 'p-9' }));
    expect(jobs.map((j) => j.digest)).toEqual([
      { key: 'p-9', template: 'comment-digest', windowMs: 600_000, max: 50 },
      // 09:00 in Berlin (UTC+1 in January), the next one after 12:00Z: tomorrow.
      { key: 'all', template: 'daily-digest', dueAt: '2026-01-11T08:00:00.000Z' },
    ]);
    for (const job of jobs) expect(deliveryJobSchema.parse(job)).toEqual(job);
  });

  it('plans a delay as notBefore with a `delay` deferral, and the cancellation key', () => {
    const { jobs, deferred } = plan(event('checkout.started', { cartId: 'c1' }));
    expect(jobs[0]).toMatchObject({
      notBefore: '2026-01-11T12:00:00.000Z',
      cancelKey: 'cart:c1',
    });
    expect(deferred).toEqual([
      { notificationId: jobs[0]!.notificationId, reason: 'delay', notBefore: jobs[0]!.notBefore },
    ]);
  });

  it('an event matching cancel.on cancels its key, though it matches no rule', () => {
    const completed = event('checkout.completed', { cartId: 'c1' });
    expect(set.match(completed, now)).toEqual([]);
    expect(cancellationsFor(set, completed, now)).toEqual({
      cancellations: [{ ruleId: 'cart-reminder', tenant: 'acme', key: 'cart:c1' }],
      errors: [],
    });
  });

  it('a schedule time skipped by a DST change moves to the end of the gap', () => {
    // Europe/Berlin jumps 02:00 → 03:00 on 2026-03-29.
    expect(nextDailyAt('02:30', 'Europe/Berlin', new Date('2026-03-28T12:00:00Z'))).toEqual(
      new Date('2026-03-29T01:00:00Z'),
    );
    expect(nextDailyAt('09:00', undefined, new Date('2026-01-10T08:59:00Z'))).toEqual(
      new Date('2026-01-10T09:00:00Z'),
    );
  });

  // The column is where `at` starts on line 8: the refused value.
  it.each([
    ['window: 10x', 'window: must be a duration', '10x'],
    ['window: 10m, max: 0', 'max: must be at least 1', '0 }'],
    ['window: 10m, max: 2.5', 'max: expected int', '2.5'],
    ['schedule: { daily: "25:00" }', 'daily: must be a time of day', '"25:00"'],
    ['', 'either "window" or "schedule"', '{ key'],
  ])('refuses a digest with %s, with line and column', (extra, message, at) => {
    const source = `rules:
  - id: bad
    types: [comment.created]
    recipients: [alice]
    channels:
      - type: email
        template: comment
        digest: { key: event.data.postId, template: comment-digest${extra ? `, ${extra}` : ''} }
`;
    const err = refusal(source);
    expect(err.code).toBe('HERALD_ERR_RULES_INVALID');
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]!.message).toContain(message);
    const column = source.split('\n')[7]!.indexOf(at) + 1;
    expect(err.problems[0]).toMatchObject({ file: 'rules.yaml', line: 8, column, ruleId: 'bad' });
  });

  it('refuses a digest without its template, a key that does not type-check, a cancel without key, a bad delay', () => {
    const err = refusal(`rules:
  - id: a
    types: [comment.created]
    recipients: [alice]
    channels:
      - { type: email, template: t, digest: { key: event.data.postId, window: 10m } }
  - id: b
    types: [comment.created]
    recipients: [alice]
    channels:
      - { type: email, template: t, digest: { key: "1 + 'x'", window: 10m, template: d } }
  - id: c
    types: [checkout.started]
    recipients: [alice]
    cancel: { on: "event.type == 'checkout.completed'" }
    channels:
      - { type: email, template: t, delay: 0s }
`);
    expect(err.problems.map((p) => [p.ruleId, p.line, p.column, p.message.split(':')[0]])).toEqual([
      ['a', 6, 45, 'channels.0.digest.template'],
      ['b', 11, 53, 'channels.0.digest.key'],
      ['c', 15, 13, 'cancel.key'],
      ['c', 17, 44, 'channels.0.delay'],
    ]);
  });
});
