import { checkAddress, requireAddress } from './address.js';
import type { ChannelName } from '../channels.js';

function problemOf(channel: ChannelName, raw: unknown): string | undefined {
  const result = checkAddress(channel, raw);
  return result.ok ? undefined : result.problem;
}

describe('checkAddress: e-mail (issue 12: event addresses reached the SMTP envelope as given)', () => {
  it.each([
    ['eve@x.test, victim1@x.test, victim2@x.test', 'holds a list'],
    ['eve@x.test;victim@x.test', 'holds a list'],
    ['eve@x.test\r\nBcc: victim@x.test', 'control character'],
    ['eve@x.test\nvictim@x.test', 'control character'],
    ['eve@x.test\u2028x', 'control character'],
    ['a@b@x.test', 'more than one "@"'],
    ['"a@b"@x.test', 'quote'],
    ['Eve <eve@x.test>', 'white space'],
    ['<eve@x.test>', 'bracket'],
    ['eve@[127.0.0.1]', 'bracket'],
    ['not-an-email', 'no "@"'],
    ['@x.test', 'nothing before'],
    ['eve@', 'domain'],
    ['eve@localhost', 'without a dot'],
    ['eve@-x.test', 'not a valid e-mail address'],
    ['eve@x_y.test', 'not a valid e-mail address'],
    ['é@x.test', 'non-ASCII local part'],
    [`${'a'.repeat(65)}@x.test`, 'local part over 64'],
    [`a@${`${'b'.repeat(60)}.`.repeat(5)}test`, 'over 254'],
    ['', 'empty'],
    ['   ', 'empty'],
    [42, 'is a number'],
    [null, 'is a null'],
  ])('refuses %j (%s)', (raw, expected) => {
    expect(problemOf('email', raw)).toContain(expected);
  });

  it.each([
    ['eve@x.test', 'eve@x.test'],
    ['  Eve.Adams+tag@Example.COM \r\n', 'Eve.Adams+tag@example.com'],
    ["o'brien@mail.x.test", "o'brien@mail.x.test"],
    ['ada@bücher.example', 'ada@xn--bcher-kva.example'],
  ])('accepts %j as %j (trimmed, domain lower-cased and in ASCII)', (raw, address) => {
    expect(checkAddress('email', raw)).toEqual({ ok: true, address });
  });

  it('never quotes the address in the problem (status events carry it; it is personal data)', () => {
    const result = checkAddress('email', 'eve@x.test\r\nBcc: victim@x.test');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message).toBe(
      'HERALD_ERR_ADDRESS_INVALID: email address is invalid: contains a line break or other control character',
    );
    expect(result.error.message).not.toContain('victim');
    expect(result.error.retriable).toBe(false);
  });
});

describe('checkAddress: phone numbers', () => {
  it.each([
    ['+4915112345678', '+4915112345678'],
    ['+49 151 1234 5678', '+4915112345678'],
    [' +1 (415) 555-0100 ', '+14155550100'],
    ['+15005550006', '+15005550006'],
    ['+4915112345678\r\n', '+4915112345678'],
  ])('accepts %j as E.164 %j', (raw, address) => {
    expect(checkAddress('sms', raw)).toEqual({ ok: true, address });
  });

  it.each([
    ['015112345678', 'not an international phone number'],
    ['+49 151 1234 5678, +4915199999999', 'not an international phone number'],
    ['+1555', 'wrong number of digits'],
    ['+999123456', 'no known country calling code'],
    ['tel:+4915112345678', 'not an international phone number'],
  ])('refuses %j', (raw, expected) => {
    expect(problemOf('sms', raw)).toContain(expected);
  });
});

describe('checkAddress: endpoints and ids', () => {
  it('normalises http(s) URLs and refuses other schemes and white space', () => {
    expect(checkAddress('webhook', 'HTTPS://Hooks.Example.com/a/../b')).toEqual({
      ok: true,
      address: 'https://hooks.example.com/b',
    });
    expect(problemOf('webhook', 'ftp://x.test/')).toContain('only http and https');
    expect(problemOf('discord', 'https://x.test/a b')).toContain('white space');
    expect(problemOf('teams', 'https://x.test/a\r\nb')).toContain('control character');
    expect(problemOf('webhook', 'not a url')).toBeDefined();
  });

  it('accepts the id forms of each chat channel and refuses anything else', () => {
    expect(checkAddress('slack', 'C0123456').ok).toBe(true);
    expect(checkAddress('slack', '#ops').ok).toBe(true);
    expect(checkAddress('slack', 'https://hooks.slack.test/services/T/B/x').ok).toBe(true);
    expect(problemOf('slack', 'C0123456,C0999')).toContain('channel id');
    expect(checkAddress('telegram', '-1001234567890').ok).toBe(true);
    expect(checkAddress('telegram', '@herald_news').ok).toBe(true);
    expect(problemOf('telegram', '12 34')).toContain('chat id');
    expect(checkAddress('pagerduty', 'payments').ok).toBe(true);
    expect(problemOf('pagerduty', 'a key with spaces')).toContain('routing key');
    expect(checkAddress('push', 'fA1b:APA91bH-x_y.z').ok).toBe(true);
    expect(problemOf('push', 'tok1,tok2')).toContain('device token');
    const sub = { endpoint: 'https://push.test/e/1', keys: { p256dh: 'BPk_x-1', auth: 'aA_-' } };
    expect(checkAddress('push', JSON.stringify({ ...sub, expirationTime: null }))).toEqual({
      ok: true,
      address: JSON.stringify(sub),
    });
    expect(problemOf('push', '{"endpoint":')).toContain('JSON Web Push');
    expect(problemOf('push', '{"endpoint":"https://push.test/e"}')).toContain('keys.p256dh');
    expect(problemOf('push', JSON.stringify({ ...sub, endpoint: 'ftp://x' }))).toContain('ftp');
    expect(
      problemOf('push', JSON.stringify({ ...sub, keys: { p256dh: 'a b', auth: 'x' } })),
    ).toContain('base64url');
    expect(checkAddress('inapp', 'user-42').ok).toBe(true);
    expect(checkAddress('mattermost', 'https://chat.acme.test/hooks/xyz123').ok).toBe(true);
    expect(problemOf('mattermost', 'chat.acme.test/hooks/xyz')).toBeDefined();
    const chat = 'https://chat.googleapis.com/v1/spaces/AAAA/messages';
    expect(checkAddress('googlechat', `${chat}?key=k1&token=t1`)).toEqual({
      ok: true,
      address: `${chat}?key=k1&token=t1`,
    });
    expect(problemOf('googlechat', `${chat}?key=k1`)).toContain('token query parameter');
    expect(problemOf('googlechat', chat)).toContain('key and token');
    expect(problemOf('inapp', 'x'.repeat(257))).toContain('256');
  });

  it('requireAddress returns the normalised address or throws HERALD_ERR_ADDRESS_INVALID', () => {
    expect(requireAddress('email', ' ada@Example.com')).toBe('ada@example.com');
    expect(() => requireAddress('email', 'a@b@x.test')).toThrow(
      'HERALD_ERR_ADDRESS_INVALID: email address is invalid: has more than one "@"',
    );
  });
});
