import { deterministicId } from './ids.js';

describe('deterministicId', () => {
  it('is stable, UUID-shaped (v8) and sensitive to part boundaries', () => {
    const id = deterministicId('evt-1', 'rule', 'alice', 'email');
    expect(id).toBe(deterministicId('evt-1', 'rule', 'alice', 'email'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deterministicId('ab', 'c')).not.toBe(deterministicId('a', 'bc'));
    expect(deterministicId('evt-1', 'rule', 'alice', 'sms')).not.toBe(id);
  });
});
