import { generateKeyPairSync, sign } from 'node:crypto';
import {
  sendgridPublicKey,
  sendgridReceipts,
  verifySendgridSignature,
} from './sendgrid-receipts.js';

const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const KEY_B64 = pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const NOW = new Date('2026-11-21T08:00:00Z');
const TS = String(NOW.getTime() / 1000);

/** Signs as SendGrid does: ECDSA P-256, SHA-256, over timestamp + body, base64 DER. */
const signed = (body: string, timestamp = TS) =>
  sign('sha256', Buffer.from(timestamp + body), pair.privateKey).toString('base64');

describe('verifySendgridSignature', () => {
  const key = sendgridPublicKey(KEY_B64);
  const body = '[{"event":"delivered","herald_notification_id":"n-1"}]';

  it('accepts a valid signature', () => {
    expect(() =>
      verifySendgridSignature(key, Buffer.from(body), signed(body), TS, NOW),
    ).not.toThrow();
  });

  it('refuses a tampered body, another timestamp, garbage, missing headers', () => {
    const signature = signed(body);
    const tampered = body.replace('delivered', 'bounce');
    expect(() => verifySendgridSignature(key, Buffer.from(tampered), signature, TS, NOW)).toThrow(
      /does not match/,
    );
    expect(() =>
      verifySendgridSignature(key, Buffer.from(body), signature, String(Number(TS) + 1), NOW),
    ).toThrow(/does not match/);
    expect(() => verifySendgridSignature(key, Buffer.from(body), 'bm90LWRlcg==', TS, NOW)).toThrow(
      /does not match/,
    );
    expect(() => verifySendgridSignature(key, Buffer.from(body), undefined, TS, NOW)).toThrow(
      /headers are required/,
    );
  });

  it('refuses a stale timestamp even when signed', () => {
    const later = new Date(NOW.getTime() + 6 * 60_000);
    expect(() => verifySendgridSignature(key, Buffer.from(body), signed(body), TS, later)).toThrow(
      /more than 300s from now/,
    );
  });

  it('refuses a key that is not P-256', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() =>
      sendgridPublicKey(rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64')),
    ).toThrow(/P-256/);
  });
});

describe('sendgridReceipts', () => {
  const ev = (fields: object) => ({
    herald_notification_id: 'n-1',
    sg_message_id: 'msg-1.filter0001.1.2',
    timestamp: NOW.getTime() / 1000,
    ...fields,
  });

  it('maps delivered, bounce, blocked, dropped; ignores deferred, opens and foreign mail', () => {
    const receipts = sendgridReceipts(
      JSON.stringify([
        ev({ event: 'processed' }),
        ev({ event: 'deferred' }),
        ev({ event: 'delivered' }),
        ev({ event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 no mailbox' }),
        ev({ event: 'bounce', type: 'blocked', status: '5.7.1' }),
        ev({ event: 'dropped', reason: 'Bounced Address' }),
        ev({ event: 'open' }),
        { event: 'delivered', sg_message_id: 'not-ours.filter' },
      ]),
      NOW,
    );
    expect(receipts.map((r) => r.state)).toEqual(['delivered', 'bounced', 'failed', 'failed']);
    expect(receipts[0]).toEqual({
      provider: 'sendgrid',
      state: 'delivered',
      notificationId: 'n-1',
      providerMessageId: 'msg-1',
      occurredAt: '2026-11-21T08:00:00.000Z',
    });
    expect(receipts[1]).toMatchObject({ reason: 'bounce (5.1.1)', message: '550 no mailbox' });
    expect(receipts[3]).toMatchObject({ reason: 'dropped: Bounced Address' });
  });

  it('refuses a body that is not a JSON array', () => {
    expect(() => sendgridReceipts('{"event":"delivered"}', NOW)).toThrow(/array of events/);
    expect(() => sendgridReceipts('nope', NOW)).toThrow(/not JSON/);
  });
});
