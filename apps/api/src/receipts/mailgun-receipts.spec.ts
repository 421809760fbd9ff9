import { createHmac } from 'node:crypto';
import { mailgunReceipt, mailgunSignature } from './mailgun-receipts.js';

const KEY = 'mailgun-signing-key';
const NOW = new Date('2026-11-21T08:00:00Z');
const TS = String(NOW.getTime() / 1000);

function body(eventData: object, signature?: object): string {
  const token = 'tok-123';
  return JSON.stringify({
    signature: signature ?? { timestamp: TS, token, signature: mailgunSignature(KEY, TS, token) },
    'event-data': eventData,
  });
}

const delivered = {
  event: 'delivered',
  timestamp: 1_795_248_005.5,
  'user-variables': { herald_notification_id: 'n-1' },
  message: { headers: { 'message-id': 'mg-1@example.com' } },
};

describe('mailgunReceipt signature', () => {
  it('is the documented hex HMAC-SHA256 of timestamp + token', () => {
    expect(mailgunSignature(KEY, '1', 'abc')).toBe(
      createHmac('sha256', KEY).update('1abc').digest('hex'),
    );
  });

  it('accepts a valid signature', () => {
    expect(mailgunReceipt(KEY, body(delivered), NOW)).toMatchObject({
      provider: 'mailgun',
      state: 'delivered',
      notificationId: 'n-1',
      providerMessageId: 'mg-1@example.com',
      occurredAt: '2026-11-21T08:00:05.500Z',
    });
  });

  it('refuses another key, a tampered token, a missing signature', () => {
    expect(() => mailgunReceipt('other-key', body(delivered), NOW)).toThrow(
      /HERALD_ERR_RECEIPT_SIGNATURE|does not match/,
    );
    const tampered = body(delivered, {
      timestamp: TS,
      token: 'tok-other',
      signature: mailgunSignature(KEY, TS, 'tok-123'),
    });
    expect(() => mailgunReceipt(KEY, tampered, NOW)).toThrow(/does not match/);
    expect(() => mailgunReceipt(KEY, JSON.stringify({ 'event-data': delivered }), NOW)).toThrow(
      /are required/,
    );
  });

  it('refuses a stale (or future) timestamp even when signed', () => {
    const later = new Date(NOW.getTime() + 5 * 60_000 + 1000);
    expect(() => mailgunReceipt(KEY, body(delivered), later)).toThrow(/more than 300s from now/);
    const earlier = new Date(NOW.getTime() - 6 * 60_000);
    expect(() => mailgunReceipt(KEY, body(delivered), earlier)).toThrow(/from now/);
    expect(mailgunReceipt(KEY, body(delivered), new Date(NOW.getTime() + 60_000))).toBeDefined();
  });

  it('refuses a body that is not JSON', () => {
    expect(() => mailgunReceipt(KEY, 'nope', NOW)).toThrow(/not JSON/);
  });
});

describe('mailgunReceipt mapping', () => {
  const failed = (severity: string, reason: string) => ({
    ...delivered,
    event: 'failed',
    severity,
    reason,
    'delivery-status': { code: 550, description: 'No such mailbox' },
  });

  it('permanent bounce → bounced, other permanent failure → failed, with code and text', () => {
    expect(mailgunReceipt(KEY, body(failed('permanent', 'bounce')), NOW)).toMatchObject({
      state: 'bounced',
      reason: 'permanent failure: bounce (550)',
      statusCode: 550,
      message: 'No such mailbox',
    });
    expect(mailgunReceipt(KEY, body(failed('permanent', 'suppress-bounce')), NOW)).toMatchObject({
      state: 'bounced',
    });
    expect(mailgunReceipt(KEY, body(failed('permanent', 'espblock')), NOW)).toMatchObject({
      state: 'failed',
      reason: 'permanent failure: espblock (550)',
    });
  });

  it('temporary failures, complaints, opens change nothing', () => {
    expect(mailgunReceipt(KEY, body(failed('temporary', 'generic')), NOW)).toBeUndefined();
    for (const event of ['complained', 'opened', 'clicked', 'accepted'])
      expect(mailgunReceipt(KEY, body({ ...delivered, event }), NOW)).toBeUndefined();
  });

  it('falls back to the Message-Id; refuses an event without any id', () => {
    const byMessage = { ...delivered, 'user-variables': {} };
    const receipt = mailgunReceipt(KEY, body(byMessage), NOW);
    expect(receipt).toMatchObject({ providerMessageId: 'mg-1@example.com' });
    expect(receipt?.notificationId).toBeUndefined();
    expect(() => mailgunReceipt(KEY, body({ event: 'delivered' }), NOW)).toThrow(
      /herald_notification_id/,
    );
    expect(() => mailgunReceipt(KEY, body({}), NOW)).toThrow(/event-data.event/);
  });
});
