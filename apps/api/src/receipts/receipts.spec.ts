import twilio from 'twilio';
import { sesReceipt } from './ses-receipts.js';
import { SnsVerifier } from './sns-verifier.js';
import { twilioReceipt, twilioSignature, verifyTwilioSignature } from './twilio-receipts.js';

describe('twilioSignature', () => {
  it("matches the twilio SDK's own computation, non-ASCII values included", () => {
    const url = 'https://herald.example.com/v1/receipts/twilio?notificationId=abc';
    const params = {
      MessageSid: 'SM1',
      MessageStatus: 'delivered',
      To: '+4915112345678',
      Body: 'ä ü',
    };
    expect(twilioSignature('token', url, new URLSearchParams(params))).toBe(
      twilio.getExpectedTwilioSignature('token', url, params),
    );
  });

  it('accepts the URL with the default port, refuses another token', () => {
    const params = new URLSearchParams({ MessageSid: 'SM1', MessageStatus: 'sent' });
    const withPort = twilioSignature('token', 'https://h.example.com:443/r', params);
    expect(() =>
      verifyTwilioSignature('token', 'https://h.example.com/r', params, withPort),
    ).not.toThrow();
    expect(() =>
      verifyTwilioSignature('other', 'https://h.example.com/r', params, withPort),
    ).toThrow(/X-Twilio-Signature does not match/);
  });

  it('maps statuses: read → delivered, undelivered → failed with the code, sent → nothing', () => {
    const q = new URLSearchParams('notificationId=n-1');
    expect(twilioReceipt(new URLSearchParams('MessageSid=S&MessageStatus=read'), q)).toMatchObject({
      state: 'delivered',
      notificationId: 'n-1',
      providerMessageId: 'S',
    });
    expect(
      twilioReceipt(
        new URLSearchParams('MessageSid=S&MessageStatus=undelivered&ErrorCode=30005'),
        q,
      ),
    ).toMatchObject({ state: 'failed', reason: 'undelivered: Twilio error 30005' });
    expect(
      twilioReceipt(new URLSearchParams('MessageSid=S&MessageStatus=sent'), q),
    ).toBeUndefined();
  });
});

describe('sesReceipt', () => {
  it('reads the notification id from the tag or the header, and ignores opens', () => {
    const header = sesReceipt(
      JSON.stringify({
        eventType: 'Delivery',
        mail: { messageId: 'm', headers: [{ name: 'X-Herald-Notification-Id', value: 'n-2' }] },
      }),
    );
    expect(header).toMatchObject({
      state: 'delivered',
      notificationId: 'n-2',
      providerMessageId: 'm',
    });
    expect(
      sesReceipt(JSON.stringify({ eventType: 'Open', mail: { messageId: 'm' } })),
    ).toBeUndefined();
    expect(
      sesReceipt(
        JSON.stringify({
          eventType: 'Reject',
          mail: { messageId: 'm' },
          reject: { reason: 'Bad content' },
        }),
      ),
    ).toMatchObject({
      state: 'failed',
      reason: 'rejected by SES: Bad content',
    });
    expect(() => sesReceipt('{"mail":{}}')).toThrow(/HERALD_ERR_RECEIPT_INVALID|malformed/);
  });
});

describe('SnsVerifier.checkUrl', () => {
  const verifier = new SnsVerifier({ certHosts: ['sns.*.amazonaws.com'], topicArns: [] });
  it('allows https on an AWS SNS host only', () => {
    expect(verifier.checkUrl('https://sns.eu-west-1.amazonaws.com/x.pem', 'cert').host).toBe(
      'sns.eu-west-1.amazonaws.com',
    );
    for (const bad of [
      'http://sns.eu-west-1.amazonaws.com/x.pem',
      'https://sns.eu-west-1.amazonaws.com.evil.com/x.pem',
      'https://evil.com/sns.eu-west-1.amazonaws.com/x.pem',
      'https://a.b.sns.eu-west-1.amazonaws.com/x.pem',
      'not a url',
    ]) {
      expect(() => verifier.checkUrl(bad, 'cert')).toThrow(/HERALD_ERR_RECEIPT_SIGNATURE|refused/);
    }
  });
});
