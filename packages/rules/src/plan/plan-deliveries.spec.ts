import { addressRef, deliveryJobSchema, deliveryKey, deterministicId } from '@herald/core';
import type { CloudEvent } from '@herald/core';
import { loadRules } from '../rules/load-rules.js';
import type { RuleMatch } from '../rules/rule.js';
import { planDeliveries } from './plan-deliveries.js';
import { suppressMatch } from './suppression.js';
import type { PlanContext } from './plan-deliveries.js';
import type { Recipient } from './recipient.js';

const now = new Date('2026-01-10T12:00:00Z');

const people: Record<string, Recipient> = {
  alice: {
    id: 'alice',
    addresses: { email: 'alice@example.com', sms: '+4915100000001' },
    locale: 'de-DE',
    timezone: 'Europe/Berlin',
    attributes: { tier: 'gold' },
  },
  bob: { id: 'bob', addresses: { email: 'bob@example.com' }, attributes: { tier: 'silver' } },
  night: {
    id: 'night',
    addresses: { email: 'night@example.com', sms: '+15550000002' },
    timezone: 'Asia/Tokyo', // 21:00 at 12:00Z
    preferences: { quietHours: { start: '20:00', end: '08:00' } },
  },
  picky: {
    id: 'picky',
    addresses: { email: 'picky@example.com', sms: '+4915100000003' },
    preferences: {
      channels: { sms: false },
      categories: { marketing: false },
      eventTypes: { 'order.*': false, 'order.refunded': true },
    },
  },
};

const context: PlanContext = {
  now,
  resolveRecipient: (ref) => people[ref],
  producedAt: '2026-01-10T11:59:59.000Z',
};

function event(type: string, data: unknown = {}, extra: Record<string, unknown> = {}): CloudEvent {
  return {
    specversion: '1.0',
    id: 'evt-1',
    source: '/shop',
    type,
    time: '2026-01-10T11:59:00Z',
    data,
    ...extra,
  };
}

function plan(rules: string, e: CloudEvent, ctx: PlanContext = context) {
  const set = loadRules(`rules:\n${rules}`, 'rules.yaml');
  return planDeliveries(e, set.match(e, now), ctx);
}

