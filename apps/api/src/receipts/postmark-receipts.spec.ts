import { postmarkReceipt, verifyPostmarkAuth } from './postmark-receipts.js';

const basic = (userPass: string) => `Basic ${Buffer.from(userPass).toString('base64')}`;

describe('verifyPostmarkAuth', () => {
  it('accepts the configured user and password', () => {
    expect(() => verifyPostmarkAuth('herald', 's3cret', basic('herald:s3cret'))).not.toThrow();
  });

  it('refuses another password, another user, a longer one, no or non-basic auth', () => {
    for (const header of [
      basic('herald:wrong'),
      basic('other:s3cret'),
      basic('herald:s3cret-and-more'),
      'Bearer herald:s3cret',
      undefined,
    ]) {
      expect(() => verifyPostmarkAuth('herald', 's3cret', header)).toThrow(
        /HERALD_ERR_RECEIPT_SIGNATURE|basic auth/,
      );
    }
  });
});

describe('postmarkReceipt', () => {
  const NOW = new Date('2026-11-21T08:00:00Z');
  const bounce = (Type: string) =>
    JSON.stringify({
      RecordType: 'Bounce',
      Type,
      Name: 'Hard bounce',
      MessageID: 'pm-1',
      Details: 'smtp;550 5.1.1 unknown user',
      BouncedAt: '2026-11-21T08:00:04Z',
      Metadata: { herald_notification_id: 'n-1' },
    });

  it('Delivery → delivered, with the Metadata id and MessageID', () => {
    expect(
      postmarkReceipt(
        JSON.stringify({
          RecordType: 'Delivery',
          MessageID: 'pm-1',
          DeliveredAt: '2026-11-21T08:00:03Z',
          Metadata: { herald_notification_id: 'n-1' },
        }),
        NOW,
      ),
    ).toEqual({
      provider: 'postmark',
      state: 'delivered',
      notificationId: 'n-1',
      providerMessageId: 'pm-1',
      occurredAt: '2026-11-21T08:00:03Z',
    });
  });

  it('permanent bounce types → bounced, others → failed, informational → nothing', () => {
    expect(postmarkReceipt(bounce('HardBounce'), NOW)).toMatchObject({
      state: 'bounced',
      reason: 'HardBounce (Hard bounce)',
      message: 'smtp;550 5.1.1 unknown user',
    });
    expect(postmarkReceipt(bounce('BadEmailAddress'), NOW)).toMatchObject({ state: 'bounced' });
    expect(postmarkReceipt(bounce('SoftBounce'), NOW)).toMatchObject({ state: 'failed' });
    expect(postmarkReceipt(bounce('Blocked'), NOW)).toMatchObject({ state: 'failed' });
    expect(postmarkReceipt(bounce('AutoResponder'), NOW)).toBeUndefined();
  });

  it('ignores opens and clicks; refuses bodies without a type or any id', () => {
    expect(
      postmarkReceipt(JSON.stringify({ RecordType: 'Open', MessageID: 'pm-1' }), NOW),
    ).toBeUndefined();
    expect(() => postmarkReceipt('{"MessageID":"pm-1"}', NOW)).toThrow(/RecordType/);
    expect(() => postmarkReceipt('{"RecordType":"Delivery"}', NOW)).toThrow(/MessageID/);
    expect(() => postmarkReceipt('nope', NOW)).toThrow(/not JSON/);
  });
});
