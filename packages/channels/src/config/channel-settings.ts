import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { apnsTenantSection } from '../apns/apns-settings.js';
import { fcmTenantSection } from '../fcm/fcm-settings.js';
import { mailgunTenantSection } from '../mailgun/mailgun-settings.js';
import { pagerdutyTenantSection } from '../pagerduty/pagerduty-settings.js';
import { postmarkTenantSection } from '../postmark/postmark-settings.js';
import { resendTenantSection } from '../resend/resend-settings.js';
import { sendgridTenantSection } from '../sendgrid/sendgrid-settings.js';
import { sesTenantSection } from '../ses/ses-settings.js';
import { slackTenantSection } from '../slack/slack-settings.js';
import { snsTenantSection } from '../sns/sns-settings.js';
import { smtpTenantSection } from '../smtp/smtp-settings.js';
import { telegramTenantSection } from '../telegram/telegram-settings.js';
import { twilioTenantSection } from '../twilio/twilio-settings.js';
import { vonageTenantSection } from '../vonage/vonage-settings.js';
import { webPushTenantSection } from '../webpush/webpush-settings.js';
import { webhookTenantSection } from '../webhook/webhook-settings.js';
import type { ChannelsEnv } from './channels-env.js';
import { Secret } from './secret.js';

/** Reads a secret file; the default is `readFileSync` (start-up only, never per send). */
export type ReadSecretFile = (path: string) => string;

// Each provider's section lives in its folder, beside its settings.
const tenantSections = z.strictObject({
  ses: sesTenantSection,
  smtp: smtpTenantSection,
  resend: resendTenantSection,
  sendgrid: sendgridTenantSection,
  postmark: postmarkTenantSection,
  mailgun: mailgunTenantSection,
  twilio: twilioTenantSection,
  sns: snsTenantSection,
  vonage: vonageTenantSection,
  fcm: fcmTenantSection,
  apns: apnsTenantSection,
  webpush: webPushTenantSection,
  slack: slackTenantSection,
  telegram: telegramTenantSection,
  pagerduty: pagerdutyTenantSection,
  webhook: webhookTenantSection,
});

/** Per-tenant credentials, by tenant then provider, as `HERALD_CHANNEL_TENANTS_FILE` holds them. */
export type TenantCredentials = Readonly<Record<string, Partial<z.infer<typeof tenantSections>>>>;

const tenantsFile = z.record(z.string().min(1), tenantSections.partial());

/**
 * Reads credentials from an app's parsed `channelsEnv()` settings: each `X` from its
 * value or from the file named by `X_FILE`, read here, once. Problems are collected
 * (`problems`), never thrown one by one, and never quote a credential: a JSON error
 * gives no excerpt, a bad URL no URL.
 */
export class ChannelSettingsReader {
  readonly #env: ChannelsEnv;
  readonly #readFile: ReadSecretFile;
  readonly #cache = new Map<string, string | undefined>();
  #tenants: TenantCredentials | undefined;
  /** Problems found so far, each naming the setting and the fix. */
  readonly problems: string[] = [];

  constructor(env: ChannelsEnv, readFile: ReadSecretFile = (path) => readFileSync(path, 'utf8')) {
    this.#env = env;
    this.#readFile = readFile;
  }

  /** A plain setting (not a credential). */
  value(name: keyof ChannelsEnv & string): string | undefined {
    const value = this.#env[name];
    return typeof value === 'string' ? value : undefined;
  }

  /** A credential from `name` or `name_FILE`; undefined when neither is set. */
  secret(name: keyof ChannelsEnv & string): string | undefined {
    if (this.#cache.has(name)) return this.#cache.get(name);
    const direct = (this.#env as Record<string, unknown>)[name];
    const fileName = `${name}_FILE`;
    const file = (this.#env as Record<string, unknown>)[fileName];
    let value: string | undefined;
    if (direct instanceof Secret && typeof file === 'string') {
      this.problems.push(`set ${name} or ${fileName}, not both`);
    } else if (direct instanceof Secret) {
      value = String(direct.reveal());
    } else if (typeof file === 'string') {
      try {
        value = this.#readFile(file).trimEnd();
        if (value === '') this.problems.push(`${fileName}: ${file} is empty`);
      } catch (err) {
        this.problems.push(
          `${fileName}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
    }
    this.#cache.set(name, value === '' ? undefined : value);
    return value === '' ? undefined : value;
  }

  /** A JSON credential (secret maps, a service account key). */
  json(name: keyof ChannelsEnv & string, expected: string): unknown {
    const raw = this.secret(name);
    if (raw === undefined) return undefined;
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      // JSON.parse quotes the text around the error: never show it.
      this.problems.push(`${name} is not valid JSON; expected ${expected}`);
      return undefined;
    }
  }

  /** `HERALD_CHANNEL_TENANTS_FILE`, read and checked once; `{}` when unset. */
  tenants(): TenantCredentials {
    if (this.#tenants !== undefined) return this.#tenants;
    this.#tenants = {};
    const path = this.#env.HERALD_CHANNEL_TENANTS_FILE;
    if (path === undefined) return this.#tenants;
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.#readFile(path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      this.problems.push(
        `HERALD_CHANNEL_TENANTS_FILE: ${code === undefined ? `${path} is not valid JSON` : `cannot read ${path}: ${code}`}`,
      );
      return this.#tenants;
    }
    const result = tenantsFile.safeParse(parsed);
    if (!result.success) {
      for (const issue of result.error.issues.slice(0, 10)) {
        this.problems.push(
          `HERALD_CHANNEL_TENANTS_FILE: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
        );
      }
      return this.#tenants;
    }
    this.#tenants = result.data;
    return this.#tenants;
  }

  /** The tenants' section for one provider, e.g. every tenant's `ses` credentials. */
  tenantsOf<K extends keyof z.infer<typeof tenantSections>>(
    provider: K,
  ): Record<string, z.infer<typeof tenantSections>[K]> {
    const out: Record<string, z.infer<typeof tenantSections>[K]> = {};
    for (const [tenant, sections] of Object.entries(this.tenants())) {
      const section = sections[provider];
      if (section !== undefined) out[tenant] = section as z.infer<typeof tenantSections>[K];
    }
    return out;
  }
}