describe('planDeliveries', () => {
  it('plans one valid job per (rule, recipient, channel) with a deterministic id', () => {
    const e = event('order.created', { total: 10 }, { tenantid: 'acme' });
    const { jobs, suppressed } = plan(
      `  - id: notify
    version: 3
    recipients: '["alice", "bob"]'
    channels: [{ type: email, template: order-created }]
`,
      e,
    );
    expect(suppressed).toEqual([]);
    expect(jobs).toHaveLength(2);
    for (const job of jobs) expect(deliveryJobSchema.parse(job)).toEqual(job);
    expect(jobs[0]).toEqual({
      notificationId: deterministicId('evt-1', 'notify', 'alice', 'email'),
      event: { id: 'evt-1', source: '/shop', type: 'order.created', time: '2026-01-10T11:59:00Z' },
      tenant: 'acme',
      rule: { id: 'notify', version: 3 },
      channel: 'email',
      recipient: { ref: 'alice', address: 'alice@example.com' },
      template: { ref: 'order-created' },
      locale: 'de-DE',
      priority: 'normal',
      attempt: 1,
      payload: { total: 10 },
      plannedAt: '2026-01-10T12:00:00.000Z',
      producedAt: '2026-01-10T11:59:59.000Z',
    });
    expect(jobs[1]!.recipient).toEqual({ ref: 'bob', address: 'bob@example.com' });
  });

  it('plans the same ids for a redelivered event', () => {
    const rules = `  - { id: r, recipients: '["alice"]', channels: [{ type: email, template: t }, { type: sms, template: t }] }\n`;
    const first = plan(rules, event('x')).jobs.map((j) => j.notificationId);
    const again = plan(rules, event('x')).jobs.map((j) => j.notificationId);
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(2);
  });

  it('plans a webhook from its url: one job, payload = data, secretRef and headers as options', () => {
    const { jobs } = plan(
      `  - id: hook
    channels:
      - type: webhook
        url: "https://hooks.example.com/in/orders?token=abc"
        secretRef: orders-secret
        headers: { X-Team: payments }
`,
      event('order.created', { id: 42 }),
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      channel: 'webhook',
      recipient: {
        ref: 'hooks.example.com/in/orders',
        address: 'https://hooks.example.com/in/orders?token=abc',
      },
      payload: { id: 42 },
      options: { secretRef: 'orders-secret', headers: { 'X-Team': 'payments' } },
      notificationId: deterministicId('evt-1', 'hook', 'hooks.example.com/in/orders', 'webhook'),
    });
    expect(jobs[0]!.template).toBeUndefined();
  });

  it('keys jobs by recipient, or by the ordering a channel asks for', () => {
    const rules = (ordering: string) => `  - id: hook
    channels:
      - type: webhook
        url: "https://hooks.example.com/in"
${ordering ? `        ordering: ${ordering}\n` : ''}`;
    const ref = 'hooks.example.com/in';
    const withSubject = event('order.created', {}, { subject: 'order-42' });
    const keyOf = (ordering: string, e: CloudEvent) => {
      const job = plan(rules(ordering), e).jobs[0]!;
      expect(deliveryJobSchema.parse(job)).toEqual(job);
      return deliveryKey(job);
    };
    expect(keyOf('', withSubject)).toBe(ref);
    expect(keyOf('recipient', withSubject)).toBe(ref);
    expect(keyOf('subject', withSubject)).toBe(`${ref}\u0000order-42`);
    // No subject: each event is its own ordering scope.
    expect(keyOf('subject', event('order.created'))).toBe(`${ref}\u0000id:evt-1`);
    const none = plan(rules('none'), withSubject).jobs[0]!;
    expect(deliveryKey(none)).toBe(none.notificationId);
    expect(() => plan(rules('fifo'), withSubject)).toThrow(
      /ordering.*must be one of recipient, subject, none/,
    );
  });

  it('sends fixed-address channels once and fans the others out', () => {
    const { jobs } = plan(
      `  - id: mixed
    recipients: '["alice", "bob"]'
    channels: [{ type: slack, template: t, address: "#ops" }, { type: email, template: t }]
`,
      event('x'),
    );
    expect(jobs.map((j) => `${j.channel}:${j.recipient.ref}`)).toEqual([
      `slack:${addressRef('slack', '#ops')}`,
      'email:alice',
      'email:bob',
    ]);
  });

  it('accepts inline recipients: address maps with or without an id', () => {
    const { jobs } = plan(
      `  - id: inline
    recipients: '[{"email": event.data.email}, {"id": "cust-7", "sms": "+4915199999999", "locale": "fr-FR"}]'
    channels: [{ type: email, template: t }, { type: sms, template: t }]
`,
      event('x', { email: 'buyer@example.com' }),
    );
    expect(jobs.map((j) => [j.channel, j.recipient.ref, j.recipient.address, j.locale])).toEqual([
      ['email', addressRef('email', 'buyer@example.com'), 'buyer@example.com', undefined],
      ['sms', 'cust-7', '+4915199999999', 'fr-FR'],
    ]);
    // The ref of an address without an id is a hash: stable, never the address itself.
    expect(jobs[0]!.recipient.ref).toMatch(/^addr-[0-9a-f]{24}$/);
    expect(jobs[0]!.notificationId).toBe(
      deterministicId('evt-1', 'inline', addressRef('email', 'buyer@example.com'), 'email'),
    );
  });

  it('returns a reason for every candidate it does not plan, and never throws', () => {
    const { jobs, suppressed } = plan(
      `  - id: r
    recipients: '["alice", "bob", "ghost", 7.5, 42]'
    channels: [{ type: sms, template: t }]
`,
      event('x'),
    );
    expect(jobs.map((j) => j.recipient.ref)).toEqual(['alice']);
    expect(suppressed.map((s) => [s.recipientRef, s.reason])).toEqual([
      ['ghost', 'unknown_recipient'],
      ['*', 'invalid_recipient'],
      ['42', 'unknown_recipient'],
      ['bob', 'no_address'],
    ]);
    expect(suppressed[3]).toMatchObject({
      rule: { id: 'r', version: 1 },
      channel: 'sms',
      notificationId: deterministicId('evt-1', 'r', 'bob', 'sms'),
    });
  });

  it('refuses an invalid address for good with HERALD_ERR_ADDRESS_INVALID, and normalises valid ones (issue 12)', () => {
    const rules = `  - id: r
    recipients: '[{"email": event.data.email}]'
    channels: [{ type: email, template: t }]
`;
    const cases: [string, string][] = [
      ['eve@x.test, victim1@x.test, victim2@x.test', 'holds a list'],
      ['eve@x.test\r\nBcc: victim@x.test', 'control character'],
      ['a@b@x.test', 'more than one "@"'],
      ['not-an-email', 'has no "@"'],
    ];
    const refs = new Set<string>();
    for (const [email, problem] of cases) {
      const { jobs, suppressed } = plan(rules, event('x', { email }));
      expect(jobs).toEqual([]);
      expect(suppressed).toHaveLength(1);
      const s = suppressed[0]!;
      expect(s).toMatchObject({
        channel: 'email',
        reason: 'invalid_address',
        code: 'HERALD_ERR_ADDRESS_INVALID',
        detail: expect.stringContaining(problem),
        recipientRef: expect.stringMatching(/^invalid-address:[0-9a-f]{8}$/),
      });
      expect(s.detail).toMatch(/^HERALD_ERR_ADDRESS_INVALID: email address is invalid: /);
      // The raw value is neither the ref nor quoted: it is personal data and may hold CRLF.
      expect(JSON.stringify(s)).not.toContain('victim');
      expect(s.notificationId).toBe(deterministicId('evt-1', 'r', s.recipientRef, 'email'));
      refs.add(s.recipientRef);
    }
    expect(refs.size).toBe(cases.length);
    // A stored recipient keeps its id as the ref; a valid address is normalised in the job.
    const stored = plan(
      `  - id: r
    recipients: '["alice", {"id": "c1", "email": " Ada@Example.COM ", "sms": "+49 151 9999 9999"}]'
    channels: [{ type: email, template: t }, { type: sms, template: t }]
`,
      event('x'),
      { ...context, resolveRecipient: () => ({ id: 'alice', addresses: { sms: '0151 1234' } }) },
    );
    expect(stored.jobs.map((j) => [j.channel, j.recipient.ref, j.recipient.address])).toEqual([
      ['email', 'c1', 'Ada@example.com'],
      ['sms', 'c1', '+4915199999999'],
    ]);
    expect(stored.suppressed.map((s) => [s.recipientRef, s.reason, s.code])).toEqual([
      ['alice', 'no_address', undefined],
      ['alice', 'invalid_address', 'HERALD_ERR_ADDRESS_INVALID'],
    ]);
  });

  it('records recipients that cannot be computed, or are none', () => {
    const failed = plan(
      `  - { id: r, recipients: 'event.data.owners', channels: [{ type: email, template: t }] }\n`,
      event('x'),
    );
    expect(failed.suppressed).toEqual([
      {
        rule: { id: 'r', version: 1 },
        channel: 'email',
        recipientRef: '*',
        reason: 'evaluation_error',
        detail: 'recipients: No such key: owners',
      },
    ]);
    expect(failed.errors[0]).toMatchObject({ ruleId: 'r', field: 'recipients' });
    const empty = plan(
      `  - { id: r, recipients: 'event.data.owners', channels: [{ type: email, template: t }] }\n`,
      event('x', { owners: [] }),
    );
    expect(empty.suppressed.map((s) => s.reason)).toEqual(['no_recipients']);
  });

  it('applies per-channel conditions per recipient', () => {
    const { jobs, suppressed } = plan(
      `  - id: r
    recipients: '["alice", "bob"]'
    channels:
      - { type: email, template: t }
      - { type: sms, template: t, when: 'recipient.attributes.tier == "gold"' }
`,
      event('x'),
    );
    expect(jobs.map((j) => `${j.channel}:${j.recipient.ref}`)).toEqual([
      'email:alice',
      'email:bob',
      'sms:alice',
    ]);
    expect(suppressed.map((s) => [s.recipientRef, s.reason])).toEqual([['bob', 'no_address']]);
    const gated = plan(
      `  - id: r
    recipients: '["alice", "bob"]'
    channels: [{ type: email, template: t, when: 'recipient.attributes.tier == "gold"' }]
`,
      event('x'),
    );
    expect(gated.suppressed.map((s) => [s.recipientRef, s.reason])).toEqual([
      ['bob', 'condition_false'],
    ]);
  });

  it('deduplicates a recipient listed twice', () => {
    const { jobs } = plan(
      `  - { id: r, recipients: '["alice", "alice"]', channels: [{ type: email, template: t }] }\n`,
      event('x'),
    );
    expect(jobs).toHaveLength(1);
  });

  it('takes the higher of event and rule severity as priority', () => {
    const rules = `  - { id: r, recipients: '["bob"]', severity: high, channels: [{ type: email, template: t }] }\n`;
    expect(plan(rules, event('x')).jobs[0]!.priority).toBe('high');
    expect(plan(rules, event('x', {}, { severity: 'critical' })).jobs[0]!.priority).toBe(
      'critical',
    );
    expect(plan(rules, event('x', {}, { severity: 'info' })).jobs[0]!.priority).toBe('high');
    const plain = `  - { id: r, recipients: '["bob"]', channels: [{ type: email, template: t }] }\n`;
    expect(plan(plain, event('x')).jobs[0]!.priority).toBe('normal');
    expect(plan(plain, event('x', {}, { severity: 'debug' })).jobs[0]!.priority).toBe('bulk');
  });

  it('uses tenantid, then the rule tenant, then the default tenant', () => {
    const rules = `  - { id: r, recipients: '["bob"]', channels: [{ type: email, template: t }] }\n`;
    expect(plan(rules, event('x', {}, { tenantid: 't1' })).jobs[0]!.tenant).toBe('t1');
    expect(plan(rules, event('x'), { ...context, defaultTenant: 'main' }).jobs[0]!.tenant).toBe(
      'main',
    );
    expect(plan(rules, event('x')).jobs[0]!.tenant).toBe('default');
    const seen: string[] = [];
    plan(rules, event('x', {}, { tenantid: 't2' }), {
      ...context,
      resolveRecipient: (ref, tenant) => (seen.push(tenant), people[ref]),
    });
    expect(seen).toEqual(['t2']);
  });

  describe('preferences', () => {
    const rules = `  - { id: r, category: marketing, recipients: '["picky", "night"]', channels: [{ type: email, template: t }, { type: sms, template: t }] }\n`;

    it('suppresses opted-out channels, categories and event types', () => {
      const { jobs, suppressed } = plan(rules, event('user.created'));
      expect(suppressed.map((s) => [s.recipientRef, s.channel, s.reason, s.detail])).toEqual([
        ['picky', 'email', 'opted_out', 'category marketing'],
        ['picky', 'sms', 'opted_out', 'channel sms'],
      ]);
      expect(jobs.map((j) => `${j.channel}:${j.recipient.ref}`)).toEqual([
        'email:night',
        'sms:night',
      ]);
      const noCategory = `  - { id: r, recipients: '["picky"]', channels: [{ type: email, template: t }] }\n`;
      expect(plan(noCategory, event('order.created')).suppressed[0]!.detail).toBe(
        'event type order.*',
      );
      expect(plan(noCategory, event('order.refunded')).jobs).toHaveLength(1);
    });

    it('defers deliveries in quiet hours to the end of the window', () => {
      const { jobs, deferred } = plan(rules, event('user.created'));
      // 12:00Z is 21:00 in Tokyo; quiet until 08:00 JST = 23:00Z.
      expect(jobs.map((j) => j.notBefore)).toEqual([
        '2026-01-10T23:00:00.000Z',
        '2026-01-10T23:00:00.000Z',
      ]);
      expect(deferred).toEqual(
        jobs.map((j) => ({
          notificationId: j.notificationId,
          reason: 'quiet_hours',
          notBefore: '2026-01-10T23:00:00.000Z',
        })),
      );
    });

    it('lets critical deliveries bypass opt-outs and quiet hours', () => {
      const { jobs, suppressed, deferred } = plan(
        rules,
        event('user.created', {}, { severity: 'critical' }),
      );
      expect(suppressed).toEqual([]);
      expect(deferred).toEqual([]);
      expect(jobs).toHaveLength(4);
      expect(jobs.every((j) => j.notBefore === undefined && j.priority === 'critical')).toBe(true);
    });

    it('applies tenant defaults, overridden by the recipient', () => {
      const ctx: PlanContext = {
        ...context,
        tenantPreferences: () => ({
          channels: { email: false, sms: false },
          quietHours: { start: '00:00', end: '23:59' },
        }),
      };
      const rule = `  - { id: r, recipients: '["alice", "night"]', channels: [{ type: sms, template: t }] }\n`;
      const withDefaults = plan(rule, event('x'), ctx);
      expect(withDefaults.suppressed.map((s) => [s.recipientRef, s.reason])).toEqual([
        ['alice', 'opted_out'],
        ['night', 'opted_out'],
      ]);
      const optIn: PlanContext = {
        ...ctx,
        resolveRecipient: (ref) =>
          ref === 'alice'
            ? { ...people.alice!, preferences: { channels: { sms: true }, quietHours: null } }
            : people[ref],
      };
      const result = plan(rule, event('x'), optIn);
      expect(result.jobs.map((j) => [j.recipient.ref, j.notBefore])).toEqual([
        ['alice', undefined],
      ]);
    });

    it('does not apply recipient preferences to fixed destinations', () => {
      const ctx: PlanContext = {
        ...context,
        tenantPreferences: () => ({ channels: { webhook: false, slack: false } }),
      };
      const { jobs } = plan(
        `  - { id: r, channels: [{ type: webhook, url: "https://x.example.com" }, { type: slack, template: t, address: "#ops" }] }\n`,
        event('x'),
        ctx,
      );
      expect(jobs).toHaveLength(2);
    });
  });

  it('refuses matches whose rule did not come from loadRules', () => {
    const set = loadRules(
      `- { id: r, channels: [{ type: webhook, url: "https://x.example.com" }] }`,
      'r.yaml',
    );
    const forged: RuleMatch = { rule: { ...set.rules[0]! } };
    const result = planDeliveries(event('x'), [forged], context);
    expect(result.jobs).toEqual([]);
    expect(result.suppressed[0]).toMatchObject({ reason: 'rule_not_loaded' });
  });

  it('plans nothing for no matches', () => {
    expect(planDeliveries(event('x'), [], context)).toEqual({
      jobs: [],
      suppressed: [],
      deferred: [],
      errors: [],
    });
  });

  it('records a whole match dropped by the caller, per channel', () => {
    const set = loadRules(
      `- { id: d, recipients: [a], channels: [{ type: email, template: t }, { type: sms, template: t }] }`,
      'r.yaml',
    );
    expect(suppressMatch({ rule: set.rules[0]! }, 'dedupe_window', 'seen within 10m')).toEqual([
      {
        rule: { id: 'd', version: 1 },
        channel: 'email',
        recipientRef: '*',
        reason: 'dedupe_window',
        detail: 'seen within 10m',
      },
      {
        rule: { id: 'd', version: 1 },
        channel: 'sms',
        recipientRef: '*',
        reason: 'dedupe_window',
        detail: 'seen within 10m',
      },
    ]);
  });
});
