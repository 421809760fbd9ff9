// Through the package entry point, as the router uses it.
import { deliveryJobSchema, isHeraldError } from '@herald/core';
import type { CloudEvent } from '@herald/core';
import * as rules from './index.js';

describe('@herald/rules entry point', () => {
  it('exports exactly the curated surface', () => {
    expect(Object.keys(rules).sort()).toEqual(
      [
        'CelEngine',
        'TOPIC_PREFIX',
        'RulesSourceError',
        'cancellationsFor',
        'decidePreferences',
        'dedupeMark',
        'fromCelValue',
        'loadRules',
        'mergePreferences',
        'parseDuration',
        'planDeliveries',
        'prepareDeliveries',
        'priorityFor',
        'quietHoursEnd',
        'recipientRefs',
        'ruleDefinition',
        'severities',
        'severityOf',
        'suppressMatch',
        'suppressionReasons',
        'tenantFor',
        'toCelValue',
        'withinWindow',
        // silences and inhibition
        'checkSilenceRequest',
        'encodeMark',
        'eventLabels',
        'formatMatcher',
        'inhibitingEvent',
        'inhibitionLookups',
        'inhibitionMarks',
        'matchesAll',
        'silenceFor',
      ].sort(),
    );
  });

  it('loads, matches and plans end to end', () => {
    const set = rules.loadRules(
      `rules:
  - id: shipped
    when: event.type == "order.shipped" && event.data.total >= 100
    recipients: event.data.watchers
    channels: [{ type: email, template: shipped }, { type: webhook, url: "https://hooks.example.com/x", secretRef: s }]
`,
      'rules.yaml',
    );
    const event: CloudEvent = {
      specversion: '1.0',
      id: 'e9',
      source: '/shop',
      type: 'order.shipped',
      tenantid: 'acme',
      data: { total: 100, watchers: ['u1'] },
    };
    const now = new Date('2026-01-10T12:00:00Z');
    const plan = rules.planDeliveries(event, set.match(event, now), {
      now,
      resolveRecipient: (ref) => ({ id: ref, addresses: { email: `${ref}@example.com` } }),
    });
    expect(plan.suppressed).toEqual([]);
    expect(plan.jobs.map((j) => deliveryJobSchema.parse(j).recipient.address)).toEqual([
      'u1@example.com',
      'https://hooks.example.com/x',
    ]);
  });

  it('refuses bad files with a HeraldError', () => {
    expect(() => rules.loadRules('- id: x', 'bad.yaml')).toThrow(rules.RulesSourceError);
    try {
      rules.loadRules('- id: x', 'bad.yaml');
    } catch (err) {
      expect(isHeraldError(err, 'HERALD_ERR_RULES_INVALID')).toBe(true);
      expect((err as Error).message).toContain('bad.yaml:1:3');
    }
  });
});
