import { dedupeMark, withinWindow } from './dedupe-mark.js';

const now = new Date('2026-01-10T12:00:00Z');

describe('dedupeMark', () => {
  it('is the same for the same tenant, rule and key, and differs otherwise', () => {
    const a = dedupeMark('acme', 'disk-full', 'host-7', 600_000, now);
    expect(a).toEqual({
      key: expect.stringMatching(/^herald:dedupe:disk-full:/),
      windowMs: 600_000,
      expiresAt: '2026-01-10T12:10:00.000Z',
    });
    expect(dedupeMark('acme', 'disk-full', 'host-7', 600_000, new Date(0)).key).toBe(a.key);
    expect(dedupeMark('globex', 'disk-full', 'host-7', 600_000, now).key).not.toBe(a.key);
    expect(dedupeMark('acme', 'disk-low', 'host-7', 600_000, now).key).not.toBe(a.key);
    expect(dedupeMark('acme', 'disk-full', 'host-8', 600_000, now).key).not.toBe(a.key);
  });

  it('bounds the key length whatever the key value', () => {
    expect(dedupeMark('t', 'r', 'x'.repeat(10_000), 1, now).key.length).toBeLessThan(80);
  });
});

describe('withinWindow', () => {
  it('holds from the recording instant up to, not including, the window end', () => {
    const recorded = new Date('2026-01-10T12:00:00Z');
    expect(withinWindow(recorded, 600_000, recorded)).toBe(true);
    expect(withinWindow(recorded, 600_000, new Date('2026-01-10T12:09:59.999Z'))).toBe(true);
    expect(withinWindow(recorded, 600_000, new Date('2026-01-10T12:10:00Z'))).toBe(false);
    expect(withinWindow(recorded, 600_000, new Date('2026-01-10T11:59:00Z'))).toBe(false);
  });
});
