// Mailgun against a local server of its API: the exact form POST /v3/{domain}/messages
// expects, and how its answers are classified.
import { createMailgunProvider, type ChannelProvider } from '../src/index.js';
import { answering, closeOpened, email, now, track } from './fixtures/email-api-harness.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { startMailgunServer } from './servers/email-api-fakes.js';

afterEach(closeOpened);

const key = 'key-MaIlGuN-0123';
const domain = 'mg.acme.test';
function provider(server: FakeServer, overrides: { apiKey?: string; domain?: string } = {}) {
  return track(
    server,
    createMailgunProvider({
      apiKey: key,
      domain,
      from: 'Acme <alerts@mg.acme.test>',
      apiUrl: server.url,
      timeoutMs: 2_000,
      now: () => now,
      ...overrides,
    }),
  );
}
const send = (p: ChannelProvider, content: Record<string, unknown> = email) =>
  p.send(makeJob('email', 'ada@example.test'), content, AbortSignal.timeout(5_000));

it('posts the form to /v3/{domain}/messages with basic auth api:key; the id is the message id', async () => {
  const server = await startMailgunServer(domain, key);
  const job = makeJob('email', 'ada@example.test');
  const outcome = await provider(server).send(job, email, AbortSignal.timeout(5_000));
  expect(outcome).toEqual({
    status: 'sent',
    provider: { statusCode: 200, messageId: '20300101000000.1.ABCDEF@mg.acme.test' },
  });
  const [req] = server.requests;
  expect(req).toMatchObject({ method: 'POST', path: '/v3/mg.acme.test/messages' });
  expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`api:${key}`).toString('base64')}`);
  expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
    from: 'Acme <alerts@mg.acme.test>',
    to: 'ada@example.test',
    subject: 'Shipped',
    text: 'On its way',
    html: '<p>On its way</p>',
    'h:X-Herald-Notification-Id': job.notificationId,
    'v:herald_notification_id': job.notificationId,
  });
});

it('a refused key (401 "Forbidden", plain text) is permanent with class auth, the key not in it', async () => {
  const server = await startMailgunServer(domain, key);
  const outcome = await send(provider(server, { apiKey: 'key-WrOnG' }));
  expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
  expect(outcome.status === 'failed' && outcome.reason).toContain('HTTP 401: Forbidden');
  expect(JSON.stringify(outcome)).not.toContain('WrOnG');
});

it("an unknown domain (404) is permanent and names Mailgun's message", async () => {
  const server = await startMailgunServer(domain, key);
  const outcome = await send(provider(server, { domain: 'mg.other.test' }));
  expect(outcome).toMatchObject({ permanent: true, failureClass: 'invalid_request' });
  expect(outcome.status === 'failed' && outcome.reason).toContain(
    'HTTP 404: Domain not found: mg.other.test',
  );
});

it('a 429 with a dated Retry-After waits until then; a 500 is transient', async () => {
  const limited = await answering({
    status: 429,
    headers: { 'retry-after': 'Tue, 01 Jan 2030 00:01:00 GMT' },
    body: { message: 'Too many requests' },
  });
  expect(await send(provider(limited))).toMatchObject({
    permanent: false,
    failureClass: 'rate_limited',
    retryAfterMs: 60_000,
  });
  const broken = await answering({ status: 500, body: { message: 'Internal Server Error' } });
  expect(await send(provider(broken))).toMatchObject({
    permanent: false,
    failureClass: 'transient',
  });
});

it('a text-only message sends no html field', async () => {
  const server = await startMailgunServer(domain, key);
  await send(provider(server), { subject: 'Hi', text: 'plain' });
  const form = new URLSearchParams(server.requests[0]!.body);
  expect(form.get('text')).toBe('plain');
  expect(form.has('html')).toBe(false);
});

it('content without a subject or a body fails permanently before any request', async () => {
  const server = await startMailgunServer(domain, key);
  const p = provider(server);
  expect(await send(p, { text: 'x' })).toMatchObject({ permanent: true });
  expect(await send(p, { subject: 'x' })).toMatchObject({ permanent: true });
  expect(server.requests).toHaveLength(0);
});
