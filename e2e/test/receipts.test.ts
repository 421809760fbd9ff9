/**
 * Provider receipts end to end on real Kafka and Postgres: signed callbacks (SES via
 * SNS, Twilio, Standard Webhooks) → status events on herald.status → the auditor's
 * rows. The SNS signing certificate is served by a local server that the api is
 * configured to trust; Twilio signatures come from the twilio SDK's own helper.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import twilio from 'twilio';
import { buildApi, parseApiEnv, type Api } from '@herald/api';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  statusMessage,
  topicNames,
  type ChannelName,
  type DeliveryJob,
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { AuditQueries, createDatabase, type HeraldDatabase } from '@herald/store';
import { readTopics, testRun, waitFor, type TopicReader } from '@herald/testkit';
import type { Kysely } from 'kysely';

const run = testRun('receipts');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
const TWILIO_TOKEN = 'twilio-test-auth-token';
const MAILGUN_KEY = 'mailgun-test-signing-key';
const sendgridKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const POSTMARK_AUTH = `Basic ${Buffer.from('herald:postmark-pass').toString('base64')}`;
const WEBHOOK_SECRET = `whsec_${Buffer.from('herald-receipts-test-secret-32by').toString('base64')}`;
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:herald-ses-events';

let db: Kysely<HeraldDatabase>;
let audit: AuditQueries;
let api: Api;
let certServer: Server;
let certBase: string;
let keyPem: string;
const confirmations: string[] = [];
const statusSeen: StatusEvent[] = [];
let statusReader: TopicReader<StatusEvent>;

function job(recipient: string, channel: ChannelName): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, 'evt-r', recipient, channel),
    event: { id: 'evt-r', source: 'shop', type: 'order.shipped', time: '2026-11-21T08:00:00Z' },
    tenant: 'acme',
    rule: { id: 'shipping', version: 2 },
    channel,
    recipient: { ref: recipient, address: 'x' },
    priority: 'normal',
    attempt: 1,
    payload: {},
    plannedAt: '2026-11-21T08:00:00Z',
  };
}
const emailJob = job('alice', 'email');
const bounceJob = job('bob', 'email');
const smsJob = job('carol', 'sms');
const failedSmsJob = job('dave', 'sms');
const webhookJob = job('erin', 'webhook');
const mailgunJob = job('frank', 'email');
const mailgunBounceJob = job('grace', 'email');
const postmarkJob = job('heidi', 'email');
const postmarkBounceJob = job('ivan', 'email');
const sendgridJob = job('judy', 'email');
const sendgridBounceJob = job('ken', 'email');

async function publish(events: readonly StatusEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: events.map((e) => statusMessage(e)),
  });
  await producer.disconnect();
}

/** Signs an SNS message as AWS documents it (fields in order, name\nvalue\n). */
function signSns(fields: Record<string, string>, version: '1' | '2'): Record<string, string> {
  const type = fields.Type!;
  const order =
    type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = order
    .filter((k) => fields[k] !== undefined)
    .map((k) => `${k}\n${fields[k]}\n`)
    .join('');
  const signature = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256')
    .update(text)
    .sign(keyPem, 'base64');
  return {
    ...fields,
    SignatureVersion: version,
    Signature: signature,
    SigningCertURL: `${certBase}/SimpleNotificationService-test.pem`,
  };
}

