import type { CloudEvent } from '@herald/core';
import { loadRules } from './load-rules.js';

const rules = `rules:
  - id: first
    when: event.type == "order.created"
    recipients: '["a"]'
    channels: [{ type: email, template: t }]
  - id: hidden
    when: event.type == "order.created"
    recipients: '["a"]'
    channels: [{ type: email, template: t }]
  - id: other-type
    when: event.type == "order.refunded"
    recipients: '["a"]'
    channels: [{ type: email, template: t }]
`;

const event: CloudEvent = {
  specversion: '1.0',
  id: 'e1',
  source: '/s',
  type: 'order.created',
  data: {},
};

describe('RuleSet.explain', () => {
  it('gives each rule its verdict, in file order, and names the match that stopped the rest', () => {
    const verdicts = loadRules(rules, 'r.yaml').explain(event, new Date(0));
    expect(verdicts.map((v) => [v.rule.id, v.verdict])).toEqual([
      ['first', 'matched'],
      ['hidden', 'not-reached'],
      ['other-type', 'type-not-indexed'],
    ]);
    expect(verdicts[1]).toMatchObject({ stoppedBy: 'first' });
  });
});
