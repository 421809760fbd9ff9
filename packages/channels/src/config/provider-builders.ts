import { createDiscordProvider } from '../discord/discord-provider.js';
import { createFcmProvider, type FcmCredentials } from '../fcm/fcm-provider.js';
import type { ChannelProvider } from '../http/http-provider.js';
import { createPagerDutyProvider } from '../pagerduty/pagerduty-provider.js';
import { createResendProvider } from '../resend/resend-provider.js';
import { createSesProvider } from '../ses/ses-provider.js';
import { createSlackProvider } from '../slack/slack-provider.js';
import { createSmtpProvider, type SmtpCredentials } from '../smtp/smtp-provider.js';
import { createTeamsProvider } from '../teams/teams-provider.js';
import { createTelegramProvider } from '../telegram/telegram-provider.js';
import { createTwilioProvider } from '../twilio/twilio-provider.js';
import { createWebhookProvider } from '../webhook/webhook-provider.js';
import type { WebhookSecrets } from '../webhook/webhook-provider-config.js';
import { WebhookSigner } from '../webhook/webhook-signer.js';
import type { ChannelName } from '@herald/core';
import type { ChannelRouterOptions } from './channel-router-options.js';
import { parseSmtpUrl, type ChannelSettingsReader } from './channel-settings.js';
import type { ChannelsEnv } from './channels-env.js';

export interface BuildContext {
  readonly reader: ChannelSettingsReader;
  readonly env: ChannelsEnv;
  readonly options: ChannelRouterOptions;
  /** Records a problem that stops start-up. */
  problem(message: string): void;
  /** Records a limitation the worker logs at start-up. */
  warn(message: string): void;
}

interface ProviderBuilder {
  /** The provider this channel will use, for messages. */
  providerName(reader: ChannelSettingsReader): string;
  build(context: BuildContext): ChannelProvider | undefined;
}

/**
 * Checks that each required credential is set, shared or, for every tenant of the
 * tenants file with a section for this provider, in the merged tenant view.
 * `fields` maps a credential key to [its setting name, its shared value].
 */
function requireFields(
  context: BuildContext,
  provider: string,
  fields: Readonly<Record<string, readonly [setting: string, shared: unknown]>>,
  tenants: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): void {
  const missing = Object.entries(fields).filter(([, [, shared]]) => shared === undefined);
  if (missing.length > 0 && Object.keys(tenants).length === 0) {
    context.problem(
      `${missing.map(([, [setting]]) => setting).join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set (or the same with _FILE, or per tenant in HERALD_CHANNEL_TENANTS_FILE)`,
    );
    return;
  }
  for (const [tenant, own] of Object.entries(tenants)) {
    const gaps = missing.filter(([key]) => own[key] === undefined);
    if (gaps.length > 0) {
      context.problem(
        `tenant ${tenant} has no ${gaps.map(([key, [setting]]) => `${key} (${provider}.${key} in HERALD_CHANNEL_TENANTS_FILE, or ${setting})`).join(', ')}`,
      );
    }
  }
}

const common = (context: BuildContext) => ({
  timeoutMs: context.env.HERALD_CHANNEL_TIMEOUT_MS,
  ...(context.options.now === undefined ? {} : { now: context.options.now }),
});

const chatPolicy = (context: BuildContext) => ({
  ...common(context),
  allowPrivateNetworks: context.env.HERALD_CHAT_ALLOW_PRIVATE_NETWORKS,
  ...(context.options.lookup === undefined ? {} : { lookup: context.options.lookup }),
});

function checkWebhookSecrets(
  context: BuildContext,
  where: string,
  secrets: unknown,
): WebhookSecrets {
  if (
    typeof secrets !== 'object' ||
    secrets === null ||
    Array.isArray(secrets) ||
    !Object.values(secrets).every(
      (s) =>
        typeof s === 'string' ||
        (Array.isArray(s) && s.length > 0 && s.every((x) => typeof x === 'string')),
    )
  ) {
    context.problem(
      `${where}: expected {"ref": "whsec_..."} or {"ref": ["whsec_new", "whsec_old"]}`,
    );
    return {};
  }
  for (const [ref, value] of Object.entries(secrets as WebhookSecrets)) {
    try {
      // Refuses malformed secrets now instead of on the first job; never echoes them.
      new WebhookSigner(typeof value === 'string' ? [value] : value, ref);
    } catch (err) {
      context.problem(`${where}: ${(err as Error).message}`);
    }
  }
  return secrets as WebhookSecrets;
}

