// SendGrid against a local server of its v3 API: the exact request the API expects,
// and how each of its answers is classified.
import { createSendGridProvider, type ChannelProvider } from '../src/index.js';
import { sender } from '../src/sendgrid/sendgrid-provider.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { answering, closeOpened, email, now, track } from './fixtures/email-api-harness.js';
import { startSendGridServer } from './servers/email-api-fakes.js';

afterEach(closeOpened);

describe('sendgrid', () => {
  const key = 'SG.TeStKeY';
  function provider(server: FakeServer, apiKey = key) {
    const p = createSendGridProvider({
      apiKey,
      from: '"Acme, Inc." <alerts@acme.test>',
      apiUrl: `${server.url}/`,
      timeoutMs: 2_000,
      now: () => now,
    });
    return track(server, p);
  }
  const send = (p: ChannelProvider, content: Record<string, unknown> = email) =>
    p.send(makeJob('email', ' Ada@Example.TEST '), content, AbortSignal.timeout(5_000));

  it('posts the v3 mail/send document with the key as Bearer and reads X-Message-Id', async () => {
    const server = await startSendGridServer(key);
    const job = makeJob('email', 'ada@example.test');
    const outcome = await provider(server).send(job, email, AbortSignal.timeout(5_000));
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 202, messageId: 'sg-Kv3xQ2mZTEa9' },
    });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/v3/mail/send' });
    expect(req!.headers.authorization).toBe(`Bearer ${key}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      personalizations: [{ to: [{ email: 'ada@example.test' }] }],
      from: { email: 'alerts@acme.test', name: 'Acme, Inc.' },
      subject: 'Shipped',
      content: [
        { type: 'text/plain', value: 'On its way' },
        { type: 'text/html', value: '<p>On its way</p>' },
      ],
      headers: { 'X-Herald-Notification-Id': job.notificationId },
      custom_args: { herald_notification_id: job.notificationId },
    });
  });

  it('sends the normalised address and an html-only message', async () => {
    const server = await startSendGridServer(key);
    await send(provider(server), { subject: 'Hi', html: '<b>hi</b>' });
    const body = JSON.parse(server.requests[0]!.body);
    expect(body.personalizations[0].to).toEqual([{ email: 'Ada@example.test' }]);
    expect(body.content).toEqual([{ type: 'text/html', value: '<b>hi</b>' }]);
  });

  it('a refused key is permanent with class auth, and the key is not in the outcome', async () => {
    const server = await startSendGridServer(key);
    const outcome = await send(provider(server, 'SG.WrOnGkEy'));
    expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
    expect(outcome.status === 'failed' && outcome.reason).toContain(
      'HTTP 401: The provided authorization grant is invalid',
    );
    expect(JSON.stringify(outcome)).not.toContain('WrOnGkEy');
  });

  it('403 (sender not verified) is auth; 413 is invalid_request; both permanent', async () => {
    const forbidden = await answering({
      status: 403,
      body: {
        errors: [
          {
            field: 'from',
            message: 'The from address does not match a verified Sender Identity.',
            help: null,
          },
        ],
      },
    });
    expect(await send(provider(forbidden))).toMatchObject({
      permanent: true,
      failureClass: 'auth',
      reason: expect.stringContaining('HTTP 403: from: The from address does not match'),
    });
    const large = await answering({ status: 413, body: { errors: [{ message: 'too large' }] } });
    expect(await send(provider(large))).toMatchObject({
      permanent: true,
      failureClass: 'invalid_request',
    });
  });

  it('names up to three refused fields of a 400', async () => {
    const server = await answering({
      status: 400,
      body: {
        errors: [
          { field: 'subject', message: 'The subject is required.' },
          { field: 'from.email', message: 'Does not contain a valid address.' },
        ],
      },
    });
    const outcome = await send(provider(server));
    expect(outcome).toMatchObject({ permanent: true, failureClass: 'invalid_request' });
    expect(outcome.status === 'failed' && outcome.reason).toContain(
      'HTTP 400: subject: The subject is required.; from.email: Does not contain a valid address.',
    );
  });

  it('a 429 without Retry-After waits until X-RateLimit-Reset', async () => {
    const reset = String(now.getTime() / 1000 + 42);
    const server = await answering({
      status: 429,
      headers: { 'x-ratelimit-reset': reset },
      body: { errors: [{ message: 'too many requests' }] },
    });
    expect(await send(provider(server))).toMatchObject({
      permanent: false,
      failureClass: 'rate_limited',
      retryAfterMs: 42_000,
    });
  });

  it('content without a subject or a body fails permanently before any request', async () => {
    const server = await startSendGridServer(key);
    const p = provider(server);
    expect(await send(p, { html: '<p>x</p>' })).toMatchObject({ permanent: true });
    expect(await send(p, { subject: 'x' })).toMatchObject({ permanent: true });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['Acme <alerts@acme.test>', { email: 'alerts@acme.test', name: 'Acme' }],
    ['alerts@acme.test', { email: 'alerts@acme.test' }],
    [' <alerts@acme.test> ', { email: 'alerts@acme.test' }],
  ])('sender %p → %p', (from, expected) => {
    expect(sender(from)).toEqual(expected);
  });
});
