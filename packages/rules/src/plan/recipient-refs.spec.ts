import type { CloudEvent } from '@herald/core';
import { loadRules } from '../rules/load-rules.js';
import { ruleDefinition } from '../rules/rule-definition.js';
import { planDeliveries } from './plan-deliveries.js';
import { recipientRefs } from './recipient-refs.js';

const now = new Date('2026-03-01T12:00:00Z');
const event = (data: unknown, tenantid?: string): CloudEvent => ({
  specversion: '1.0',
  id: 'e1',
  source: '/t',
  type: 'order.created',
  ...(tenantid === undefined ? {} : { tenantid }),
  data,
});

const set = loadRules(
  `rules:
  - id: a
    when: event.type == "order.created"
    recipients: 'event.data.watchers + [{"email": "x@example.com"}]'
    continue: true
    channels: [{ type: email, template: t }, { type: webhook, url: "https://h.example.com/x" }]
  - id: b
    tenant: acme
    when: event.type == "order.created"
    recipients: '["alice", event.data.owner]'
    channels: [{ type: sms, template: t }]
  - id: broken
    when: event.type == "order.created"
    recipients: event.data.nope
    channels: [{ type: email, template: t }]
`,
  'r.yaml',
  { ruleVersions: { a: 7 } },
);

describe('recipientRefs', () => {
  it('lists the ids planning will resolve, per tenant, once each; inline and failing entries are skipped', () => {
    const e = event({ watchers: ['alice', 'bob', 'alice'], owner: 'carol' }, 'acme');
    const matches = set.match(e, now);
    expect(matches.map((m) => m.rule.id)).toEqual(['a', 'b']);
    expect(recipientRefs(e, matches, { now })).toEqual([
      { tenant: 'acme', ref: 'alice' },
      { tenant: 'acme', ref: 'bob' },
      { tenant: 'acme', ref: 'carol' },
    ]);
    // Exactly the lookups planning makes.
    const asked: string[] = [];
    planDeliveries(e, matches, {
      now,
      resolveRecipient: (ref, tenant) => {
        asked.push(`${tenant}/${ref}`);
        return undefined;
      },
    });
    expect([...new Set(asked)].sort()).toEqual(['acme/alice', 'acme/bob', 'acme/carol']);
  });

  it('uses the default tenant for events without tenantid', () => {
    const e = event({ watchers: [7] });
    expect(recipientRefs(e, set.match(e, now), { now, defaultTenant: 'main' })).toEqual([
      { tenant: 'main', ref: '7' },
    ]);
  });
});

describe('ruleVersions and ruleDefinition', () => {
  it('overrides the file version per rule, and describes a rule without position or version', () => {
    expect(set.rules.map((r) => r.version)).toEqual([7, 1, 1]);
    const moved = loadRules(
      `# a comment moves every line
rules:
  - id: a
    version: 3
    continue: true
    recipients: 'event.data.watchers + [{"email": "x@example.com"}]'
    when: event.type == "order.created"
    channels: [{ type: email, template: t }, { type: webhook, url: "https://h.example.com/x" }]
`,
      'other.yaml',
    );
    expect(JSON.stringify(ruleDefinition(moved.rules[0]!))).toBe(
      JSON.stringify(ruleDefinition(set.rules[0]!)),
    );
    expect(ruleDefinition(set.rules[0]!)).not.toHaveProperty('source');
    expect(ruleDefinition(set.rules[0]!)).not.toHaveProperty('version');
  });
});
