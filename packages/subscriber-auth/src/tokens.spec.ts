import { SignJWT } from 'jose';
import { isHeraldError } from '@herald/core';
import { readTenantSecrets, tenantSecretsFromJson } from './tenant-secrets.js';
import { issueSubscriberToken, verifySubscriberToken } from './tokens.js';

const a = 'a'.repeat(32);
const b = 'b'.repeat(32);
const secrets = tenantSecretsFromJson(JSON.stringify({ acme: a, globex: [b, 'old-'.repeat(8)] }));
const now = new Date('2030-01-01T00:00:00Z');

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isHeraldError(err)) return err.code;
    throw err;
  }
  throw new Error('accepted');
}

describe('subscriber tokens', () => {
  it('issues a token that verifies to its tenant and subscriber until it expires', async () => {
    const token = await issueSubscriberToken(secrets, {
      tenant: 'acme',
      subscriber: 'u-1',
      ttlSeconds: 60,
      now,
    });
    const who = await verifySubscriberToken(secrets, token, new Date(now.getTime() + 59_000));
    expect(who).toEqual({
      tenant: 'acme',
      subscriber: 'u-1',
      expiresAt: new Date(now.getTime() + 60_000),
    });
    expect(
      await refusal(verifySubscriberToken(secrets, token, new Date(now.getTime() + 61_000))),
    ).toBe('HERALD_ERR_GATEWAY_TOKEN_EXPIRED');
  });

  it('refuses a missing, malformed, forged or re-labelled token', async () => {
    expect(await refusal(verifySubscriberToken(secrets, undefined, now))).toBe(
      'HERALD_ERR_GATEWAY_TOKEN_INVALID',
    );
    expect(await refusal(verifySubscriberToken(secrets, 'not.a.jwt', now))).toBe(
      'HERALD_ERR_GATEWAY_TOKEN_INVALID',
    );
    // Signed with another tenant's secret but claiming acme.
    const forged = await new SignJWT({ tid: 'acme' })
      .setProtectedHeader({ alg: 'HS256', kid: 'acme' })
      .setSubject('u-1')
      .setAudience('herald-inbox')
      .setExpirationTime(Math.floor(now.getTime() / 1000) + 60)
      .sign(new TextEncoder().encode(b));
    expect(await refusal(verifySubscriberToken(secrets, forged, now))).toBe(
      'HERALD_ERR_GATEWAY_TOKEN_INVALID',
    );
    // A globex token whose header is edited to say acme fails acme's signature check.
    const globex = await issueSubscriberToken(secrets, {
      tenant: 'globex',
      subscriber: 'u-1',
      now,
    });
    const [, payload, sig] = globex.split('.');
    const relabelled = `${Buffer.from('{"alg":"HS256","kid":"acme"}').toString('base64url')}.${payload}.${sig}`;
    expect(await refusal(verifySubscriberToken(secrets, relabelled, now))).toBe(
      'HERALD_ERR_GATEWAY_TOKEN_INVALID',
    );
    // alg none is never accepted.
    const none = `${Buffer.from('{"alg":"none","kid":"acme"}').toString('base64url')}.${payload}.`;
    expect(await refusal(verifySubscriberToken(secrets, none, now))).toBe(
      'HERALD_ERR_GATEWAY_TOKEN_INVALID',
    );
  });

  it('accepts tokens of an older secret during a rotation', async () => {
    const old = tenantSecretsFromJson(JSON.stringify({ globex: 'old-'.repeat(8) }));
    const token = await issueSubscriberToken(old, { tenant: 'globex', subscriber: 'u-2', now });
    expect((await verifySubscriberToken(secrets, token, now)).subscriber).toBe('u-2');
  });

  it('reads secrets from the setting or its _FILE form, never quoting them in errors', () => {
    expect(readTenantSecrets({}, () => '')).toBeUndefined();
    const fromFile = readTenantSecrets({ HERALD_GATEWAY_TENANT_SECRETS_FILE: '/s' }, () =>
      JSON.stringify({ acme: a }),
    );
    expect(fromFile?.tenants).toEqual(['acme']);
    expect(() => tenantSecretsFromJson('{"acme": "short-secret-value"}')).toThrow(
      /at least 32 bytes/,
    );
    expect(() => tenantSecretsFromJson('{"acme": "short-secret-value"')).not.toThrow(
      /short-secret/,
    );
  });
});
