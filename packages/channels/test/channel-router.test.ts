// Provider configuration from settings: channelsEnv() parsed like an app does, then
// createChannelRouter builds every provider and each one sends to its local server.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import https from 'node:https';
import { inspect } from 'node:util';
import { parseEnv, type ChannelName, type Logger, type RenderedContent } from '@herald/core';
import { channelsEnv, createChannelRouter, type ChannelRouter } from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { startFcmServer, type FcmServer } from './servers/fcm-server.js';
import {
  startDiscordServer,
  startPagerDutyServer,
  startResendServer,
  startSesServer,
  startSlackServer,
  startTeamsServer,
  startTelegramServer,
  startTwilioServer,
} from './servers/http-fakes.js';
import {
  startMailgunServer,
  startPostmarkServer,
  startSendGridServer,
} from './servers/email-api-fakes.js';
import { startSmtpServer } from './servers/smtp-server.js';
import { startWebhookReceiver } from './servers/webhook-receiver.js';

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const TWILIO_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const PD_KEY = 'R0UTINGKEYR0UTINGKEYR0UTINGKEY12';
const SECRETS = {
  ses: 'SeSsEcReTkEy/settings+1',
  smtp: 'SmTpPaSs:w/rd@1',
  resend: 're_SeTtInGsKeY',
  sendgrid: 'SG.SeTtInGsKeY',
  postmark: 'PoStMaRkSeTtInGs',
  mailgun: 'key-MaIlGuNsEtTiNgS',
  twilio: 'TwIlIoSeTtInGsToKeN',
  slack: 'xoxb-settings-token',
  telegram: '123456:TeLeGrAmSeTtInGs',
  fcmToken: 'ya29.SeTtInGsAcCeSs',
  webhook: WEBHOOK_SECRET.slice(6),
  pagerduty: PD_KEY,
};

const email = { subject: 'Shipped', html: '<p>On its way</p>', text: 'On its way' };

interface Fakes {
  webhook: FakeServer;
  slack: FakeServer;
  discord: FakeServer;
  teams: FakeServer;
  telegram: FakeServer;
  pagerduty: FakeServer;
  resend: FakeServer;
  sendgrid: FakeServer;
  postmark: FakeServer;
  mailgun: FakeServer;
  ses: FakeServer;
  smtp: FakeServer;
  twilio: FakeServer;
  fcm: FcmServer;
}

let fakes: Fakes;
let dir: string;
let base: Record<string, string>;
const logged: unknown[] = [];
const logger: Logger = {
  debug: (f, m) => logged.push([f, m]),
  info: (f, m) => logged.push([f, m]),
  warn: (f, m) => logged.push([f, m]),
  error: (f, m) => logged.push([f, m]),
  child: () => logger,
};
/** Everything a credential could leak into: outcomes, errors, warnings, env dumps. */
const seen: string[] = [];

