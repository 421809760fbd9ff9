import { z } from 'zod';
import { flag } from '@herald/core';
import { secret, secretFile, tenantText } from '../config/setting-types.js';

/** The SMTP provider's part of `channelsEnv()`. */
export const smtpEnv = () => ({
  /** `smtp://user:password@host:587` (STARTTLS) or `smtps://user:password@host:465` (TLS). */
  HERALD_SMTP_URL: secret(),
  HERALD_SMTP_URL_FILE: secretFile(),
  HERALD_SMTP_FROM: z.string().optional(),
  /** Refuse servers that do not offer STARTTLS. */
  HERALD_SMTP_REQUIRE_TLS: flag(false),
  HERALD_SMTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(100).default(5),
});

/** A tenant's `smtp` section of HERALD_CHANNEL_TENANTS_FILE. */
export const smtpTenantSection = z.strictObject({ url: tenantText, from: tenantText }).partial();

/** `smtp://user:pass@host:587` → nodemailer's fields; a problem (without the URL) when malformed. */
export function parseSmtpUrl(
  raw: string,
  setting: string,
  problems: string[],
): { host: string; port: number; secure: boolean; user?: string; pass?: string } | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(
      `${setting} is not a URL; expected smtp://user:password@host:587 or smtps://…:465`,
    );
    return undefined;
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    problems.push(`${setting} must start with smtp:// (STARTTLS) or smtps:// (TLS)`);
    return undefined;
  }
  const secure = url.protocol === 'smtps:';
  if (url.hostname === '') {
    problems.push(`${setting} has no host; expected smtp://user:password@host:587`);
    return undefined;
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 465 : 587) : Number(url.port),
    secure,
    ...(url.username === '' ? {} : { user: decodeURIComponent(url.username) }),
    ...(url.password === '' ? {} : { pass: decodeURIComponent(url.password) }),
  };
}
