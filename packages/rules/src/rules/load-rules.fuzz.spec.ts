/**
 * Property-based (fast-check) checks of rules files: any text (YAML-shaped rules with
 * random fields and CEL, or noise) loads as a rule set or is refused with a
 * RulesSourceError carrying HERALD_ERR_RULES_INVALID or HERALD_ERR_RULE_COMPILE and
 * positioned problems; nothing else is thrown. Seeded; a failure prints its seed and path.
 */
import fc from 'fast-check';
import { loadRules } from './load-rules.js';
import { RulesSourceError } from './rules-source-error.js';

const FUZZ = { seed: 18_2026, numRuns: 150 };

const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constantFrom(
    'event.type == "a"',
    'event.data.total > 100',
    'true',
    '1 +',
    'event.',
    '"x"',
    '5m',
    '-1s',
  ),
);
const channelYaml = fc.record(
  {
    type: fc.constantFrom('webhook', 'sms', 'email', 'nope'),
    url: scalar,
    secretRef: scalar,
    ordering: scalar,
  },
  { requiredKeys: [] },
);
const rule = fc.record(
  {
    id: scalar,
    when: scalar,
    priority: scalar,
    continue: scalar,
    recipients: scalar,
    channels: fc.oneof(fc.array(channelYaml, { maxLength: 2 }), scalar),
    dedupe_window: scalar,
    extra: scalar,
  },
  { requiredKeys: [] },
);
const file = fc.oneof(
  fc.array(rule, { maxLength: 3 }).map((rules) => JSON.stringify({ rules })),
  fc.string({ maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

it('any rules text loads or is refused with a code and positioned problems', () => {
  fc.assert(
    fc.property(file, (source) => {
      try {
        loadRules(source, 'fuzz.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(RulesSourceError);
        const refused = err as RulesSourceError;
        expect(['HERALD_ERR_RULES_INVALID', 'HERALD_ERR_RULE_COMPILE']).toContain(refused.code);
        expect(refused.problems.length).toBeGreaterThan(0);
      }
    }),
    FUZZ,
  );
});

it('refuses an alias with no anchor before it with a code (yaml threw a ReferenceError)', () => {
  let thrown: unknown;
  try {
    loadRules('rules: *missing', 'alias.yaml');
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(RulesSourceError);
  expect((thrown as RulesSourceError).code).toBe('HERALD_ERR_RULES_INVALID');
  expect((thrown as RulesSourceError).problems[0]).toMatchObject({ file: 'alias.yaml', line: 1 });
});
