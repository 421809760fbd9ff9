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
    expect(set.match(event('order.created', { total: 150 }), now).map((m) => m.rule.id)).toEqual([
      'everything',
      'big-order',
    ]);
    expect(set.match(event('order.created', { total: 50 }), now).map((m) => m.rule.id)).toEqual([
      'everything',
      'any-order',
    ]);
    expect(set.match(event('user.created'), now).map((m) => m.rule.id)).toEqual(['everything']);
  });

  it('evaluates only the rules indexed for the event type', () => {
    const set = loadRules(RULES, 'rules.yaml');
    expect(set.candidates('order.created').map((r) => r.id)).toEqual([
      'everything',
      'big-order',
      'any-order',
    ]);
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
    expect(err.problems[0]).toMatchObject({
      file: 'rules.yaml',
      line: 3,
      column: 32,
      ruleId: 'typo',
    });
    expect(err.message).toContain('rule typo');
    expect(err.message).toContain('rules.yaml:3:32');
    expect(err.message).toContain('Unknown variable: evnt');
    expect(err.message).toContain('^');
  });
});

describe('loadRules: positions of CEL errors in the file', () => {
  const channel = '    channels: [{ type: webhook, url: "https://x.example.com/h" }]\n';

  it.each([
    ['plain', '    when: event.type == "a" && evnt.x\n', 3, 32],
    ['single-quoted', '    when: \'event.type == "a" && evnt.x\'\n', 3, 33],
    ['double-quoted with escapes', '    when: "event.type == \\"a\\" && evnt.x"\n', 3, 35],
    ['literal block', '    when: |\n      event.type == "a" &&\n        evnt.x\n', 5, 9],
    ['folded block', '    when: >\n      event.type == "a" &&\n      evnt.x\n', 5, 7],
    ['multi-line plain', '    when: event.type == "a"\n      && evnt.x\n', 4, 10],
  ])('%s scalar', (_style, when, line, column) => {
    const err = refusal(`rules:\n  - id: r1\n${when}${channel}`);
    expect(err.code).toBe('HERALD_ERR_RULE_COMPILE');
    expect(err.problems[0]).toMatchObject({
      line,
      column,
      ruleId: 'r1',
      message: 'when: Unknown variable: evnt',
    });
    expect(err.problems[0]!.excerpt.split('\n')[1]!.indexOf('^')).toBe(
      err.problems[0]!.excerpt.indexOf('| ') + 2 + column - 1,
    );
  });

  it('positions errors in JSON files too', () => {
    const json =
      '{\n  "rules": [\n    {\n      "id": "j1",\n      "when": "event.type == \\"a\\" && nope",\n      "channels": [{"type": "webhook", "url": "https://x.example.com"}]\n    }\n  ]\n}\n';
    const err = refusal(json, 'rules.json');
    expect(err.problems[0]).toMatchObject({
      file: 'rules.json',
      line: 5,
      column: 39,
      ruleId: 'j1',
    });
  });

  it('positions errors in recipients, channel conditions and dedupe keys', () => {
    const err = refusal(`rules:
  - id: r2
    recipients: '[event.data.owner, 1 + "x"]'
    channels:
      - type: email
        template: t
        when: recipient.tier = "gold"
    dedupe: { key: 'event.data.id +', window: 10m }
`);
    expect(err.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [3, 37, 'recipients: no such overload: int + string'],
      [7, 30, expect.stringContaining('channels.0.when:')],
      [8, 36, expect.stringContaining('dedupe.key:')],
    ]);
  });

  it('refuses a condition of the wrong type', () => {
    const err = refusal(
      `- id: r3\n  when: event.data.count + 1\n  channels: [{ type: webhook, url: "https://x.example.com" }]\n`,
    );
    expect(err.problems[0]).toMatchObject({
      line: 2,
      column: 9,
      message: 'when: expression must evaluate to bool, but its type is int',
    });
  });
});

