import { errors, jwtVerify, SignJWT } from 'jose';
import { HeraldError } from '@herald/core';
import type { TenantSecrets } from './tenant-secrets.js';

/** Who a verified token speaks for: one subscriber of one tenant, until `expiresAt`. */
export interface SubscriberIdentity {
  readonly tenant: string;
  readonly subscriber: string;
  readonly expiresAt: Date;
}

export interface IssueOptions {
  readonly tenant: string;
  readonly subscriber: string;
  /** Lifetime in seconds (default 3600). Short on purpose: the customer's backend re-issues. */
  readonly ttlSeconds?: number;
  readonly now?: Date;
}

const ALG = 'HS256';
/** The audience every subscriber token names, so a token minted for another use never passes. */
export const SUBSCRIBER_AUDIENCE = 'herald-inbox';
const MAX_TTL_SECONDS = 7 * 24 * 3600;
const idPattern = /^[A-Za-z0-9._:@+-]{1,200}$/;

/**
 * Signs a subscriber token: an HS256 JWT with `tid` (tenant), `sub` (subscriber),
 * `aud`, `iat` and `exp`, keyed by the tenant's newest secret. The header's `kid`
 * is the tenant, so the verifier picks the right secret without trusting the body.
 *
 * @example
 * const token = await issueSubscriberToken(secrets, { tenant: 'acme', subscriber: 'u-1', ttlSeconds: 900 });
 */
export async function issueSubscriberToken(
  secrets: TenantSecrets,
  options: IssueOptions,
): Promise<string> {
  const { tenant, subscriber } = options;
  const ttl = options.ttlSeconds ?? 3600;
  if (!idPattern.test(tenant) || !idPattern.test(subscriber)) {
    throw new HeraldError('HERALD_ERR_GATEWAY_TOKEN_INVALID', [
      'tenant and subscriber must be 1-200 characters of letters, digits and ._:@+-',
    ]);
  }
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw new HeraldError('HERALD_ERR_GATEWAY_TOKEN_INVALID', [
      `ttl must be 1 s to 7 days, got ${String(ttl)} s`,
    ]);
  }
  const keys = secrets.keysFor(tenant);
  if (keys === undefined) {
    throw new HeraldError('HERALD_ERR_GATEWAY_TOKEN_INVALID', [
      `no secret for tenant ${tenant} (HERALD_GATEWAY_TENANT_SECRETS)`,
    ]);
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  return new SignJWT({ tid: tenant })
    .setProtectedHeader({ alg: ALG, kid: tenant, typ: 'JWT' })
    .setSubject(subscriber)
    .setAudience(SUBSCRIBER_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(keys[0]!);
}

function refused(reason: string): HeraldError {
  return new HeraldError('HERALD_ERR_GATEWAY_TOKEN_INVALID', [reason]);
}

/** The `kid` of a compact JWS header, read without trusting it (it only picks a key). */
function headerKid(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString()) as unknown;
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a subscriber token against the secrets of the tenant its header names
 * (every listed secret, newest first, so a rotation keeps old tokens valid until they
 * expire) and returns who it speaks for. Every refusal is a
 * `HERALD_ERR_GATEWAY_TOKEN_INVALID` (or `_EXPIRED`) naming the reason, never the token.
 */
export async function verifySubscriberToken(
  secrets: TenantSecrets,
  token: string | undefined,
  now: Date = new Date(),
): Promise<SubscriberIdentity> {
  if (token === undefined || token === '') throw refused('no token');
  if (token.length > 4096) throw refused('token longer than 4096 characters');
  const tenant = headerKid(token);
  if (tenant === undefined) throw refused('not a JWT with a kid (tenant) header');
  const keys = secrets.keysFor(tenant);
  if (keys === undefined) throw refused(`unknown tenant ${tenant.slice(0, 64)}`);
  let lastError: unknown;
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALG],
        audience: SUBSCRIBER_AUDIENCE,
        currentDate: now,
        requiredClaims: ['exp', 'sub', 'tid'],
      });
      if (payload.tid !== tenant) throw refused('tid claim differs from the kid header');
      if (typeof payload.sub !== 'string' || !idPattern.test(payload.sub)) {
        throw refused('sub claim is not a subscriber id');
      }
      return { tenant, subscriber: payload.sub, expiresAt: new Date(payload.exp! * 1000) };
    } catch (err) {
      if (err instanceof HeraldError) throw err;
      if (err instanceof errors.JWTExpired) {
        throw new HeraldError('HERALD_ERR_GATEWAY_TOKEN_EXPIRED', [tenant.slice(0, 64)]);
      }
      lastError = err;
      // A signature failure may be a rotated key: try the next one.
      if (err instanceof errors.JWSSignatureVerificationFailed) continue;
      break;
    }
  }
  if (lastError instanceof errors.JWSSignatureVerificationFailed) throw refused('bad signature');
  if (lastError instanceof errors.JWTClaimValidationFailed) {
    throw refused(`claim ${lastError.claim} is invalid (${lastError.reason})`);
  }
  throw refused(lastError instanceof errors.JOSEError ? lastError.code : 'malformed token');
}
