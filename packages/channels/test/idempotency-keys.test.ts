// Provider-facing idempotency keys are the notification id (issue 5, item 3), and
// per-provider details the conformance table does not cover.
import {
  createPagerDutyProvider,
  createResendProvider,
  createSlackProvider,
  createSmtpProvider,
  createTeamsProvider,
} from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { header } from './servers/fake-http-server.js';
import { startPagerDutyServer, startResendServer, startSlackServer } from './servers/http-fakes.js';
import { startSmtpServer } from './servers/smtp-server.js';
import { startWebhookReceiver } from './servers/webhook-receiver.js';

const signal = () => AbortSignal.timeout(10_000);

it('PagerDuty: dedup_key is the notification id for trigger, acknowledge and resolve', async () => {
  const server = await startPagerDutyServer();
  const key = 'R0UTINGKEYR0UTINGKEYR0UTINGKEY12';
  const pd = createPagerDutyProvider({ apiUrl: server.url });
  const job = makeJob('pagerduty', key);
  try {
    for (const action of ['trigger', 'acknowledge', 'resolve']) {
      const outcome = await pd.send(job, { summary: 'db down', action }, signal());
      expect(outcome).toMatchObject({
        status: 'sent',
        provider: { statusCode: 202, messageId: job.notificationId },
      });
    }
    const events = server.requests.map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(events.map((e) => [e.event_action, e.dedup_key, 'payload' in e])).toEqual([
      ['trigger', job.notificationId, true],
      ['acknowledge', job.notificationId, false],
      ['resolve', job.notificationId, false],
    ]);
    const bad = await pd.send(job, { summary: 'x', action: 'escalate' }, signal());
    expect(bad).toMatchObject({ status: 'failed', permanent: true });
  } finally {
    await pd.close();
    await server.close();
  }
});

it('SMTP: Message-ID is <notificationId@domain> and AUTH failures are permanent', async () => {
  const server = await startSmtpServer('mailer', 'pw');
  const port = Number(new URL(server.url).port);
  const smtp = createSmtpProvider({
    host: '127.0.0.1',
    port,
    user: 'mailer',
    pass: 'pw',
    from: 'Acme <alerts@acme.test>',
  });
  const wrong = createSmtpProvider({
    host: '127.0.0.1',
    port,
    user: 'mailer',
    pass: 'nope',
    from: 'alerts@acme.test',
  });
  const job = makeJob('email', 'ada@example.test');
  try {
    const outcome = await smtp.send(
      job,
      { subject: 'Hi', text: 'Hello', html: '<p>Hello</p>' },
      signal(),
    );
    expect(outcome).toMatchObject({
      status: 'sent',
      provider: { messageId: `<${job.notificationId}@acme.test>` },
    });
    expect(server.requests[0]!.body).toContain(`Message-ID: <${job.notificationId}@acme.test>`);
    expect(await smtp.healthCheck(signal())).toEqual({ ok: true });
    const refused = await wrong.send(job, { subject: 'Hi', text: 'Hello' }, signal());
    expect(refused).toMatchObject({ status: 'failed', permanent: true });
    expect(JSON.stringify(refused)).not.toContain('nope');
  } finally {
    await smtp.close();
    await wrong.close();
    await server.close();
  }
});

it('Resend: Idempotency-Key is the notification id; per-tenant keys win', async () => {
  const server = await startResendServer('re_tenant');
  const resend = createResendProvider({
    apiKey: 're_shared',
    from: 'a@acme.test',
    apiUrl: server.url,
    tenants: { acme: { apiKey: 're_tenant' } },
  });
  const job = makeJob('email', 'ada@example.test');
  try {
    const outcome = await resend.send(job, { subject: 'Hi', text: 'Hello' }, signal());
    expect(outcome).toMatchObject({
      status: 'sent',
      provider: { messageId: `re-${job.notificationId}` },
    });
    expect(header(server.requests[0]!, 'idempotency-key')).toBe(job.notificationId);
    const other = await resend.send(
      makeJob('email', 'b@example.test', { tenant: 'globex' }),
      { subject: 'Hi', text: 'x' },
      signal(),
    );
    expect(other).toMatchObject({ status: 'failed', permanent: true }); // shared key is refused by this server
  } finally {
    await resend.close();
    await server.close();
  }
});

it('Slack Web API: ok:false with HTTP 200 is a failure, classified by the error name', async () => {
  const server = await startSlackServer('xoxb-right');
  const slack = createSlackProvider({
    botToken: 'xoxb-wrong',
    apiUrl: `${server.url}/api`,
    allowPrivateNetworks: true,
  });
  try {
    const outcome = await slack.send(makeJob('slack', 'C01'), { text: 'hi' }, signal());
    expect(outcome).toMatchObject({
      status: 'failed',
      permanent: true,
      provider: { statusCode: 200, message: 'invalid_auth' },
    });
    expect(JSON.stringify(outcome)).not.toContain('xoxb-wrong');
  } finally {
    await slack.close();
    await server.close();
  }
});

it('Teams: a 200 whose text says Teams returned HTTP 429 is transient', async () => {
  const receiver = await startWebhookReceiver();
  receiver.replyWith({
    status: 200,
    body: 'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=msgapi',
  });
  const teams = createTeamsProvider({ allowPrivateNetworks: true });
  try {
    const outcome = await teams.send(
      makeJob('teams', receiver.url),
      { card: { body: [] } },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    expect(JSON.parse(receiver.requests[0]!.body).attachments[0].contentType).toBe(
      'application/vnd.microsoft.card.adaptive',
    );
  } finally {
    await teams.close();
    await receiver.close();
  }
});
