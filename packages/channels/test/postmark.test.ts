// Postmark against a local server of its API: the exact request POST /email expects,
// and how its answers (HTTP status and ErrorCode) are classified.
import { createPostmarkProvider, type ChannelProvider } from '../src/index.js';
import { answering, closeOpened, email, now, track } from './fixtures/email-api-harness.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { startPostmarkServer } from './servers/email-api-fakes.js';

afterEach(closeOpened);

const token = 'PoStMaRk-SeRvEr-ToKeN';
function provider(
  server: FakeServer,
  overrides: { serverToken?: string; messageStream?: string } = {},
) {
  return track(
    server,
    createPostmarkProvider({
      serverToken: token,
      from: 'Acme <alerts@acme.test>',
      apiUrl: server.url,
      timeoutMs: 2_000,
      now: () => now,
      ...overrides,
    }),
  );
}
const send = (p: ChannelProvider, content: Record<string, unknown> = email) =>
  p.send(makeJob('email', 'ada@example.test'), content, AbortSignal.timeout(5_000));

it('posts /email with the server token header and reads MessageID', async () => {
  const server = await startPostmarkServer(token);
  const job = makeJob('email', 'ada@example.test');
  const outcome = await provider(server).send(job, email, AbortSignal.timeout(5_000));
  expect(outcome).toEqual({
    status: 'sent',
    provider: { statusCode: 200, messageId: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817' },
  });
  const [req] = server.requests;
  expect(req).toMatchObject({ method: 'POST', path: '/email' });
  expect(req!.headers['x-postmark-server-token']).toBe(token);
  expect(req!.headers.accept).toBe('application/json');
  expect(req!.headers['content-type']).toBe('application/json');
  expect(JSON.parse(req!.body)).toEqual({
    From: 'Acme <alerts@acme.test>',
    To: 'ada@example.test',
    Subject: 'Shipped',
    HtmlBody: '<p>On its way</p>',
    TextBody: 'On its way',
    MessageStream: 'outbound',
    Headers: [{ Name: 'X-Herald-Notification-Id', Value: job.notificationId }],
    Metadata: { herald_notification_id: job.notificationId },
  });
});

it('sends through the configured message stream; an unknown one is refused (1235)', async () => {
  const server = await startPostmarkServer(token);
  expect(await send(provider(server, { messageStream: 'broadcast' }))).toMatchObject({
    status: 'sent',
  });
  expect(JSON.parse(server.requests[0]!.body).MessageStream).toBe('broadcast');
  const outcome = await send(provider(server, { messageStream: 'no-such-stream' }));
  expect(outcome).toMatchObject({ permanent: true, failureClass: 'invalid_request' });
  expect(outcome.status === 'failed' && outcome.reason).toContain('error 1235');
});

it('a refused token (401, ErrorCode 10) is permanent with class auth, the token not in it', async () => {
  const server = await startPostmarkServer(token);
  const outcome = await send(provider(server, { serverToken: 'WrOnG-ToKeN' }));
  expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
  expect(outcome.status === 'failed' && outcome.reason).toContain('error 10: Request does not');
  expect(JSON.stringify(outcome)).not.toContain('WrOnG-ToKeN');
});

it.each([
  [400, 'Sender signature not found', 'auth'],
  [401, 'Sender signature not confirmed', 'auth'],
  [300, 'Invalid email request', 'invalid_request'],
  [406, 'Inactive recipient', 'invalid_request'],
] as const)('422 with ErrorCode %p (%s) is permanent, class %s', async (code, message, cls) => {
  const server = await answering({ status: 422, body: { ErrorCode: code, Message: message } });
  const outcome = await send(provider(server));
  expect(outcome).toMatchObject({ permanent: true, failureClass: cls });
  expect(outcome.status === 'failed' && outcome.reason).toContain(`error ${code}: ${message}`);
});

it('maintenance (ErrorCode 100) and 503 are transient; a dated Retry-After is honoured', async () => {
  const maintenance = await answering({
    status: 503,
    headers: { 'retry-after': 'Tue, 01 Jan 2030 00:00:30 GMT' },
    body: { ErrorCode: 100, Message: 'Maintenance' },
  });
  expect(await send(provider(maintenance))).toMatchObject({
    permanent: false,
    failureClass: 'rate_limited',
    retryAfterMs: 30_000,
  });
  const odd = await answering({ status: 422, body: { ErrorCode: 100, Message: 'Maintenance' } });
  expect(await send(provider(odd))).toMatchObject({ permanent: false, failureClass: 'transient' });
});

it('a 200 carrying a non-zero ErrorCode is not taken for a send', async () => {
  const server = await answering({ status: 200, body: { ErrorCode: 300, Message: 'Invalid' } });
  expect(await send(provider(server))).toMatchObject({ status: 'failed', permanent: true });
});

it('content without a subject or a body fails permanently before any request', async () => {
  const server = await startPostmarkServer(token);
  const p = provider(server);
  expect(await send(p, { text: 'x' })).toMatchObject({ permanent: true });
  expect(await send(p, { subject: 'x' })).toMatchObject({ permanent: true });
  expect(server.requests).toHaveLength(0);
});