/** The provider's own sender, else the shared HERALD_EMAIL_FROM. */
function email(context: BuildContext, own: string | undefined) {
  return own ?? context.env.HERALD_EMAIL_FROM;
}

const emailBuilders: Record<'ses' | 'smtp' | 'resend', (c: BuildContext) => ChannelProvider> = {
  ses(context) {
    const { reader, env } = context;
    const tenants = reader.tenantsOf('ses');
    const shared = {
      region: env.HERALD_SES_REGION,
      accessKeyId: reader.secret('HERALD_SES_ACCESS_KEY_ID'),
      secretAccessKey: reader.secret('HERALD_SES_SECRET_ACCESS_KEY'),
      sessionToken: reader.secret('HERALD_SES_SESSION_TOKEN'),
      from: email(context, env.HERALD_SES_FROM),
      configurationSetName: env.HERALD_SES_CONFIGURATION_SET,
    };
    requireFields(
      context,
      'ses',
      {
        region: ['HERALD_SES_REGION', shared.region],
        accessKeyId: ['HERALD_SES_ACCESS_KEY_ID', shared.accessKeyId],
        secretAccessKey: ['HERALD_SES_SECRET_ACCESS_KEY', shared.secretAccessKey],
        from: ['HERALD_SES_FROM or HERALD_EMAIL_FROM', shared.from],
      },
      tenants,
    );
    return createSesProvider({
      ...defined(shared),
      ...common(context),
      ...(env.HERALD_SES_ENDPOINT === undefined ? {} : { endpoint: env.HERALD_SES_ENDPOINT }),
      tenants,
    });
  },
  smtp(context) {
    const { reader, env } = context;
    const raw = reader.secret('HERALD_SMTP_URL');
    const server =
      raw === undefined ? undefined : parseSmtpUrl(raw, 'HERALD_SMTP_URL', reader.problems);
    const tenants: Record<string, SmtpCredentials> = {};
    for (const [tenant, own] of Object.entries(reader.tenantsOf('smtp'))) {
      const parsed =
        own.url === undefined
          ? {}
          : (parseSmtpUrl(own.url, `tenant ${tenant} smtp.url`, reader.problems) ?? {});
      tenants[tenant] = { ...parsed, ...(own.from === undefined ? {} : { from: own.from }) };
    }
    const from = email(context, env.HERALD_SMTP_FROM);
    requireFields(
      context,
      'smtp',
      {
        // A malformed URL is already reported; do not also call it missing.
        host: ['HERALD_SMTP_URL', raw === undefined ? undefined : (server?.host ?? raw)],
        from: ['HERALD_SMTP_FROM or HERALD_EMAIL_FROM', from],
      },
      tenants as Record<string, Record<string, unknown>>,
    );
    return createSmtpProvider({
      ...server,
      ...defined({ from }),
      requireTls: env.HERALD_SMTP_REQUIRE_TLS,
      maxConnections: env.HERALD_SMTP_MAX_CONNECTIONS,
      timeoutMs: env.HERALD_CHANNEL_TIMEOUT_MS,
      tenants,
    });
  },
  resend(context) {
    const { reader, env } = context;
    const tenants = reader.tenantsOf('resend');
    const shared = {
      apiKey: reader.secret('HERALD_RESEND_API_KEY'),
      from: email(context, env.HERALD_RESEND_FROM),
    };
    requireFields(
      context,
      'resend',
      {
        apiKey: ['HERALD_RESEND_API_KEY', shared.apiKey],
        from: ['HERALD_RESEND_FROM or HERALD_EMAIL_FROM', shared.from],
      },
      tenants,
    );
    return createResendProvider({
      ...defined(shared),
      ...common(context),
      ...defined({ apiUrl: env.HERALD_RESEND_API_URL }),
      tenants,
    });
  },
};

