// One table, every provider: each runs through success, permanent failure,
// transient failure, 429 with Retry-After, a server that hangs past the timeout,
// and oversized content, against a local server speaking its real API.
import {
  createDiscordProvider,
  createFcmProvider,
  createPagerDutyProvider,
  createResendProvider,
  createSesProvider,
  createSlackProvider,
  createSmtpProvider,
  createTeamsProvider,
  createTelegramProvider,
  createTwilioProvider,
  createWebhookProvider,
} from '../src/index.js';
import type { DeliveryFailureClass } from '@herald/core';
import { TIMEOUT_MS, type Row, type Setup } from './fixtures/conformance-row.js';
import { pushRows } from './fixtures/push-rows.js';
import { chatWebhookRows } from './fixtures/chat-webhook-rows.js';
import { emailApiRows } from './fixtures/email-api-rows.js';
import { makeJob } from './fixtures/make-job.js';
import { smsApiRows } from './fixtures/sms-api-rows.js';
import type { Scenario } from './servers/fake-http-server.js';
import { startFcmServer } from './servers/fcm-server.js';
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
import { startSmtpServer } from './servers/smtp-server.js';
import { startWebhookReceiver } from './servers/webhook-receiver.js';

const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const email = { subject: 'Your order shipped', html: '<p>On its way</p>', text: 'On its way' };