describe('loadRules: validation', () => {
  it('names unknown fields at the key', () => {
    const err = refusal(
      `rules:\n  - id: r1\n    wehn: "true"\n    channels: [{ type: webhook, url: "https://x.example.com" }]\n`,
    );
    expect(err.code).toBe('HERALD_ERR_RULES_INVALID');
    expect(err.problems[0]).toMatchObject({
      line: 3,
      column: 5,
      ruleId: 'r1',
      message: 'unknown field "wehn"',
    });
    expect(err.message).toContain('rules.yaml:3:5');
  });

  it('names the value for bad channel types, durations and ids', () => {
    const err = refusal(`rules:
  - id: "bad id"
    channels: [{ type: fax, template: t }]
    recipients: '["a"]'
    dedupe: { key: event.id, window: soon }
    priority: high
`);
    const byLine = Object.fromEntries(err.problems.map((p) => [p.line, p.message]));
    expect(byLine[2]).toContain('id:');
    expect(byLine[3]).toContain('channels.0.type: must be one of email, sms');
    expect(byLine[5]).toContain('dedupe.window: must be a duration');
    expect(byLine[6]).toContain('priority:');
  });

  it('requires channels, a template for non-webhook channels and someone to deliver to', () => {
    const err = refusal(`rules:
  - id: a
  - id: b
    channels: [{ type: email }]
  - id: c
    channels: [{ type: slack, template: t }]
`);
    expect(err.problems.map((p) => `${p.ruleId}@${p.line}: ${p.message}`)).toEqual([
      'a@2: channels: is required',
      'b@4: channels.0.template: "template" is required for email channels',
      'b@4: channels.0: a email channel needs "recipients" on the rule or an "address" (or "url" for webhooks)',
      'c@6: channels.0: a slack channel needs "recipients" on the rule or an "address" (or "url" for webhooks)',
    ]);
  });

  it('refuses a fixed address that is not one valid address of its channel', () => {
    const err = refusal(`rules:
  - id: a
    channels: [{ type: email, template: t, address: "ops@x.test, boss@x.test" }]
  - id: b
    channels: [{ type: sms, template: t, address: "0151 1234" }]
`);
    expect(err.problems.map((p) => `${p.ruleId}@${p.line}: ${p.message}`)).toEqual([
      'a@3: channels.0.address: not a valid email address: it holds a list (comma or semicolon): give one address per recipient',
      'b@5: channels.0.address: not a valid sms address: it is not an international phone number: "+", country code, then digits (E.164, e.g. +4915112345678)',
    ]);
  });

  it('keeps webhook-only fields on webhooks', () => {
    const err = refusal(
      `- id: w\n  recipients: '["a"]'\n  channels: [{ type: email, template: t, url: "https://x.example.com" }]\n`,
    );
    expect(err.problems[0]!.message).toBe('channels.0.url: "url" applies only to webhook channels');
  });

  it('refuses duplicate ids and duplicate fixed destinations', () => {
    const err = refusal(`rules:
  - id: same
    channels: [{ type: webhook, url: "https://x.example.com/a" }, { type: webhook, url: "https://x.example.com/a?v=2" }]
  - id: same
    channels: [{ type: webhook, url: "https://x.example.com" }]
`);
    expect(err.problems.map((p) => [p.line, p.message])).toEqual([
      [3, expect.stringContaining('two webhook channels deliver to "x.example.com/a"')],
      [4, 'duplicate rule id "same" (first defined on line 2); ids must be unique in a file'],
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const err = refusal('rules:\n  - id: a\n    when: [unclosed\n');
    expect(err.code).toBe('HERALD_ERR_RULES_INVALID');
    expect(err.problems[0]!.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses a file that is not a list of rules', () => {
    expect(refusal('just a string').problems[0]!.message).toContain('expected a list of rules');
    expect(refusal('rules: []\nextra: 1').problems[0]!.message).toContain(
      'expected a list of rules',
    );
  });

  it('loads nothing when one rule of many is bad, and lists every problem', () => {
    const source = `rules:
  - id: good
    channels: [{ type: webhook, url: "https://x.example.com" }]
  - id: bad-cel
    when: event.data.x >
    channels: [{ type: webhook, url: "https://y.example.com" }]
  - id: bad-field
    colour: red
    channels: [{ type: webhook, url: "https://z.example.com" }]
`;
    const err = refusal(source);
    expect(err.code).toBe('HERALD_ERR_RULES_INVALID');
    expect(err.problems.map((p) => p.ruleId)).toEqual(['bad-cel', 'bad-field']);
    expect(err.message).toContain('2 problems');
  });

  it('accepts an empty rule list and a bare list', () => {
    expect(loadRules('rules: []', 'r.yaml').rules).toEqual([]);
    expect(
      loadRules(
        '- id: a\n  channels: [{ type: webhook, url: "https://x.example.com" }]\n',
        'r.yaml',
      ).rules,
    ).toHaveLength(1);
  });
});

describe('RuleSet: matching', () => {
  const hook = 'channels: [{ type: webhook, url: "https://x.example.com" }]';
  const set = (rules: string, options = {}) => loadRules(`rules:\n${rules}`, 'rules.yaml', options);

  it('stops at the first match unless continue is set, ties keep file order', () => {
    const rules = set(`  - { id: a, priority: 1, continue: true, ${hook} }
  - { id: b, priority: 1, ${hook} }
  - { id: c, priority: 1, ${hook} }
  - { id: d, priority: 0, ${hook} }
`);
    expect(rules.match(event('x'), now).map((m) => m.rule.id)).toEqual(['a', 'b']);
  });

  it('evaluates every rule when all continue, highest priority first', () => {
    const rules = set(`  - { id: low, priority: -5, continue: true, ${hook} }
  - { id: high, priority: 50, continue: true, ${hook} }
  - { id: mid, priority: 7.5, continue: true, ${hook} }
`);
    expect(rules.match(event('x'), now).map((m) => m.rule.id)).toEqual(['high', 'mid', 'low']);
  });

  it('skips disabled rules but keeps them in the set', () => {
    const rules = set(
      `  - { id: off, enabled: false, priority: 9, ${hook} }\n  - { id: on, ${hook} }\n`,
    );
    expect(rules.rules.map((r) => r.id)).toEqual(['off', 'on']);
    expect(rules.match(event('x'), now).map((m) => m.rule.id)).toEqual(['on']);
  });

  it('limits tenant rules to that tenant', () => {
    const rules = set(
      `  - { id: acme-only, tenant: acme, continue: true, ${hook} }\n  - { id: all, ${hook} }\n`,
    );
    expect(rules.match(event('x', {}, { tenantid: 'acme' }), now).map((m) => m.rule.id)).toEqual([
      'acme-only',
      'all',
    ]);
    expect(rules.match(event('x', {}, { tenantid: 'globex' }), now).map((m) => m.rule.id)).toEqual([
      'all',
    ]);
    expect(rules.match(event('x'), now).map((m) => m.rule.id)).toEqual(['all']);
  });

  it('indexes exact types, prefixes, * and types derived from the condition', () => {
    const rules = set(`  - { id: exact, types: [order.created], continue: true, ${hook} }
  - { id: prefix, types: ["order.*"], continue: true, ${hook} }
  - { id: star, types: ["*"], continue: true, ${hook} }
  - { id: in-list, when: 'event.type in ["user.created", "user.deleted"]', continue: true, ${hook} }
  - { id: starts, when: 'event.type.startsWith("user.") && event.data.vip == true', continue: true, ${hook} }
  - { id: either, when: 'event.type == "a" || event.type == "b"', continue: true, ${hook} }
  - { id: opaque, when: 'event.type != "z"', continue: true, ${hook} }
`);
    const types = Object.fromEntries(rules.rules.map((r) => [r.id, r.types]));
    expect(types).toEqual({
      exact: ['order.created'],
      prefix: ['order.*'],
      star: ['*'],
      'in-list': ['user.created', 'user.deleted'],
      starts: ['user.*'],
      either: ['a', 'b'],
      opaque: ['*'],
    });
    expect(rules.candidates('order.created').map((r) => r.id)).toEqual([
      'exact',
      'prefix',
      'star',
      'opaque',
    ]);
    expect(rules.candidates('order.updated').map((r) => r.id)).toEqual([
      'prefix',
      'star',
      'opaque',
    ]);
    expect(rules.candidates('user.deleted').map((r) => r.id)).toEqual([
      'star',
      'in-list',
      'starts',
      'opaque',
    ]);
    expect(rules.candidates('b').map((r) => r.id)).toEqual(['star', 'either', 'opaque']);
    expect(rules.match(event('user.created', { vip: true }), now).map((m) => m.rule.id)).toEqual([
      'star',
      'in-list',
      'starts',
      'opaque',
    ]);
  });

  it('counts evaluation errors as no match and reports them', () => {
    const reports: unknown[] = [];
    const rules = set(
      `  - { id: needs-severity, when: 'event.severity == "critical"', continue: true, ${hook} }\n  - { id: fallback, ${hook} }\n`,
      { onEvalError: (r: unknown) => reports.push(r) },
    );
    const e = event('x');
    expect(rules.match(e, now).map((m) => m.rule.id)).toEqual(['fallback']);
    expect(reports).toEqual([
      {
        ruleId: 'needs-severity',
        field: 'when',
        code: expect.any(String),
        reason: 'No such key: severity',
        eventId: e.id,
        eventType: 'x',
      },
    ]);
    expect(rules.evaluate(e, now).errors).toHaveLength(1);
  });

  it('passes now into conditions', () => {
    const rules = set(
      `  - { id: fresh, when: 'timestamp(event.time) > now - duration("5m")', ${hook} }\n`,
    );
    expect(rules.match(event('x', {}, { time: '2026-03-01T11:58:00Z' }), now)).toHaveLength(1);
    expect(rules.match(event('x', {}, { time: '2026-03-01T11:50:00Z' }), now)).toHaveLength(0);
  });

  it('computes dedupe marks per tenant, rule and key', () => {
    const rules = set(`  - { id: d, dedupe: { key: 'event.data.host', window: 10m }, ${hook} }\n`, {
      defaultTenant: 'main',
    });
    const [a] = rules.match(event('x', { host: 'h1' }, { tenantid: 'acme' }), now);
    const [b] = rules.match(event('x', { host: 'h1' }, { tenantid: 'acme', id: 'other' }), now);
    const [c] = rules.match(event('x', { host: 'h2' }, { tenantid: 'acme' }), now);
    const [d] = rules.match(event('x', { host: 'h1' }), now);
    expect(a!.dedupe).toEqual({
      key: expect.stringMatching(/^herald:dedupe:d:\{[0-9a-f-]{36}\}$/),
      windowMs: 600_000,
      expiresAt: '2026-03-01T12:10:00.000Z',
    });
    expect(b!.dedupe!.key).toBe(a!.dedupe!.key);
    expect(c!.dedupe!.key).not.toBe(a!.dedupe!.key);
    expect(d!.dedupe!.key).not.toBe(a!.dedupe!.key);
  });

  it('matches without a dedupe mark when the key cannot be computed', () => {
    const rules = set(`  - { id: d, dedupe: { key: 'event.data.host', window: 1h }, ${hook} }\n`);
    const result = rules.evaluate(event('x', {}), now);
    expect(result.matches).toEqual([{ rule: rules.rules[0] }]);
    expect(result.errors[0]).toMatchObject({ field: 'dedupe.key' });
  });
});

describe('loadRules: conveniences', () => {
  it('reads a YAML list of recipient ids and a boolean condition', () => {
    const set = loadRules(
      `- id: r\n  when: true\n  recipients: [alice, "bob \\"b\\""]\n  channels: [{ type: email, template: t }]\n`,
      'r.yaml',
    );
    expect(set.rules[0]!.when).toBe('true');
    expect(set.rules[0]!.recipients).toBe('["alice","bob \\"b\\""]');
    expect(set.match(event('x'), now)).toHaveLength(1);
  });
});