/** Drops undefined values, for configs under `exactOptionalPropertyTypes`. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

function serviceAccount(
  context: BuildContext,
  json: unknown,
  where: string,
): FcmCredentials | undefined {
  if (json === undefined) return undefined;
  const sa = json as Record<string, unknown>;
  if (
    typeof sa !== 'object' ||
    sa === null ||
    typeof sa.client_email !== 'string' ||
    typeof sa.private_key !== 'string'
  ) {
    context.problem(`${where}: expected a service account key with client_email and private_key`);
    return undefined;
  }
  return {
    ...(typeof sa.project_id === 'string' ? { projectId: sa.project_id } : {}),
    // A fresh object per app: firebase-admin writes into the one it is given.
    serviceAccount: {
      ...(typeof sa.project_id === 'string' ? { projectId: sa.project_id } : {}),
      clientEmail: sa.client_email,
      privateKey: sa.private_key,
    },
  };
}

export const providerBuilders: Record<ChannelName, ProviderBuilder> = {
  webhook: {
    providerName: () => 'webhook',
    build(context) {
      const { reader, env } = context;
      const json = reader.json('HERALD_WEBHOOK_SECRETS', '{"default": "whsec_..."}');
      const secrets =
        json === undefined ? {} : checkWebhookSecrets(context, 'HERALD_WEBHOOK_SECRETS', json);
      const tenants: Record<string, { secrets: WebhookSecrets }> = {};
      for (const [tenant, own] of Object.entries(reader.tenantsOf('webhook'))) {
        tenants[tenant] = {
          secrets: checkWebhookSecrets(context, `tenant ${tenant} webhook.secrets`, own.secrets),
        };
      }
      if (Object.keys(secrets).length === 0 && Object.keys(tenants).length === 0)
        context.warn('no webhook secrets configured; jobs naming a secret will fail');
      return createWebhookProvider({
        secrets,
        tenants,
        timeoutMs: env.HERALD_WEBHOOK_TIMEOUT_MS,
        connectionsPerOrigin: env.HERALD_WEBHOOK_CONNECTIONS_PER_ORIGIN,
        allowPrivateNetworks: env.HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS,
        ...defined({ now: context.options.now, lookup: context.options.lookup }),
      });
    },
  },
  email: {
    providerName: (reader) => reader.value('HERALD_EMAIL_PROVIDER') ?? 'email',
    build(context) {
      const choice = context.env.HERALD_EMAIL_PROVIDER;
      if (choice === undefined) {
        context.problem('HERALD_EMAIL_PROVIDER is not set; set it to ses, smtp or resend');
        return undefined;
      }
      return emailBuilders[choice](context);
    },
  },
  sms: {
    providerName: () => 'twilio',
    build(context) {
      const { reader, env } = context;
      const tenants = reader.tenantsOf('twilio');
      const shared = {
        accountSid: env.HERALD_TWILIO_ACCOUNT_SID,
        authToken: reader.secret('HERALD_TWILIO_AUTH_TOKEN'),
        from: env.HERALD_TWILIO_FROM,
        messagingServiceSid: env.HERALD_TWILIO_MESSAGING_SERVICE_SID,
      };
      requireFields(
        context,
        'twilio',
        {
          accountSid: ['HERALD_TWILIO_ACCOUNT_SID', shared.accountSid],
          authToken: ['HERALD_TWILIO_AUTH_TOKEN', shared.authToken],
          from: [
            'HERALD_TWILIO_FROM or HERALD_TWILIO_MESSAGING_SERVICE_SID',
            shared.from ?? shared.messagingServiceSid,
          ],
        },
        Object.fromEntries(
          Object.entries(tenants).map(([t, own]) => [
            t,
            { ...own, from: own.from ?? own.messagingServiceSid },
          ]),
        ),
      );
      return createTwilioProvider({
        ...defined(shared),
        ...common(context),
        ...defined({ apiUrl: env.HERALD_TWILIO_API_URL }),
        tenants,
      });
    },
  },
  push: {
    providerName: () => 'fcm',
    build(context) {
      const { reader, env } = context;
      const shared = serviceAccount(
        context,
        reader.json('HERALD_FCM_SERVICE_ACCOUNT', 'the service account key JSON'),
        'HERALD_FCM_SERVICE_ACCOUNT',
      );
      const projectId = env.HERALD_FCM_PROJECT_ID ?? shared?.projectId;
      const tenants: Record<string, FcmCredentials> = {};
      for (const [tenant, own] of Object.entries(reader.tenantsOf('fcm'))) {
        const sa = serviceAccount(
          context,
          own.serviceAccount,
          `tenant ${tenant} fcm.serviceAccount`,
        );
        tenants[tenant] = { ...sa, ...defined({ projectId: own.projectId ?? sa?.projectId }) };
      }
      requireFields(
        context,
        'fcm',
        {
          serviceAccount: ['HERALD_FCM_SERVICE_ACCOUNT', shared?.serviceAccount],
          projectId: ['HERALD_FCM_PROJECT_ID', projectId],
        },
        tenants as Record<string, Record<string, unknown>>,
      );
      return createFcmProvider({
        ...defined({ serviceAccount: shared?.serviceAccount, projectId }),
        timeoutMs: env.HERALD_CHANNEL_TIMEOUT_MS,
        ...defined({ httpAgent: context.options.fcmHttpAgent }),
        tenants,
      });
    },
  },
  slack: {
    providerName: () => 'slack',
    build(context) {
      const { reader, env } = context;
      const botToken = reader.secret('HERALD_SLACK_BOT_TOKEN');
      const tenants = reader.tenantsOf('slack');
      if (botToken === undefined && Object.keys(tenants).length === 0)
        context.warn(
          'HERALD_SLACK_BOT_TOKEN is not set: incoming-webhook addresses work, channel ids fail permanently',
        );
      return createSlackProvider({
        ...defined({ botToken, apiUrl: env.HERALD_SLACK_API_URL }),
        ...chatPolicy(context),
        tenants,
      });
    },
  },
  discord: {
    providerName: () => 'discord',
    build: (context) => createDiscordProvider(chatPolicy(context)),
  },
  teams: {
    providerName: () => 'teams',
    build: (context) => createTeamsProvider(chatPolicy(context)),
  },
  telegram: {
    providerName: () => 'telegram',
    build(context) {
      const { reader, env } = context;
      const botToken = reader.secret('HERALD_TELEGRAM_BOT_TOKEN');
      const tenants = reader.tenantsOf('telegram');
      requireFields(
        context,
        'telegram',
        { botToken: ['HERALD_TELEGRAM_BOT_TOKEN', botToken] },
        tenants,
      );
      return createTelegramProvider({
        ...defined({ botToken, apiUrl: env.HERALD_TELEGRAM_API_URL }),
        ...common(context),
        tenants,
      });
    },
  },
  pagerduty: {
    providerName: () => 'pagerduty',
    build(context) {
      const { reader, env } = context;
      const keys = reader.json(
        'HERALD_PAGERDUTY_ROUTING_KEYS',
        '{"payments": "<integration key>"}',
      );
      if (
        keys !== undefined &&
        (typeof keys !== 'object' ||
          keys === null ||
          Array.isArray(keys) ||
          !Object.values(keys).every((k) => typeof k === 'string'))
      ) {
        context.problem('HERALD_PAGERDUTY_ROUTING_KEYS: expected {"name": "<integration key>"}');
      }
      return createPagerDutyProvider({
        ...defined({
          routingKeys: keys as Record<string, string> | undefined,
          apiUrl: env.HERALD_PAGERDUTY_API_URL,
          source: env.HERALD_PAGERDUTY_SOURCE,
        }),
        ...common(context),
        tenants: reader.tenantsOf('pagerduty'),
      });
    },
  },
  inapp: {
    providerName: () => 'inapp',
    build(context) {
      context.problem(
        'no delivery provider for the inapp channel in this build; remove it from the worker channels',
      );
      return undefined;
    },
  },
};
