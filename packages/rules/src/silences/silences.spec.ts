import { checkSilenceRequest, silenceFor } from './silence.js';
import { eventLabels, matchesAll, parseMatchers } from './matchers.js';
import { encodeMark, inhibitingEvent, inhibitionLookups, inhibitionMarks } from './inhibition.js';
import { inhibitRule } from './inhibit-schema.js';

const now = new Date('2026-05-01T08:00:00Z');
const event = (id: string, severity: string, service: string) => ({
  specversion: '1.0' as const,
  id,
  source: '/mon',
  type: 'alert.fired',
  severity,
  service,
  data: { big: 'not a label' },
});

describe('label matchers', () => {
  it('match =, !=, =~ (anchored) and !~, a missing label being empty', () => {
    const labels = eventLabels(event('e', 'critical', 'db-1'), 'acme');
    expect(labels).toMatchObject({ tenant: 'acme', type: 'alert.fired', service: 'db-1' });
    expect(labels.data).toBeUndefined();
    const ok = (texts: string[]) => {
      const parsed = parseMatchers(texts);
      if (!parsed.ok) throw new Error(parsed.problems.join());
      return matchesAll(parsed.matchers, labels);
    };
    expect(ok(['service=db-1', 'tenant=acme'])).toBe(true);
    expect(ok(['service=~db-.*', 'severity!=info'])).toBe(true);
    expect(ok(['service=~db'])).toBe(false); // anchored
    expect(ok(['service!~"db-.*"', 'type=alert.fired'])).toBe(false);
    expect(ok(['team!=ops', 'type=alert.fired'])).toBe(true); // absent: empty
  });

  it('refuses text that is not a matcher, a bad regex, or only matchers of the empty label', () => {
    expect(parseMatchers(['service'])).toMatchObject({ ok: false });
    expect(parseMatchers(['service=~('])).toMatchObject({ ok: false });
    expect(parseMatchers(['service!=db', 'team=~.*'])).toMatchObject({ ok: false });
    expect(parseMatchers([])).toMatchObject({ ok: false });
  });
});

describe('silences', () => {
  const request = { matchers: ['service=db'], createdBy: 'ops', comment: 'maintenance' };

  it('need an end in the future, after the start, a creator and a comment', () => {
    const problems = (r: Parameters<typeof checkSilenceRequest>[0]) => {
      const checked = checkSilenceRequest(r, now);
      return checked.ok ? [] : checked.problems;
    };
    expect(problems(request)).toEqual([
      'a silence needs an end: --ends 2h or --ends 2026-12-24T18:00:00Z',
    ]);
    expect(problems({ ...request, ends: '2026-05-01T07:00:00Z' })[0]).toMatch(/is in the past/);
    expect(problems({ ...request, ends: 'later' })[0]).toMatch(
      /neither an ISO time nor a duration/,
    );
    expect(
      problems({ ...request, starts: '2026-05-02T00:00:00Z', ends: '2026-05-01T09:00:00Z' })[0],
    ).toMatch(/is not after --starts/);
    expect(problems({ matchers: ['service=db'], ends: '1h' })).toHaveLength(2);
  });

  it('apply from their start until their end on the clock given', () => {
    const checked = checkSilenceRequest({ ...request, ends: '1h' }, now);
    if (!checked.ok) throw new Error(checked.problems.join());
    const silence = { id: 's1', ...checked.silence };
    expect(silence.endsAt.toISOString()).toBe('2026-05-01T09:00:00.000Z');
    const labels = eventLabels(event('e', 'critical', 'db'), 'acme');
    expect(silenceFor([silence], labels, now)?.id).toBe('s1');
    expect(silenceFor([silence], labels, new Date('2026-05-01T09:00:00Z'))).toBeUndefined();
    expect(silenceFor([silence], { ...labels, service: 'web' }, now)).toBeUndefined();
  });
});

describe('inhibition', () => {
  const rule = inhibitRule(
    {
      source: ['severity=critical'],
      target: ['severity=warning'],
      equal: ['service'],
      window: '30m',
    },
    0,
  );

  it('keys marks by tenant, rule and the equal labels; a target finds the source within the window', () => {
    const source = event('crit', 'critical', 'api');
    const marks = inhibitionMarks([rule], source, 'acme', eventLabels(source, 'acme'), now);
    expect(marks).toHaveLength(1);
    const stored = new Map(marks.map((m) => [m.key, encodeMark(m)]));
    const lookup = (e: ReturnType<typeof event>, tenant = 'acme') =>
      inhibitionLookups([rule], tenant, eventLabels(e, tenant)).map((l) => stored.get(l.key));
    const warning = event('warn', 'warning', 'api');
    expect(inhibitingEvent(lookup(warning), 'warn', now)).toBe('crit');
    expect(inhibitingEvent(lookup(event('w2', 'warning', 'web')), 'w2', now)).toBeUndefined();
    expect(inhibitingEvent(lookup(warning, 'globex'), 'warn', now)).toBeUndefined();
    expect(lookup(event('i', 'info', 'api'))).toEqual([]);
    const later = new Date(now.getTime() + 30 * 60_000);
    expect(inhibitingEvent(lookup(warning), 'warn', later)).toBeUndefined();
    // An event never inhibits itself.
    expect(inhibitingEvent(lookup(warning), 'crit', now)).toBeUndefined();
  });
});
