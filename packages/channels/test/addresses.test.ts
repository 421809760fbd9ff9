// Issue 12, item 5: an address from an event reached the SMTP envelope as given, so a
// comma list became extra recipients and a CRLF + "Bcc:" smuggled one in. Every provider
// now checks the job's address for its channel (core's checkAddress) before sending.
import {
  createSmtpProvider,
  createTelegramProvider,
  createTwilioProvider,
  createWebhookProvider,
} from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { startSmtpServer } from './servers/smtp-server.js';

const signal = () => AbortSignal.timeout(10_000);
const content = { subject: 'Hi', text: 'Hello' };

describe('SMTP against a real SMTP server', () => {
  let server: Awaited<ReturnType<typeof startSmtpServer>>;
  let smtp: ReturnType<typeof createSmtpProvider>;

  beforeAll(async () => {
    server = await startSmtpServer('mailer', 'pw');
    smtp = createSmtpProvider({
      host: '127.0.0.1',
      port: Number(new URL(server.url).port),
      user: 'mailer',
      pass: 'pw',
      from: 'alerts@acme.test',
    });
  });
  afterAll(async () => {
    await smtp.close();
    await server.close();
  });

  it.each([
    ['eve@x.test, victim1@x.test, victim2@x.test', 'holds a list'],
    ['eve@x.test\r\nBcc: victim@x.test', 'control character'],
    ['a@b@x.test', 'more than one "@"'],
    ['not-an-email', 'has no "@"'],
  ])('%j is refused for good before any envelope is sent', async (address, problem) => {
    const before = server.requests.length;
    const outcome = await smtp.send(makeJob('email', address), content, signal());
    expect(outcome).toEqual({
      status: 'failed',
      permanent: true,
      // Classified where it happens (DeliveryOutcome.failureClass), not from the reason.
      failureClass: 'invalid_request',
      reason: expect.stringMatching(/^HERALD_ERR_ADDRESS_INVALID: email address is invalid: /),
    });
    expect(outcome.status === 'failed' && outcome.reason).toContain(problem);
    // The reason names the problem, never the address (it lands in status events and logs).
    expect(JSON.stringify(outcome)).not.toContain('victim');
    expect(server.requests.length).toBe(before);
  });

  it('a valid address is sent to exactly one envelope recipient, normalised', async () => {
    const before = server.requests.length;
    const outcome = await smtp.send(makeJob('email', ' Ada@Example.TEST '), content, signal());
    expect(outcome).toMatchObject({ status: 'sent' });
    expect(server.requests.slice(before).map((r) => r.path)).toEqual(['Ada@example.test']);
  });
});

it('HTTP-based and SDK providers refuse an invalid address without calling out', async () => {
  // Nothing listens at these URLs: a send that got past the check would fail as transient.
  const telegram = createTelegramProvider({ botToken: '1:x', apiUrl: 'http://127.0.0.1:9' });
  const twilio = createTwilioProvider({
    accountSid: 'AC00000000000000000000000000000000',
    authToken: 'x',
    from: '+15005550006',
    apiUrl: 'http://127.0.0.1:9',
  });
  const webhook = createWebhookProvider({
    secrets: { default: `whsec_${Buffer.alloc(32, 1).toString('base64')}` },
    allowPrivateNetworks: true,
  });
  try {
    for (const [provider, job] of [
      [telegram, makeJob('telegram', '123, 456')],
      [twilio, makeJob('sms', '+4915112345678, +4915199999999')],
      [webhook, makeJob('webhook', 'http://127.0.0.1:9/a\r\nX-Injected: 1')],
    ] as const) {
      const outcome = await provider.send(job, { text: 'Hello' }, signal());
      expect(outcome).toMatchObject({
        status: 'failed',
        permanent: true,
        reason: expect.stringMatching(/^HERALD_ERR_ADDRESS_INVALID: /),
      });
    }
  } finally {
    await telegram.close();
    await twilio.close();
    await webhook.close();
  }
});
