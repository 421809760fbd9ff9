import { smsSegments } from './sms-segments.js';

describe('smsSegments', () => {
  test('GSM-7: 160 septets in one segment, 153 per part beyond', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSegments('a'.repeat(306)).segments).toBe(2);
    expect(smsSegments('a'.repeat(307)).segments).toBe(3);
  });

  test('extension characters count double', () => {
    expect(smsSegments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('€'.repeat(81))).toEqual({ encoding: 'GSM-7', units: 162, segments: 2 });
    expect(smsSegments('{}[]~|^\\').units).toBe(16);
  });

  test('an escape pair is never split across parts', () => {
    // 152 plain septets then a 2-septet character: 154 > 153, so it opens part 2.
    const text = 'a'.repeat(152) + '€' + 'a'.repeat(10);
    expect(smsSegments(text)).toEqual({ encoding: 'GSM-7', units: 164, segments: 2 });
    const tight = 'a'.repeat(152) + '€' + 'a'.repeat(151);
    // part 1: 152 septets, part 2: € + 151 = 153, fits exactly.
    expect(smsSegments(tight).segments).toBe(2);
    expect(smsSegments(tight + 'a').segments).toBe(3);
  });

  test('any other character switches the whole message to UCS-2: 70, then 67 per part', () => {
    expect(smsSegments('ç'.repeat(70))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSegments('Hello ' + 'ç'.repeat(65))).toEqual({
      encoding: 'UCS-2',
      units: 71,
      segments: 2,
    });
    expect(smsSegments('x'.repeat(134) + 'ç').segments).toBe(3);
  });

  test('emoji take two UTF-16 units and are not split', () => {
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    // 66 units then an emoji: 68 > 67, so the emoji opens part 2.
    expect(smsSegments('ä'.repeat(0) + 'ő'.repeat(66) + '😀' + 'ő'.repeat(4)).segments).toBe(2);
  });

  test('GSM-7 basic set includes accented letters and Greek capitals', () => {
    expect(smsSegments('àèéìòùÄÖÑÜäöñüßΔΦΓΛΩΠΨΣΘΞ£¥§¿¡').encoding).toBe('GSM-7');
    expect(smsSegments('').segments).toBe(0);
  });
});