function snsNotification(sesEvent: object, version: '1' | '2' = '2'): Record<string, string> {
  return signSns(
    {
      Type: 'Notification',
      MessageId: `sns-${Math.random()}`,
      TopicArn: TOPIC_ARN,
      Message: JSON.stringify(sesEvent),
      Timestamp: new Date().toISOString(),
    },
    version,
  );
}

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${path}`, { method: 'POST', body, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function stateOf(id: string): Promise<string | undefined> {
  return (await audit.notification(id))?.notification.state;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-sns-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=sns.test',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
  const certPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  rmSync(dir, { recursive: true });
  certServer = createServer((req, res) => {
    if (req.url?.startsWith('/confirm')) {
      confirmations.push(req.url);
      res.writeHead(200).end('<ConfirmSubscriptionResponse/>');
    } else if (req.url === '/SimpleNotificationService-test.pem') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(certPem);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => certServer.listen(0, '127.0.0.1', resolve));
  run.defer(() => new Promise((resolve) => certServer.close(resolve)));
  certBase = `http://127.0.0.1:${(certServer.address() as AddressInfo).port}`;

  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  audit = new AuditQueries(db);
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
  api = await run.start(
    buildApi(
      parseApiEnv(
        run.settings({
          HERALD_API_HOST: '127.0.0.1',
          HERALD_API_PORT: '0',
          HERALD_API_TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
          HERALD_API_MAILGUN_SIGNING_KEY: MAILGUN_KEY,
          HERALD_API_POSTMARK_USER: 'herald',
          HERALD_API_POSTMARK_PASSWORD: 'postmark-pass',
          HERALD_API_SENDGRID_PUBLIC_KEY: sendgridKeys.publicKey
            .export({ format: 'der', type: 'spki' })
            .toString('base64'),
          HERALD_API_SNS_CERT_HOSTS: '127.0.0.1',
          HERALD_API_SNS_TOPIC_ARNS: TOPIC_ARN,
          HERALD_API_RECEIPT_SECRETS: JSON.stringify({ postmark: WEBHOOK_SECRET }),
        }),
      ),
      silentLogger,
    ),
  );

  // Every status on the topic, the api's included, is validated (schema, CloudEvents
  // Kafka binding) before onRecord sees it.
  statusReader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}status-reader`,
    topics: [topics.status],
    onRecord: ({ value }) => void statusSeen.push(JSON.parse(value.toString()) as StatusEvent),
  });
  run.defer(() => statusReader.stop());

  // What the worker reported: each notification was sent, with the provider's id.
  const at = new Date('2026-11-21T08:00:01Z');
  await publish(
    [
      [emailJob, 'ses-msg-1'],
      [bounceJob, 'ses-msg-2'],
      [smsJob, 'SM-carol'],
      [failedSmsJob, 'SM-dave'],
      [webhookJob, 'pm-erin'],
      [mailgunJob, 'mg-frank@example.com'],
      [mailgunBounceJob, 'mg-grace@example.com'],
      [postmarkJob, 'pm-heidi'],
      [postmarkBounceJob, 'pm-ivan'],
      [sendgridJob, 'sg-judy'],
      [sendgridBounceJob, 'sg-ken'],
    ].flatMap(([j, messageId]) => [
      statusEventFor(j as DeliveryJob, 'queued', 'herald/router', at),
      statusEventFor(j as DeliveryJob, 'sent', 'herald/worker', at, {
        provider: { statusCode: 200, messageId: messageId as string },
      }),
    ]),
  );
  await waitFor('the sent rows', async () => (await stateOf(webhookJob.notificationId)) === 'sent');
}, 60_000);

afterAll(() => run.stop());

describe('SES through SNS', () => {
  it('confirms a subscription after verifying its signature', async () => {
    const message = signSns(
      {
        Type: 'SubscriptionConfirmation',
        MessageId: 'sub-1',
        Token: 'tok',
        TopicArn: TOPIC_ARN,
        Message: 'You have chosen to subscribe',
        SubscribeURL: `${certBase}/confirm?Token=tok`,
        Timestamp: new Date().toISOString(),
      },
      '1',
    );
    const { status } = await post('/v1/receipts/ses', JSON.stringify(message), {
      'content-type': 'text/plain; charset=UTF-8',
    });
    expect(status).toBe(200);
    expect(confirmations).toEqual(['/confirm?Token=tok']);
  });

  it('a Delivery event (notification id in the SES tags) makes the notification delivered', async () => {
    const { status, body } = await post(
      '/v1/receipts/ses',
      JSON.stringify(
        snsNotification({
          eventType: 'Delivery',
          mail: {
            timestamp: '2026-11-21T08:00:02Z',
            messageId: 'ses-msg-1',
            tags: { 'herald-notification-id': [emailJob.notificationId] },
          },
          delivery: { timestamp: '2026-11-21T08:00:03Z', smtpResponse: '250 2.0.0 OK' },
        }),
      ),
      { 'content-type': 'text/plain; charset=UTF-8' },
    );
    expect(status).toBe(200);
    expect(body.recorded).toEqual([
      expect.objectContaining({ notificationId: emailJob.notificationId, state: 'delivered' }),
    ]);
    await waitFor(
      'delivered',
      async () => (await stateOf(emailJob.notificationId)) === 'delivered',
    );
    const history = (await audit.notification(emailJob.notificationId))!;
    expect(history.notification).toMatchObject({
      provider_name: 'ses',
      provider_message_id: 'ses-msg-1',
      provider_message: '250 2.0.0 OK',
      delivered_at: new Date('2026-11-21T08:00:03Z'),
    });
    expect(history.attempts[0]).toMatchObject({ attempt: 1, state: 'delivered' });
  });

  it('a Bounce event (SignatureVersion 1, matched by message id) makes it bounced', async () => {
    const { status } = await post(
      '/v1/receipts/ses',
      JSON.stringify(
        snsNotification(
          {
            notificationType: 'Bounce',
            mail: { timestamp: '2026-11-21T08:00:02Z', messageId: 'ses-msg-2' },
            bounce: {
              bounceType: 'Permanent',
              bounceSubType: 'NoEmail',
              timestamp: '2026-11-21T08:00:04Z',
              bouncedRecipients: [
                { status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' },
              ],
            },
          },
          '1',
        ),
      ),
    );
    expect(status).toBe(200);
    await waitFor('bounced', async () => (await stateOf(bounceJob.notificationId)) === 'bounced');
    expect((await audit.notification(bounceJob.notificationId))!.notification).toMatchObject({
      reason: 'Permanent bounce (NoEmail): 5.1.1',
      provider_message: 'smtp; 550 5.1.1 user unknown',
    });
    // Eleven notifications of evt-r: the five above, two each for Mailgun, Postmark, SendGrid.
    const { events } = await audit.event('evt-r');
    expect(events[0]).toMatchObject({ notifications: 11, failed: 1 });
  });

  it('refuses a tampered message, a foreign certificate host, plain http and a foreign topic', async () => {
    const good = snsNotification({ eventType: 'Delivery', mail: { messageId: 'ses-msg-2' } });
    const cases = [
      { ...good, Message: good.Message!.replace('Delivery', 'Bounce') },
      { ...good, SigningCertURL: 'https://evil.example.com/SimpleNotificationService-x.pem' },
      { ...good, SigningCertURL: 'http://sns.eu-west-1.amazonaws.com/cert.pem' },
      { ...good, TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else' },
    ];
    for (const message of cases) {
      const { status, body } = await post('/v1/receipts/ses', JSON.stringify(message));
      expect([status, body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
    }
    expect(await stateOf(bounceJob.notificationId)).toBe('bounced');
  });
});

describe('Twilio status callbacks', () => {
  const callback = (params: Record<string, string>, query = '') => {
    const path = `/v1/receipts/twilio${query}`;
    const signature = twilio.getExpectedTwilioSignature(TWILIO_TOKEN, `${api.url}${path}`, params);
    return { path, body: new URLSearchParams(params).toString(), signature };
  };

  it('delivered, with the notification id in the StatusCallback URL', async () => {
    const { path, body, signature } = callback(
      {
        MessageSid: 'SM-carol',
        MessageStatus: 'delivered',
        AccountSid: 'AC1',
        To: '+4915112345678',
      },
      `?notificationId=${smsJob.notificationId}`,
    );
    const { status } = await post(path, body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    });
    expect(status).toBe(200);
    await waitFor('delivered', async () => (await stateOf(smsJob.notificationId)) === 'delivered');
  });

  it('undelivered, matched by MessageSid, becomes failed with the error code', async () => {
    const { path, body, signature } = callback({
      MessageSid: 'SM-dave',
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
    });
    const { status } = await post(path, body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    });
    expect(status).toBe(200);
    await waitFor('failed', async () => (await stateOf(failedSmsJob.notificationId)) === 'failed');
    expect((await audit.notification(failedSmsJob.notificationId))!.notification.reason).toBe(
      'undelivered: Twilio error 30003',
    );
  });

  it('refuses a wrong signature and ignores progress statuses', async () => {
    const { path, body } = callback({ MessageSid: 'SM-carol', MessageStatus: 'failed' });
    const refused = await post(path, body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
    });
    expect([refused.status, refused.body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
    const progress = callback({ MessageSid: 'SM-carol', MessageStatus: 'sent' });
    const ignored = await post(progress.path, progress.body, {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': progress.signature,
    });
    expect([ignored.status, ignored.body.recorded]).toEqual([200, []]);
    expect(await stateOf(smsJob.notificationId)).toBe('delivered');
  });
});

describe('Standard Webhooks receipts', () => {
  const signed = (payload: object, secret = WEBHOOK_SECRET) => {
    const body = JSON.stringify(payload);
    const id = `msg_${Math.random().toString(36).slice(2)}`;
    const timestamp = new Date();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
        'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
      },
    };
  };

  it('delivered by provider message id; a replayed receipt is one fact', async () => {
    const receipt = signed({
      type: 'delivered',
      providerMessageId: 'pm-erin',
      occurredAt: '2026-11-21T08:00:05Z',
    });
    expect(
      (await post('/v1/receipts/webhook/postmark', receipt.body, receipt.headers)).status,
    ).toBe(200);
    expect(
      (await post('/v1/receipts/webhook/postmark', receipt.body, receipt.headers)).status,
    ).toBe(200);
    await waitFor(
      'delivered',
      async () => (await stateOf(webhookJob.notificationId)) === 'delivered',
    );
    const history = (await audit.notification(webhookJob.notificationId))!;
    expect(history.statuses.map((s) => s.state)).toEqual(['queued', 'sent', 'delivered']);
  });

  it('refuses a bad signature, an unknown provider, a malformed body; 503 for an unknown message', async () => {
    const forged = signed(
      { type: 'failed', providerMessageId: 'pm-erin' },
      `whsec_${Buffer.from('x'.repeat(32)).toString('base64')}`,
    );
    expect((await post('/v1/receipts/webhook/postmark', forged.body, forged.headers)).status).toBe(
      401,
    );
    const ok = signed({ type: 'failed', providerMessageId: 'pm-erin' });
    expect((await post('/v1/receipts/webhook/nobody', ok.body, ok.headers)).status).toBe(404);
    const malformed = signed({ type: 'opened', providerMessageId: 'pm-erin' });
    const bad = await post('/v1/receipts/webhook/postmark', malformed.body, malformed.headers);
    expect([bad.status, bad.body.code]).toEqual([400, 'HERALD_ERR_RECEIPT_INVALID']);
    const unknown = signed({ type: 'delivered', providerMessageId: 'pm-nobody' });
    const unmatched = await post('/v1/receipts/webhook/postmark', unknown.body, unknown.headers);
    expect([unmatched.status, unmatched.body.code]).toEqual([503, 'HERALD_ERR_RECEIPT_UNMATCHED']);
  });
});

describe('Mailgun receipts', () => {
  /** A Mailgun webhook body signed as Mailgun documents it: hex HMAC-SHA256(key, timestamp + token). */
  const signed = (eventData: object, key = MAILGUN_KEY, at = new Date()) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    const token = `tok-${Math.random().toString(36).slice(2)}`;
    const signature = createHmac('sha256', key)
      .update(timestamp + token)
      .digest('hex');
    return JSON.stringify({ signature: { timestamp, token, signature }, 'event-data': eventData });
  };
  const json = { 'content-type': 'application/json' };

  it('delivered by the herald_notification_id user variable', async () => {
    const response = await post(
      '/v1/receipts/mailgun',
      signed({
        event: 'delivered',
        timestamp: Date.parse('2026-11-21T08:00:05Z') / 1000,
        'user-variables': { herald_notification_id: mailgunJob.notificationId },
        message: { headers: { 'message-id': 'mg-frank@example.com' } },
      }),
      json,
    );
    expect(response.status).toBe(200);
    expect(response.body.recorded).toEqual([
      expect.objectContaining({ notificationId: mailgunJob.notificationId, state: 'delivered' }),
    ]);
    await waitFor(
      'delivered',
      async () => (await stateOf(mailgunJob.notificationId)) === 'delivered',
    );
    await waitFor('the delivered status on herald.status', () =>
      statusSeen.some(
        (s) =>
          s.subject === mailgunJob.notificationId &&
          s.data.state === 'delivered' &&
          s.data.provider?.name === 'mailgun',
      ),
    );
  });

  it('a permanent bounce found by Message-Id is bounced; a temporary failure changes nothing', async () => {
    const temporary = await post(
      '/v1/receipts/mailgun',
      signed({
        event: 'failed',
        severity: 'temporary',
        message: { headers: { 'message-id': 'mg-grace@example.com' } },
      }),
      json,
    );
    expect([temporary.status, temporary.body.recorded]).toEqual([200, []]);
    const bounce = await post(
      '/v1/receipts/mailgun',
      signed({
        event: 'failed',
        severity: 'permanent',
        reason: 'bounce',
        'delivery-status': { code: 550, description: 'No such mailbox' },
        message: { headers: { 'message-id': 'mg-grace@example.com' } },
      }),
      json,
    );
    expect(bounce.status).toBe(200);
    await waitFor(
      'bounced',
      async () => (await stateOf(mailgunBounceJob.notificationId)) === 'bounced',
    );
  });

  it('refuses another signing key and a stale timestamp', async () => {
    const event = {
      event: 'delivered',
      'user-variables': { herald_notification_id: mailgunBounceJob.notificationId },
    };
    const forged = await post('/v1/receipts/mailgun', signed(event, 'other-key'), json);
    expect([forged.status, forged.body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
    const stale = signed(event, MAILGUN_KEY, new Date(Date.now() - 10 * 60_000));
    expect((await post('/v1/receipts/mailgun', stale, json)).status).toBe(401);
    expect(await stateOf(mailgunBounceJob.notificationId)).toBe('bounced');
  });
});

describe('Postmark receipts (basic auth in the webhook URL)', () => {
  const headers = (authorization = POSTMARK_AUTH) => ({
    'content-type': 'application/json',
    authorization,
  });

  it('Delivery with Metadata.herald_notification_id becomes delivered', async () => {
    const body = JSON.stringify({
      RecordType: 'Delivery',
      MessageID: 'pm-heidi',
      DeliveredAt: '2026-11-21T08:00:06Z',
      Metadata: { herald_notification_id: postmarkJob.notificationId },
    });
    const response = await post('/v1/receipts/postmark', body, headers());
    expect(response.status).toBe(200);
    await waitFor('the delivered status on herald.status', () =>
      statusSeen.some(
        (s) =>
          s.subject === postmarkJob.notificationId &&
          s.data.state === 'delivered' &&
          s.data.provider?.name === 'postmark',
      ),
    );
    await waitFor(
      'delivered',
      async () => (await stateOf(postmarkJob.notificationId)) === 'delivered',
    );
  });

  it('a HardBounce matched by MessageID becomes bounced', async () => {
    const body = JSON.stringify({
      RecordType: 'Bounce',
      Type: 'HardBounce',
      MessageID: 'pm-ivan',
      Details: 'smtp;550 5.1.1 unknown user',
    });
    expect((await post('/v1/receipts/postmark', body, headers())).status).toBe(200);
    await waitFor(
      'bounced',
      async () => (await stateOf(postmarkBounceJob.notificationId)) === 'bounced',
    );
  });

  it('refuses a wrong password and a request without basic auth', async () => {
    const body = JSON.stringify({ RecordType: 'Delivery', MessageID: 'pm-ivan' });
    const wrong = `Basic ${Buffer.from('herald:guess').toString('base64')}`;
    const refused = await post('/v1/receipts/postmark', body, headers(wrong));
    expect([refused.status, refused.body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
    const anonymous = await post('/v1/receipts/postmark', body, {
      'content-type': 'application/json',
    });
    expect(anonymous.status).toBe(401);
    expect(await stateOf(postmarkBounceJob.notificationId)).toBe('bounced');
  });
});

describe('SendGrid receipts (signed Event Webhook)', () => {
  /** Signed as SendGrid does: ECDSA P-256 over timestamp + body, base64 DER. */
  const headers = (body: string, at = new Date(), key = sendgridKeys.privateKey) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'content-type': 'application/json',
      'x-twilio-email-event-webhook-timestamp': timestamp,
      'x-twilio-email-event-webhook-signature': sign(
        'sha256',
        Buffer.from(timestamp + body),
        key,
      ).toString('base64'),
    };
  };

  it('a batch: delivered and bounce recorded, deferred and foreign mail ignored', async () => {
    const body = JSON.stringify([
      { event: 'deferred', herald_notification_id: sendgridJob.notificationId },
      {
        event: 'delivered',
        herald_notification_id: sendgridJob.notificationId,
        sg_message_id: 'sg-judy.filter0001.1',
        timestamp: Date.parse('2026-11-21T08:00:07Z') / 1000,
      },
      {
        event: 'bounce',
        type: 'bounce',
        status: '5.1.1',
        reason: '550 no such user',
        herald_notification_id: sendgridBounceJob.notificationId,
      },
      { event: 'delivered', sg_message_id: 'someone-else.filter0001.1' },
    ]);
    const response = await post('/v1/receipts/sendgrid', body, headers(body));
    expect(response.status).toBe(200);
    expect((response.body.recorded as { state: string }[]).map((r) => r.state)).toEqual([
      'delivered',
      'bounced',
    ]);
    await waitFor('the delivered status on herald.status', () =>
      statusSeen.some(
        (s) =>
          s.subject === sendgridJob.notificationId &&
          s.data.state === 'delivered' &&
          s.data.provider?.name === 'sendgrid',
      ),
    );
    await waitFor(
      'bounced',
      async () => (await stateOf(sendgridBounceJob.notificationId)) === 'bounced',
    );
    expect(await stateOf(sendgridJob.notificationId)).toBe('delivered');
  });

  it('refuses another key and a stale timestamp', async () => {
    const body = JSON.stringify([
      { event: 'dropped', herald_notification_id: sendgridJob.notificationId },
    ]);
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const forged = await post('/v1/receipts/sendgrid', body, headers(body, new Date(), other));
    expect([forged.status, forged.body.code]).toEqual([401, 'HERALD_ERR_RECEIPT_SIGNATURE']);
    const stale = headers(body, new Date(Date.now() - 10 * 60_000));
    expect((await post('/v1/receipts/sendgrid', body, stale)).status).toBe(401);
    expect(await stateOf(sendgridJob.notificationId)).toBe('delivered');
  });
});

it('every receipt status on herald.status came from herald/api and matches the schema', async () => {
  await waitFor(
    'the receipt statuses',
    () => statusSeen.filter((s) => s.source === 'herald/api').length >= 6,
  );
  const fromApi = statusSeen.filter((s) => s.source === 'herald/api');
  expect(new Set(fromApi.map((s) => s.data.state))).toEqual(
    new Set(['delivered', 'bounced', 'failed']),
  );
  for (const status of fromApi)
    expect(status.data.provider?.name).toMatch(/^(ses|twilio|postmark|mailgun|sendgrid)$/);
});

describe("the api's metrics (ops server)", () => {
  const sample = (text: string, name: string, labels: Record<string, string>) => {
    const line = text
      .split('\n')
      .find(
        (l) =>
          l.startsWith(`${name}{`) &&
          Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
      );
    return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  it('counts every receipt above by provider and outcome, signature failures, request durations', async () => {
    const text = await (await fetch(`${api.opsUrl}/metrics`)).text();
    const receipts = (provider: string, outcome: string) =>
      sample(text, 'herald_receipts_total', { provider, outcome });
    expect(receipts('ses', 'confirmed')).toBe(1);
    expect(receipts('ses', 'delivered')).toBe(1);
    expect(receipts('ses', 'bounced')).toBe(1);
    expect(receipts('ses', 'signature_invalid')).toBe(4);
    expect(receipts('twilio', 'delivered')).toBe(1);
    expect(receipts('twilio', 'failed')).toBe(1);
    expect(receipts('twilio', 'ignored')).toBe(1);
    expect(receipts('twilio', 'signature_invalid')).toBe(1);
    expect(receipts('postmark', 'delivered')).toBe(3);
    expect(receipts('postmark', 'signature_invalid')).toBe(3);
    expect(receipts('postmark', 'bounced')).toBe(1);
    expect(receipts('postmark', 'invalid')).toBe(1);
    expect(receipts('postmark', 'unmatched')).toBe(1);
    expect(receipts('unknown', 'invalid')).toBe(1);
    expect(receipts('mailgun', 'delivered')).toBe(1);
    expect(receipts('sendgrid', 'delivered')).toBe(1);
    expect(receipts('sendgrid', 'bounced')).toBe(1);
    expect(receipts('sendgrid', 'signature_invalid')).toBe(2);
    expect(receipts('mailgun', 'bounced')).toBe(1);
    expect(receipts('mailgun', 'ignored')).toBe(1);
    expect(receipts('mailgun', 'signature_invalid')).toBe(2);
    expect(sample(text, 'herald_receipt_signature_failures_total', { provider: 'ses' })).toBe(4);
    expect(sample(text, 'herald_receipt_signature_failures_total', { provider: 'twilio' })).toBe(1);
    expect(
      sample(text, 'herald_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/receipts/webhook/:provider',
        status_code: '200',
      }),
    ).toBe(2);
    expect(
      sample(text, 'herald_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/receipts/ses',
        status_code: '401',
      }),
    ).toBe(4);
    expect(text).toContain('app="api"');
  });
});
