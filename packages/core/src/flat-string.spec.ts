import fc from 'fast-check';
import { flatString } from './flat-string.js';

describe('flatString', () => {
  it('returns the same value, whatever the text (unicode, lone surrogates, empty)', () => {
    for (const text of [
      '',
      'a',
      'short text',
      `${'x'.repeat(40)}${Date.now()}`,
      'naïve ✓ 😀 \ud800 end',
    ])
      expect(flatString(text)).toBe(text);
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => flatString(text) === text));
  });
});
