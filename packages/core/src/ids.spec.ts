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
