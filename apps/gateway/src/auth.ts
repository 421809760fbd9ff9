import type { IncomingHttpHeaders } from 'node:http';
import { isHeraldError } from '@herald/core';
import {
  verifySubscriberToken,
  type SubscriberIdentity,
  type TenantSecrets,
} from '@herald/subscriber-auth';
import type { RefusalReason } from './gateway-telemetry.js';

/**
 * The token of a request: `Authorization: Bearer …`, else `?token=` (EventSource and
 * browser WebSockets cannot set headers). Tokens are short-lived for that reason.
 */
export function tokenOf(headers: IncomingHttpHeaders, url: string | undefined): string | undefined {
  const header = headers.authorization;
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim();
  const q = url?.indexOf('?') ?? -1;
  if (q < 0 || url === undefined) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('token') ?? undefined;
}

export type AuthResult =
  | { readonly ok: true; readonly identity: SubscriberIdentity }
  | {
      readonly ok: false;
      readonly reason: RefusalReason;
      readonly code: string;
      readonly message: string;
    };

/** Verifies without throwing: every refusal names its reason for the metric and the client. */
export async function authenticate(
  secrets: TenantSecrets,
  token: string | undefined,
  now: Date,
): Promise<AuthResult> {
  try {
    return { ok: true, identity: await verifySubscriberToken(secrets, token, now) };
  } catch (err) {
    if (isHeraldError(err)) {
      const reason: RefusalReason =
        err.code === 'HERALD_ERR_GATEWAY_TOKEN_EXPIRED'
          ? 'token_expired'
          : token === undefined || token === ''
            ? 'token_missing'
            : 'token_invalid';
      return { ok: false, reason, code: err.code, message: err.message };
    }
    return {
      ok: false,
      reason: 'token_invalid',
      code: 'HERALD_ERR_GATEWAY_TOKEN_INVALID',
      message: 'token refused',
    };
  }
}
