import { decidePreferences, mergePreferences } from './preferences.js';
import type { DeliveryFacts } from './preferences.js';

const now = new Date('2026-01-10T23:30:00Z');
const facts = (over: Partial<DeliveryFacts> = {}): DeliveryFacts => ({
  channel: 'email',
  eventType: 'order.created',
  priority: 'normal',
  now,
  ...over,
});

describe('decidePreferences', () => {
  it('delivers when nothing is set', () => {
    expect(decidePreferences({}, facts())).toEqual({ action: 'deliver' });
  });

  it('opts out per channel, category and event type (most specific pattern wins)', () => {
    expect(decidePreferences({ channels: { email: false } }, facts())).toEqual({
      action: 'suppress',
      reason: 'opted_out',
      detail: 'channel email',
    });
    expect(decidePreferences({ channels: { sms: false } }, facts())).toEqual({ action: 'deliver' });
    expect(
      decidePreferences({ categories: { billing: false } }, facts({ category: 'billing' })),
    ).toMatchObject({ detail: 'category billing' });
    expect(decidePreferences({ categories: { billing: false } }, facts())).toEqual({
      action: 'deliver',
    });
    const types = { eventTypes: { '*': false, 'order.*': true, 'order.created': false } };
    expect(decidePreferences(types, facts())).toMatchObject({ detail: 'event type order.created' });
    expect(decidePreferences(types, facts({ eventType: 'order.shipped' }))).toEqual({
      action: 'deliver',
    });
    expect(decidePreferences(types, facts({ eventType: 'user.created' }))).toMatchObject({
      detail: 'event type *',
    });
  });

  it('defers in quiet hours, using the quiet-hours zone, then the recipient zone, then the preference zone', () => {
    const quiet = { start: '22:00', end: '07:00' };
    // 23:30Z: 00:30 in Berlin (quiet), 18:30 in New York (not), 23:30 in UTC (quiet).
    expect(decidePreferences({ quietHours: quiet }, facts({ timezone: 'Europe/Berlin' }))).toEqual({
      action: 'defer',
      reason: 'quiet_hours',
      notBefore: new Date('2026-01-11T06:00:00Z'),
    });
    expect(
      decidePreferences({ quietHours: quiet }, facts({ timezone: 'America/New_York' })),
    ).toEqual({ action: 'deliver' });
    expect(
      decidePreferences(
        { quietHours: { ...quiet, timezone: 'America/New_York' } },
        facts({ timezone: 'Europe/Berlin' }),
      ),
    ).toEqual({ action: 'deliver' });
    expect(decidePreferences({ quietHours: quiet, timezone: 'America/New_York' }, facts())).toEqual(
      { action: 'deliver' },
    );
    expect(decidePreferences({ quietHours: quiet }, facts())).toMatchObject({
      action: 'defer',
      notBefore: new Date('2026-01-11T07:00:00Z'),
    });
  });

  it('falls back to UTC for a zone Intl does not know', () => {
    const quiet = { start: '22:00', end: '07:00' };
    expect(
      decidePreferences({ quietHours: quiet }, facts({ timezone: 'Mars/Olympus_Mons' })),
    ).toMatchObject({ action: 'defer', notBefore: new Date('2026-01-11T07:00:00Z') });
  });

  it('limits quiet hours to the listed channels', () => {
    const quiet = { start: '22:00', end: '07:00', channels: ['sms' as const] };
    expect(decidePreferences({ quietHours: quiet }, facts())).toEqual({ action: 'deliver' });
    expect(decidePreferences({ quietHours: quiet }, facts({ channel: 'sms' }))).toMatchObject({
      action: 'defer',
    });
  });

  it('lets critical priority bypass opt-outs and quiet hours', () => {
    const prefs = { channels: { email: false }, quietHours: { start: '00:00', end: '23:59' } };
    expect(decidePreferences(prefs, facts({ priority: 'critical' }))).toEqual({
      action: 'deliver',
    });
    expect(decidePreferences(prefs, facts({ priority: 'high' }))).toMatchObject({
      action: 'suppress',
    });
  });
});

describe('mergePreferences', () => {
  it('overlays the recipient on tenant defaults key by key', () => {
    const tenant = {
      channels: { sms: false, push: false },
      categories: { marketing: false },
      quietHours: { start: '22:00', end: '07:00' },
      timezone: 'Europe/Berlin',
    };
    const merged = mergePreferences(tenant, { channels: { sms: true }, timezone: 'Asia/Tokyo' });
    expect(merged).toEqual({
      channels: { sms: true, push: false },
      categories: { marketing: false },
      eventTypes: {},
      quietHours: tenant.quietHours,
      timezone: 'Asia/Tokyo',
    });
  });

  it('lets a recipient clear tenant quiet hours with null', () => {
    expect(
      mergePreferences({ quietHours: { start: '22:00', end: '07:00' } }, { quietHours: null })
        .quietHours,
    ).toBeNull();
  });

  it('returns whichever side exists', () => {
    const only = { channels: { sms: false } };
    expect(mergePreferences(undefined, only)).toBe(only);
    expect(mergePreferences(only, undefined)).toBe(only);
    expect(mergePreferences(undefined, undefined)).toEqual({});
  });
});
