import { hash } from 'node:crypto';
import fc from 'fast-check';
import { addressRef, deterministicId } from './ids.js';

describe('deterministicId', () => {
  it('is stable, UUID-shaped (v8) and sensitive to part boundaries', () => {
    const id = deterministicId('evt-1', 'rule', 'alice', 'email');
    expect(id).toBe(deterministicId('evt-1', 'rule', 'alice', 'email'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
    expect(deterministicId('evt-1', 'rule', 'alice', 'sms')).not.toBe(id);
  });

  it('keeps the ids it has always given (jobs already in flight carry them)', () => {
    expect(deterministicId('evt-1', 'rule', 'alice', 'email')).toBe(
      'b61e3ff1-0e32-8ade-bf65-c01d40454c4d',
    );
    expect(deterministicId('')).toBe('838413de-ca4d-8e4a-9934-c0e056c92aac');
    expect(deterministicId('é', 'x')).toBe('badc3b94-fab7-8465-ab5a-d5b60b570167');
  });

  it('gives byte for byte the id of the formula it replaced (round 6 only changed how the text is joined)', () => {
    // The formula up to round 5, kept here as the reference.
    const formerId = (...parts: string[]): string => {
      let input = '';
      for (const part of parts) input += `${part.length}:${part}|`;
      const hex = hash('sha256', input, 'hex');
      const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    };
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme' }), { maxLength: 5 }), (parts) => {
        expect(deterministicId(...parts)).toBe(formerId(...parts));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('addressRef', () => {
  it('is stable per channel and address, and never contains the address', () => {
    const ref = addressRef('email', 'buyer@example.com');
    expect(ref).toBe(addressRef('email', 'buyer@example.com'));
    expect(ref).toMatch(/^addr-[0-9a-f]{24}$/);
    expect(ref).not.toContain('buyer');
    expect(addressRef('sms', 'buyer@example.com')).not.toBe(ref);
    expect(addressRef('email', 'other@example.com')).not.toBe(ref);
  });
});
