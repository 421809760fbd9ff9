import { createHash, createHmac } from 'node:crypto';
import { isHeraldError } from '@herald/core';
import {
  vonageParams,
  vonageReceipt,
  vonageSignature,
  type VonageSignatureMethod,
} from './vonage-receipts.js';

const SECRET = 'vonage-signature-secret';
const NOW = new Date('2026-11-21T08:00:00Z');
const TS = String(NOW.getTime() / 1000);

/** A DLR as Vonage sends it (SMS API delivery receipt fields), signed. */
function dlr(
  fields: Record<string, string>,
  method: VonageSignatureMethod = 'md5hash',
  secret = SECRET,
): Record<string, string> {
  const params = {
    msisdn: '4915112345678',
    to: 'Acme',
    'network-code': '26201',
    messageId: '0A0000001234567B',
    price: '0.03330000',
    scts: '2611210800',
    'message-timestamp': '2026-11-21 08:00:00',
    timestamp: TS,
    nonce: 'a1b2c3',
    'client-ref': 'n-1',
    ...fields,
  };
  return { ...params, sig: vonageSignature(secret, method, params) };
}

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return isHeraldError(err) ? err.code : String(err);
  }
  return 'accepted';
};

describe('vonageSignature', () => {
  it('is the documented md5 hash of the sorted &name=value string plus the secret', () => {
    expect(vonageSignature('s', 'md5hash', { b: '2', a: 'x&y=z', sig: 'ignored' })).toBe(
      createHash('md5').update('&a=x_y_z&b=2s').digest('hex'),
    );
  });

  it('is the hex HMAC of the same string for the HMAC methods', () => {
    expect(vonageSignature('s', 'sha256', { b: '2', a: '1' })).toBe(
      createHmac('sha256', 's').update('&a=1&b=2').digest('hex'),
    );
  });
});

describe('vonageReceipt', () => {
  it('maps delivered, with the client-ref and messageId', () => {
    expect(
      vonageReceipt(SECRET, 'md5hash', dlr({ status: 'delivered', 'err-code': '0' }), NOW),
    ).toEqual({
      provider: 'vonage',
      state: 'delivered',
      notificationId: 'n-1',
      providerMessageId: '0A0000001234567B',
      occurredAt: '2026-11-21T08:00:00.000Z',
    });
  });

  it.each(['failed', 'rejected', 'expired'])('maps %s to failed with the err-code', (status) => {
    expect(vonageReceipt(SECRET, 'md5hash', dlr({ status, 'err-code': '6' }), NOW)).toMatchObject({
      state: 'failed',
      reason: `${status}: Vonage err-code 6`,
    });
  });

  it('ignores progress statuses', () => {
    for (const status of ['accepted', 'buffered', 'unknown'])
      expect(vonageReceipt(SECRET, 'md5hash', dlr({ status }), NOW)).toBeUndefined();
  });

  it('verifies HMAC-SHA256 signatures, in either case of hex', () => {
    const params = dlr({ status: 'delivered' }, 'sha256');
    expect(
      vonageReceipt(SECRET, 'sha256', { ...params, sig: params.sig!.toUpperCase() }, NOW),
    ).toMatchObject({ state: 'delivered' });
  });

  it('refuses a forged, tampered, unsigned or stale receipt', () => {
    const good = dlr({ status: 'delivered' });
    expect(
      refusal(() =>
        vonageReceipt(SECRET, 'md5hash', dlr({ status: 'delivered' }, 'md5hash', 'other'), NOW),
      ),
    ).toBe('HERALD_ERR_RECEIPT_SIGNATURE');
    expect(
      refusal(() => vonageReceipt(SECRET, 'md5hash', { ...good, status: 'failed' }, NOW)),
    ).toBe('HERALD_ERR_RECEIPT_SIGNATURE');
    expect(refusal(() => vonageReceipt(SECRET, 'sha256', good, NOW))).toBe(
      'HERALD_ERR_RECEIPT_SIGNATURE',
    );
    const { sig: _sig, ...unsigned } = good;
    expect(refusal(() => vonageReceipt(SECRET, 'md5hash', unsigned, NOW))).toBe(
      'HERALD_ERR_RECEIPT_SIGNATURE',
    );
    const later = new Date(NOW.getTime() + 6 * 60_000);
    expect(refusal(() => vonageReceipt(SECRET, 'md5hash', good, later))).toBe(
      'HERALD_ERR_RECEIPT_SIGNATURE',
    );
  });

  it('refuses a signed receipt without status or any id', () => {
    const params = dlr({ 'client-ref': '', messageId: '', status: 'delivered' });
    expect(refusal(() => vonageReceipt(SECRET, 'md5hash', params, NOW))).toBe(
      'HERALD_ERR_RECEIPT_INVALID',
    );
  });
});

describe('vonageParams', () => {
  it('reads the query (GET), a form body and a JSON body (numbers as text)', () => {
    expect(vonageParams(new URLSearchParams('status=delivered&sig=x'), '', undefined)).toEqual({
      status: 'delivered',
      sig: 'x',
    });
    expect(
      vonageParams(
        new URLSearchParams(),
        'status=failed&err-code=6',
        'application/x-www-form-urlencoded',
      ),
    ).toEqual({ status: 'failed', 'err-code': '6' });
    expect(
      vonageParams(
        new URLSearchParams(),
        '{"status":"delivered","timestamp":1795248000}',
        'application/json',
      ),
    ).toEqual({ status: 'delivered', timestamp: '1795248000' });
    expect(refusal(() => vonageParams(new URLSearchParams(), '{', 'application/json'))).toBe(
      'HERALD_ERR_RECEIPT_INVALID',
    );
  });
});