beforeAll(async () => {
  fakes = {
    webhook: await startWebhookReceiver(),
    slack: await startSlackServer(SECRETS.slack),
    discord: await startDiscordServer(),
    teams: await startTeamsServer(),
    telegram: await startTelegramServer(SECRETS.telegram),
    pagerduty: await startPagerDutyServer(),
    resend: await startResendServer(SECRETS.resend),
    sendgrid: await startSendGridServer(SECRETS.sendgrid),
    postmark: await startPostmarkServer(SECRETS.postmark),
    mailgun: await startMailgunServer('mg.acme.test', SECRETS.mailgun),
    ses: await startSesServer('AKIDSETTINGS'),
    smtp: await startSmtpServer('mailer', SECRETS.smtp),
    twilio: await startTwilioServer(TWILIO_SID, SECRETS.twilio),
    fcm: await startFcmServer('herald-settings', SECRETS.fcmToken),
  };
  dir = mkdtempSync(join(tmpdir(), 'herald-channels-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccount = {
    type: 'service_account',
    project_id: 'herald-settings',
    private_key_id: 'k1',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    client_email: 'herald@herald-settings.iam.gserviceaccount.com',
    token_uri: 'https://oauth2.googleapis.com/token',
  };
  writeFileSync(join(dir, 'ses-secret'), `${SECRETS.ses}\n`);
  writeFileSync(join(dir, 'twilio-token'), SECRETS.twilio);
  writeFileSync(join(dir, 'postmark-token'), `${SECRETS.postmark}\n`);
  writeFileSync(join(dir, 'mailgun-key'), SECRETS.mailgun);
  writeFileSync(join(dir, 'fcm.json'), JSON.stringify(serviceAccount));
  writeFileSync(join(dir, 'webhook.json'), JSON.stringify({ default: WEBHOOK_SECRET }));
  base = {
    HERALD_CHANNEL_TIMEOUT_MS: '3000',
    HERALD_EMAIL_FROM: 'Acme <alerts@acme.test>',
    HERALD_WEBHOOK_SECRETS_FILE: join(dir, 'webhook.json'),
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_SES_REGION: 'us-east-1',
    HERALD_SES_ACCESS_KEY_ID: 'AKIDSETTINGS',
    HERALD_SES_SECRET_ACCESS_KEY_FILE: join(dir, 'ses-secret'),
    HERALD_SES_ENDPOINT: fakes.ses.url,
    HERALD_SMTP_URL: `smtp://mailer:${encodeURIComponent(SECRETS.smtp)}@127.0.0.1:${new URL(fakes.smtp.url).port}`,
    HERALD_RESEND_API_KEY: SECRETS.resend,
    HERALD_RESEND_API_URL: fakes.resend.url,
    HERALD_SENDGRID_API_KEY: SECRETS.sendgrid,
    HERALD_SENDGRID_API_URL: fakes.sendgrid.url,
    HERALD_POSTMARK_SERVER_TOKEN_FILE: join(dir, 'postmark-token'),
    HERALD_POSTMARK_API_URL: fakes.postmark.url,
    HERALD_MAILGUN_API_KEY_FILE: join(dir, 'mailgun-key'),
    HERALD_MAILGUN_DOMAIN: 'mg.acme.test',
    HERALD_MAILGUN_API_URL: fakes.mailgun.url,
    HERALD_TWILIO_ACCOUNT_SID: TWILIO_SID,
    HERALD_TWILIO_AUTH_TOKEN_FILE: join(dir, 'twilio-token'),
    HERALD_TWILIO_FROM: '+15005550006',
    HERALD_TWILIO_API_URL: fakes.twilio.url,
    HERALD_FCM_SERVICE_ACCOUNT_FILE: join(dir, 'fcm.json'),
    HERALD_SLACK_BOT_TOKEN: SECRETS.slack,
    HERALD_SLACK_API_URL: `${fakes.slack.url}/api`,
    HERALD_TELEGRAM_BOT_TOKEN: SECRETS.telegram,
    HERALD_TELEGRAM_API_URL: fakes.telegram.url,
    HERALD_PAGERDUTY_ROUTING_KEYS: JSON.stringify({ payments: PD_KEY }),
    HERALD_PAGERDUTY_API_URL: fakes.pagerduty.url,
    HERALD_CHAT_ALLOW_PRIVATE_NETWORKS: 'true',
  };
});

afterAll(async () => {
  await Promise.all(Object.values(fakes).map((f: FakeServer) => f.close()));
  rmSync(dir, { recursive: true, force: true });
  // Credentials never reach an outcome, an error, a warning, a log line or an env dump.
  const text = JSON.stringify(seen) + JSON.stringify(logged);
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  expect(text).not.toContain('PRIVATE KEY');
});

function parse(extra: Record<string, string | undefined> = {}) {
  return parseEnv(channelsEnv(), { PATH: '/usr/bin', ...base, ...extra });
}

async function sendWith(
  router: ChannelRouter,
  channel: ChannelName,
  address: string,
  content: RenderedContent | undefined,
  tenant = 'acme',
) {
  const outcome = await router.send(
    makeJob(channel, address, { tenant }),
    content,
    AbortSignal.timeout(10_000),
  );
  seen.push(JSON.stringify(outcome));
  return outcome;
}

test('settings parse: defaults, secrets wrapped so an env dump shows none', () => {
  const env = parse();
  expect(env.HERALD_CHANNEL_TIMEOUT_MS).toBe(3000);
  expect(env.HERALD_SMTP_MAX_CONNECTIONS).toBe(5);
  expect(env.HERALD_WEBHOOK_TIMEOUT_MS).toBe(10_000);
  expect(env.HERALD_CHAT_ALLOW_PRIVATE_NETWORKS).toBe(true);
  expect(env.HERALD_SLACK_BOT_TOKEN?.reveal()).toBe(SECRETS.slack);
  const dump = JSON.stringify(env) + inspect(env) + String(env.HERALD_SMTP_URL);
  seen.push(dump);
  expect(dump).toContain('[redacted]');
  expect(() => parse({ HERALD_SLAKC_BOT_TOKEN: 'x' })).toThrow(
    /unknown setting HERALD_SLAKC_BOT_TOKEN: did you mean HERALD_SLACK_BOT_TOKEN\?/,
  );
});

test('every channel gets its provider, and each sends to its local server', async () => {
  const channels: ChannelName[] = [
    'webhook',
    'sms',
    'push',
    'slack',
    'discord',
    'teams',
    'telegram',
    'pagerduty',
  ];
  const router = createChannelRouter(parse(), channels, {
    logger,
    fcmHttpAgent: fakes.fcm.agent,
  });
  seen.push(...router.warnings);
  // google-auth-library fetches the OAuth token without firebase-admin's httpAgent
  // (GoogleAuth.fromJSON drops clientOptions), through node's default https agent:
  // point that one at the fake too, for this test only.
  const defaultAgent = https.globalAgent;
  https.globalAgent = fakes.fcm.agent;
  try {
    expect([...router.providers].map(([c, p]) => `${c}=${p.name}`)).toEqual([
      'webhook=webhook',
      'sms=twilio',
      'push=fcm',
      'slack=slack',
      'discord=discord',
      'teams=teams',
      'telegram=telegram',
      'pagerduty=pagerduty',
    ]);
    const sends: [ChannelName, string, RenderedContent | undefined][] = [
      ['webhook', `${fakes.webhook.url}/hook`, undefined],
      ['sms', '+15551234567', { text: 'Your code is 123456' }],
      ['push', 'device-token-1', { title: 'Shipped', body: 'On its way' }],
      ['slack', `${fakes.slack.url}/services/T0/B0/WeBhOoK`, { text: 'via webhook' }],
      ['slack', 'C0123456', { text: 'via chat.postMessage' }],
      ['discord', `${fakes.discord.url}/api/webhooks/1/DiScOrD`, { content: 'Build failed' }],
      ['teams', `${fakes.teams.url}/webhookb2/x`, { card: { body: [] }, summary: 'Deploy' }],
      ['telegram', '987654321', { text: 'Order shipped' }],
      ['pagerduty', 'payments', { summary: 'Payments API down', severity: 'critical' }],
    ];
    for (const [channel, address, content] of sends) {
      const outcome = await sendWith(router, channel, address, content);
      expect({ channel, outcome }).toMatchObject({ channel, outcome: { status: 'sent' } });
    }
    // Slack picked the API by the address's shape.
    expect(fakes.slack.requests.map((r) => r.path)).toEqual([
      '/services/T0/B0/WeBhOoK',
      '/api/chat.postMessage',
    ]);
    expect(fakes.slack.requests[1]!.headers.authorization).toBe(`Bearer ${SECRETS.slack}`);
    // FCM exchanged the service account key (from its _FILE) for a token, then sent.
    expect(fakes.fcm.requests.map((r) => r.path)).toEqual([
      '/token',
      '/v1/projects/herald-settings/messages:send',
    ]);
    expect(fakes.pagerduty.requests[0]!.body).toContain(PD_KEY);
    // A channel this router does not serve is a permanent failure, not a throw.
    const other = await sendWith(router, 'email', 'ada@example.test', email);
    expect(other).toMatchObject({ status: 'failed', permanent: true });
  } finally {
    https.globalAgent = defaultAgent;
    await router.close();
    await router.close();
  }
});

test.each(['ses', 'smtp', 'resend', 'sendgrid', 'postmark', 'mailgun'] as const)(
  'HERALD_EMAIL_PROVIDER=%s sends email through it',
  async (provider) => {
    const router = createChannelRouter(parse({ HERALD_EMAIL_PROVIDER: provider }), ['email'], {
      logger,
    });
    try {
      expect(router.providers.get('email')?.name).toBe(provider);
      const before = fakes[provider].requests.length;
      const outcome = await sendWith(router, 'email', 'ada@example.test', email);
      expect(outcome).toMatchObject({ status: 'sent' });
      expect(fakes[provider].requests.length).toBe(before + 1);
    } finally {
      await router.close();
    }
  },
);

test('per-tenant credentials from HERALD_CHANNEL_TENANTS_FILE win over the shared ones', async () => {
  const tenants = join(dir, 'tenants.json');
  writeFileSync(tenants, JSON.stringify({ acme: { resend: { apiKey: SECRETS.resend } } }));
  const router = createChannelRouter(
    parse({
      HERALD_EMAIL_PROVIDER: 'resend',
      HERALD_RESEND_API_KEY: 're_wrong_shared_key',
      HERALD_CHANNEL_TENANTS_FILE: tenants,
    }),
    ['email'],
    { logger },
  );
  try {
    expect(await sendWith(router, 'email', 'ada@example.test', email, 'acme')).toMatchObject({
      status: 'sent',
    });
    const other = await sendWith(router, 'email', 'ada@example.test', email, 'globex');
    expect(other).toMatchObject({ status: 'failed', permanent: true });
    expect(JSON.stringify(other)).not.toContain('re_wrong_shared_key');
  } finally {
    await router.close();
  }
});

test('mailgun: a tenant section brings its own key and domain; one lacking the domain is refused', async () => {
  const tenants = join(dir, 'mailgun-tenants.json');
  writeFileSync(
    tenants,
    JSON.stringify({ acme: { mailgun: { apiKey: SECRETS.mailgun, domain: 'mg.acme.test' } } }),
  );
  const settings = {
    HERALD_EMAIL_PROVIDER: 'mailgun',
    HERALD_MAILGUN_API_KEY_FILE: undefined,
    HERALD_MAILGUN_DOMAIN: undefined,
    HERALD_CHANNEL_TENANTS_FILE: tenants,
  };
  const router = createChannelRouter(parse(settings), ['email'], { logger });
  try {
    const before = fakes.mailgun.requests.length;
    expect(await sendWith(router, 'email', 'ada@example.test', email, 'acme')).toMatchObject({
      status: 'sent',
    });
    expect(fakes.mailgun.requests[before]!.path).toBe('/v3/mg.acme.test/messages');
    const other = await sendWith(router, 'email', 'ada@example.test', email, 'globex');
    expect(other).toMatchObject({ status: 'failed', permanent: true });
    expect(fakes.mailgun.requests.length).toBe(before + 1);
  } finally {
    await router.close();
  }
  writeFileSync(tenants, JSON.stringify({ acme: { mailgun: { apiKey: SECRETS.mailgun } } }));
  let refused: unknown;
  try {
    createChannelRouter(parse(settings), ['email'], { logger });
  } catch (err) {
    refused = err;
  }
  expect(String(refused)).toContain(
    'mailgun: tenant acme has no domain (mailgun.domain in HERALD_CHANNEL_TENANTS_FILE, or HERALD_MAILGUN_DOMAIN)',
  );
  seen.push(String(refused));
});