const rows: Row[] = [
  {
    name: 'webhook',
    channel: 'webhook',
    async start() {
      const server = await startWebhookReceiver();
      const provider = createWebhookProvider({
        secrets: { default: WEBHOOK_SECRET },
        allowPrivateNetworks: true,
        timeoutMs: TIMEOUT_MS,
        maxPayloadBytes: 1_000,
      });
      return {
        server,
        provider,
        address: `${server.url}/hook`,
        secrets: [WEBHOOK_SECRET.slice(6)],
      };
    },
    content: { body: { orderId: 'o-1' } },
    oversized: { body: { blob: 'x'.repeat(2_000) } },
    permanentReason: /HTTP 400/,
    retryAfterMs: 7_000,
  },
  {
    name: 'slack (incoming webhook)',
    channel: 'slack',
    async start() {
      const server = await startSlackServer('xoxb-secret-token');
      const provider = createSlackProvider({ allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS });
      return {
        server,
        provider,
        address: `${server.url}/services/T000/B000/SeCrEtWeBhOoKpath`,
        secrets: ['SeCrEtWeBhOoKpath'],
      };
    },
    content: {
      text: 'Deploy finished',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*done*' } }],
    },
    oversized: { text: 'x'.repeat(40_001) },
    permanentReason: /HTTP 404/,
    retryAfterMs: 7_000,
  },
  {
    name: 'slack (chat.postMessage)',
    channel: 'slack',
    async start() {
      const server = await startSlackServer('xoxb-secret-token');
      const provider = createSlackProvider({
        botToken: 'xoxb-secret-token',
        apiUrl: `${server.url}/api`,
        allowPrivateNetworks: true,
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: 'C0123456', secrets: ['xoxb-secret-token'] };
    },
    content: { text: 'Deploy finished' },
    oversized: { text: 'ok', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) },
    permanentReason: /channel_not_found/,
    retryAfterMs: 7_000,
  },
  {
    name: 'discord',
    channel: 'discord',
    async start() {
      const server = await startDiscordServer();
      const provider = createDiscordProvider({ allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS });
      return {
        server,
        provider,
        address: `${server.url}/api/webhooks/123456/DiScOrDtOkEn`,
        secrets: ['DiScOrDtOkEn'],
      };
    },
    content: { content: 'Build failed', embeds: [{ title: 'main', color: 0xe74c3c }] },
    oversized: { content: 'x'.repeat(2_001) },
    permanentReason: /error 10015: Unknown Webhook/,
    retryAfterMs: 7_000,
  },
  {
    name: 'teams',
    channel: 'teams',
    async start() {
      const server = await startTeamsServer();
      const provider = createTeamsProvider({ allowPrivateNetworks: true, timeoutMs: TIMEOUT_MS });
      return {
        server,
        provider,
        address: `${server.url}/webhookb2/abc/IncomingWebhook/def/TeAmSsIg`,
        secrets: ['TeAmSsIg'],
      };
    },
    content: {
      card: { body: [{ type: 'TextBlock', text: 'Deploy finished' }] },
      summary: 'Deploy',
    },
    oversized: { card: { body: [{ type: 'TextBlock', text: 'x'.repeat(30_000) }] } },
    permanentReason: /HTTP 400/,
    retryAfterMs: 7_000,
  },
  {
    name: 'telegram',
    channel: 'telegram',
    async start() {
      const server = await startTelegramServer('123456:TeLeGrAmSeCrEt');
      const provider = createTelegramProvider({
        botToken: '123456:TeLeGrAmSeCrEt',
        apiUrl: server.url,
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: '987654321', secrets: ['TeLeGrAmSeCrEt'] };
    },
    content: { text: 'Order *shipped*' },
    oversized: { text: 'x'.repeat(4_097) },
    permanentReason: /error 400: Bad Request: chat not found/,
    retryAfterMs: 7_000,
  },
  {
    name: 'pagerduty',
    channel: 'pagerduty',
    async start() {
      const server = await startPagerDutyServer();
      const key = 'R0UTINGKEYR0UTINGKEYR0UTINGKEY12';
      const provider = createPagerDutyProvider({
        routingKeys: { payments: key },
        apiUrl: server.url,
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: 'payments', secrets: [key] };
    },
    content: { summary: 'Payments API down', severity: 'critical' },
    oversized: { summary: 'x'.repeat(1_025) },
    permanentReason: /invalid event: Length of 'routing_key'/,
    retryAfterMs: undefined,
  },
  {
    name: 'resend',
    channel: 'email',
    async start() {
      const server = await startResendServer('re_SeCrEtKeY');
      const provider = createResendProvider({
        apiKey: 're_SeCrEtKeY',
        from: 'Acme <alerts@acme.test>',
        apiUrl: server.url,
        timeoutMs: TIMEOUT_MS,
        maxMessageBytes: 50_000,
      });
      return { server, provider, address: 'ada@example.test', secrets: ['re_SeCrEtKeY'] };
    },
    content: email,
    oversized: { ...email, html: 'x'.repeat(60_000) },
    permanentReason: /validation_error/,
    retryAfterMs: 7_000,
  },
  {
    name: 'ses',
    channel: 'email',
    async start() {
      const server = await startSesServer('AKIDHERALDTEST');
      const provider = createSesProvider({
        region: 'us-east-1',
        accessKeyId: 'AKIDHERALDTEST',
        secretAccessKey: 'SeSsEcReTkEy/abc+def',
        from: 'alerts@acme.test',
        endpoint: server.url,
        timeoutMs: TIMEOUT_MS,
        maxMessageBytes: 50_000,
      });
      return { server, provider, address: 'ada@example.test', secrets: ['SeSsEcReTkEy/abc+def'] };
    },
    content: email,
    oversized: { ...email, html: 'x'.repeat(60_000) },
    permanentReason: /MessageRejected/,
    retryAfterMs: 7_000,
  },
  {
    name: 'smtp',
    channel: 'email',
    async start() {
      const server = await startSmtpServer('mailer', 'SmTpPaSsWoRd', 64 * 1024);
      const port = Number(new URL(server.url).port);
      const provider = createSmtpProvider({
        host: '127.0.0.1',
        port,
        user: 'mailer',
        pass: 'SmTpPaSsWoRd',
        from: 'Acme <alerts@acme.test>',
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: 'ada@example.test', secrets: ['SmTpPaSsWoRd'] };
    },
    content: email,
    // Refused by the server's SIZE limit (552), not by Herald: the real SMTP path.
    oversized: { ...email, html: 'x'.repeat(100_000) },
    permanentReason: /SMTP 550/,
    retryAfterMs: undefined,
  },
  {
    name: 'twilio',
    channel: 'sms',
    async start() {
      const sid = `AC${'0123456789abcdef'.repeat(2)}`;
      const server = await startTwilioServer(sid, 'TwIlIoAuThToKeN');
      const provider = createTwilioProvider({
        accountSid: sid,
        authToken: 'TwIlIoAuThToKeN',
        from: '+15005550006',
        apiUrl: server.url,
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: '+15551234567', secrets: ['TwIlIoAuThToKeN'] };
    },
    content: { text: 'Your code is 123456' },
    oversized: { text: 'x'.repeat(1_601) },
    permanentReason: /error 21211: invalid "To" number/,
    retryAfterMs: 7_000,
  },
  {
    name: 'fcm',
    channel: 'push',
    async start() {
      const server = await startFcmServer('herald-test', 'ya29.FcMaCcEsStOkEn');
      const provider = createFcmProvider({
        projectId: 'herald-test',
        credential: {
          getAccessToken: async () => ({ access_token: 'ya29.FcMaCcEsStOkEn', expires_in: 3600 }),
        },
        httpAgent: server.agent,
        timeoutMs: TIMEOUT_MS,
      });
      return { server, provider, address: 'device-token-1', secrets: ['ya29.FcMaCcEsStOkEn'] };
    },
    content: { title: 'Shipped', body: 'On its way', data: { orderId: 'o-1' } },
    oversized: { title: 'Shipped', body: 'x'.repeat(5_000) },
    permanentReason: /invalid-token \(messaging\/registration-token-not-registered\)/,
    // firebase-admin keeps no response headers on its errors.
    retryAfterMs: undefined,
  },
  ...emailApiRows,
  ...chatWebhookRows,
  ...smsApiRows,
  ...pushRows,
];

// The class each scenario's failure carries (DeliveryOutcome.failureClass), and where a
// provider's API says otherwise: SMTP has no 4xx/5xx split of HTTP's kind and no 429,
// FCM's errors carry no status code, and Slack's Web API answers errors with HTTP 200.
const defaultClasses: Record<Exclude<Scenario, 'ok'>, DeliveryFailureClass> = {
  permanent: 'invalid_request',
  transient: 'transient',
  'rate-limited': 'rate_limited',
  hang: 'timeout',
};
const classOverrides: Record<string, Partial<typeof defaultClasses>> = {
  smtp: { permanent: 'permanent', 'rate-limited': 'transient' },
  fcm: { permanent: 'permanent' },
  'slack (chat.postMessage)': { permanent: 'permanent' },
};

// The providers whose permanent scenario means "this token/subscription is gone": their
// outcome flags the address, so the worker records it (migrations/0009). FCM's scenario
// is UNREGISTERED, Web Push's 410, APNs's 410 Unregistered.
const marksAddress = new Set(['fcm', 'webpush', 'apns']);

describe.each(rows)('$name', (row) => {
  let setup: Setup;
  const outcomes: unknown[] = [];

  beforeEach(async () => {
    setup = await row.start();
  });
  afterEach(async () => {
    await setup.provider.close();
    await setup.server.close();
  });
  afterAll(() => {
    // Credentials never reach an outcome, whatever happened.
    const text = JSON.stringify(outcomes);
    for (const secret of setup.secrets) expect(text).not.toContain(secret);
  });

  async function send(scenario: Scenario, content = row.content) {
    setup.server.scenario(scenario);
    const outcome = await setup.provider.send(
      makeJob(row.channel, setup.address),
      content,
      AbortSignal.timeout(10_000),
    );
    outcomes.push(outcome);
    return outcome;
  }

  it('sends', async () => {
    const outcome = await send('ok');
    expect(outcome).toMatchObject({ status: 'sent' });
    expect(setup.server.requests).toHaveLength(1);
  });

  it('classifies a permanent failure', async () => {
    const outcome = await send('permanent');
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(row.permanentReason);
  });

  it('classifies a 5xx as transient', async () => {
    const outcome = await send('transient');
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
  });

  it('classifies a 429 as transient with Retry-After parsed', async () => {
    const outcome = await send('rate-limited');
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(outcome.status === 'failed' ? outcome.retryAfterMs : 'sent').toBe(row.retryAfterMs);
  });

  it('classifies a server hanging past the timeout as transient', async () => {
    const started = Date.now();
    const outcome = await send('hang');
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /no response within 500 ms|timeout|timed out/i,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it.each(['permanent', 'transient', 'rate-limited', 'hang'] as const)(
    'sets the failure class of a %s failure where it happens',
    async (scenario) => {
      const outcome = await send(scenario);
      const expected = { ...defaultClasses, ...classOverrides[row.name] }[scenario];
      expect(outcome).toMatchObject({ status: 'failed', failureClass: expected });
    },
  );

  it('flags the address as gone only where the API says so', async () => {
    const flagged = async (scenario: Scenario) => {
      const outcome = await send(scenario);
      return outcome.status === 'failed' && outcome.addressInvalid === true;
    };
    expect(await flagged('permanent')).toBe(marksAddress.has(row.name));
    expect(await flagged('transient')).toBe(false);
    expect(await flagged('rate-limited')).toBe(false);
  });

  it('refuses oversized content permanently', async () => {
    const outcome = await send('ok', row.oversized);
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /HERALD_ERR_CONTENT_TOO_LARGE|SMTP 552/,
    );
  });
});
