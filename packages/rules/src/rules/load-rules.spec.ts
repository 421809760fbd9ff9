import { isHeraldError } from '@herald/core';
import type { CloudEvent } from '@herald/core';
import { loadRules } from './load-rules.js';
import { RulesSourceError } from './rules-source-error.js';

const now = new Date('2026-03-01T12:00:00Z');

function event(type: string, data: unknown = {}, extra: Record<string, unknown> = {}): CloudEvent {
  return { specversion: '1.0', id: `e-${type}`, source: '/test', type, data, ...extra };
}

function refusal(source: string, file = 'rules.yaml'): RulesSourceError {
  try {
    loadRules(source, file);
  } catch (err) {
    if (err instanceof RulesSourceError) return err;
    throw err;
  }
  throw new Error('expected the file to be refused');
}

const RULES = `rules:
  - id: big-order
    when: event.type == "order.created" && event.data.total > 100
    recipients: '["sales"]'
    channels:
      - { type: email, template: big-order }
    priority: 10
  - id: any-order
    types: ["order.*"]
    recipients: '["ops"]'
    channels:
      - { type: slack, template: order }
  - id: everything
    continue: true
    priority: 100
    channels:
      - { type: webhook, url: "https://hooks.example.com/all?token=s3cret" }
`;

describe('loadRules', () => {
  it('loads rules in file order with defaults and derived types', () => {
    const set = loadRules(RULES, 'rules.yaml');
    expect(set.rules.map((r) => r.id)).toEqual(['big-order', 'any-order', 'everything']);
    const [big, any, all] = set.rules;
    expect(big!.types).toEqual(['order.created']);
    expect(big!.continue).toBe(false);
    expect(big!.enabled).toBe(true);
    expect(big!.version).toBe(1);
    expect(big!.source).toEqual({ file: 'rules.yaml', line: 2, column: 5 });
    expect(any!.types).toEqual(['order.*']);
    expect(all!.types).toEqual(['*']);
    expect(Object.isFrozen(big)).toBe(true);
  });

  it('orders matches by priority and stops at the first rule without continue', () => {
    const set = loadRules(RULES, 'rules.yaml');
    expect(set.match(event('order.created', { total: 150 }), now).map((m) => m.rule.id)).toEqual(['everything', 'big-order']);
    expect(set.match(event('order.created', { total: 50 }), now).map((m) => m.rule.id)).toEqual(['everything', 'any-order']);
    expect(set.match(event('user.created'), now).map((m) => m.rule.id)).toEqual(['everything']);
  });

  it('evaluates only the rules indexed for the event type', () => {
    const set = loadRules(RULES, 'rules.yaml');
    expect(set.candidates('order.created').map((r) => r.id)).toEqual(['everything', 'big-order', 'any-order']);
    expect(set.candidates('user.created').map((r) => r.id)).toEqual(['everything']);
  });

  it('refuses a CEL error with the rule id and the position in the file', () => {
    const err = refusal(`rules:
  - id: typo
    when: event.type == "a" && evnt.data.x > 1
    channels: [{ type: webhook, url: "https://x.example.com" }]
`);
    expect(isHeraldError(err, 'HERALD_ERR_RULE_COMPILE')).toBe(true);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatchObject({ file: 'rules.yaml', line: 3, column: 32, ruleId: 'typo' });
    expect(err.message).toContain('rule typo');
    expect(err.message).toContain('rules.yaml:3:32');
    expect(err.message).toContain('Unknown variable: evnt');
    expect(err.message).toContain('^');
  });
});
