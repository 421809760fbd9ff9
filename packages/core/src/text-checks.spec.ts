import {
  hasCanonicalTimeShape,
  isRecordTime,
  isUuid,
  isValidCanonicalTime,
} from './text-checks.js';

describe('text checks', () => {
  it('isUuid: versions 1-8 with the RFC variant, either case', () => {
    expect(isUuid('0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8d')).toBe(true);
    expect(isUuid('0190A8B0-7C4E-8A1B-BC3D-2E4F5A6B7C8D')).toBe(true);
    expect(isUuid('0190a8b0-7c4e-9a1b-9c3d-2e4f5a6b7c8d')).toBe(false); // version 9
    expect(isUuid('0190a8b0-7c4e-7a1b-cc3d-2e4f5a6b7c8d')).toBe(false); // variant 11
    expect(isUuid('0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8')).toBe(false);
  });

  it('canonical times: the toISOString shape, and a real calendar day', () => {
    expect(hasCanonicalTimeShape('2026-02-31T00:00:00.000Z')).toBe(true);
    expect(isValidCanonicalTime('2026-02-31T00:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2026-02-29T00:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2028-02-29T23:59:59.999Z')).toBe(true); // leap year
    expect(isValidCanonicalTime('2100-02-29T00:00:00.000Z')).toBe(false); // not one
    expect(isValidCanonicalTime('2000-02-29T00:00:00.000Z')).toBe(true); // is one
    expect(isValidCanonicalTime('2026-04-31T00:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2026-13-01T00:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2026-12-00T00:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2026-12-01T24:00:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('2026-12-01T23:60:00.000Z')).toBe(false);
    expect(isValidCanonicalTime('0000-01-01T00:00:00.000Z')).toBe(false); // no year 0 in Postgres
    // Every day of a leap and a common year agrees with Date.
    for (const year of [2026, 2028])
      for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += 86_400_000 + 1_001)
        expect(isValidCanonicalTime(new Date(t).toISOString())).toBe(true);
  });

  it('isRecordTime: valid canonical times, or another spelling Date.parse reads', () => {
    expect(isRecordTime('2026-11-01T01:00:00+01:00')).toBe(true);
    expect(isRecordTime('2026-11-01T00:00:00Z')).toBe(true);
    expect(isRecordTime('2026-02-31T00:00:00.000Z')).toBe(false);
    expect(isRecordTime('yesterday')).toBe(false);
  });
});
