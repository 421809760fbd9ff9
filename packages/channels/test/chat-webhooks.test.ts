// Mattermost and Google Chat against local servers of their incoming-webhook APIs:
// the exact request, the message id, and how each answer is classified.
import { parseEnv, silentLogger } from '@herald/core';
import {
  channelsEnv,
  createChannelRouter,
  createGoogleChatProvider,
  createMattermostProvider,
} from '../src/index.js';
import { answering, closeOpened, now, track } from './fixtures/email-api-harness.js';
import { makeJob } from './fixtures/make-job.js';
import { startGoogleChatServer, startMattermostServer } from './servers/chat-webhook-fakes.js';
import type { FakeServer } from './servers/fake-http-server.js';

afterEach(closeOpened);
const signal = () => AbortSignal.timeout(5_000);

describe('mattermost', () => {
  const provider = (server: FakeServer) =>
    track(
      server,
      createMattermostProvider({ allowPrivateNetworks: true, timeoutMs: 2_000, now: () => now }),
    );

  it('posts text, username, icon_url and attachments as JSON to the hook URL', async () => {
    const server = await startMattermostServer('hook123');
    const outcome = await provider(server).send(
      makeJob('mattermost', `${server.url}/hooks/hook123`),
      {
        text: '#### Deploy finished',
        username: 'Herald',
        iconUrl: 'https://acme.test/herald.png',
        attachments: [{ color: '#36a64f', title: 'main', text: 'green' }],
      },
      signal(),
    );
    expect(outcome).toEqual({ status: 'sent', provider: { statusCode: 200 } });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/hooks/hook123' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req!.body)).toEqual({
      text: '#### Deploy finished',
      username: 'Herald',
      icon_url: 'https://acme.test/herald.png',
      attachments: [{ color: '#36a64f', title: 'main', text: 'green' }],
    });
  });

  it('an unknown hook is a permanent invalid_request naming the AppError, without the hook id', async () => {
    const server = await startMattermostServer('hook123');
    const outcome = await provider(server).send(
      makeJob('mattermost', `${server.url}/hooks/WrOnGhOoK`),
      { text: 'hi' },
      signal(),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      permanent: true,
      failureClass: 'invalid_request',
      provider: { statusCode: 400, message: 'Invalid webhook.' },
    });
    expect(JSON.stringify(outcome)).not.toContain('WrOnGhOoK');
  });

  it('403 (overrides not allowed) is auth; empty content is refused before sending', async () => {
    const server = await answering({
      status: 403,
      body: { id: 'api.context.permissions.app_error', message: 'no permission', status_code: 403 },
    });
    const p = provider(server);
    const job = makeJob('mattermost', `${server.url}/hooks/x`);
    expect(await p.send(job, { text: 'hi' }, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
      failureClass: 'auth',
    });
    const empty = await p.send(job, { text: '' }, signal());
    expect(empty).toMatchObject({ status: 'failed', permanent: true });
    expect(empty.status === 'failed' && empty.reason).toContain('neither "text" nor "attachments"');
    expect(server.requests).toHaveLength(1);
  });
});

describe('googlechat', () => {
  const provider = (server: FakeServer) =>
    track(
      server,
      createGoogleChatProvider({ allowPrivateNetworks: true, timeoutMs: 2_000, now: () => now }),
    );
  const address = (server: FakeServer, token = 'tok') =>
    `${server.url}/v1/spaces/SPACE1/messages?key=kee&token=${token}`;
  const card = { cardId: 'alert', card: { header: { title: 'Disk full' }, sections: [] } };

  it('posts text and cardsV2 to the URL with key and token; the message name is the id', async () => {
    const server = await startGoogleChatServer('SPACE1', 'kee', 'tok');
    const outcome = await provider(server).send(
      makeJob('googlechat', address(server)),
      { text: 'Disk *full*', cardsV2: [card] },
      signal(),
    );
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 200, messageId: 'spaces/SPACE1/messages/msg1.msg1' },
    });
    const [req] = server.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/v1/spaces/SPACE1/messages?key=kee&token=tok',
    });
    expect(req!.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(JSON.parse(req!.body)).toEqual({ text: 'Disk *full*', cardsV2: [card] });
  });

  it('a wrong token is a permanent auth failure; the token is not in the outcome', async () => {
    const server = await startGoogleChatServer('SPACE1', 'kee', 'tok');
    const outcome = await provider(server).send(
      makeJob('googlechat', address(server, 'WrOnGtOkEn')),
      { text: 'hi' },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
    expect(outcome.status === 'failed' && outcome.reason).toContain(
      'HTTP 401 UNAUTHENTICATED: Request had invalid authentication credentials',
    );
    expect(JSON.stringify(outcome)).not.toContain('WrOnGtOkEn');
  });

  it('RESOURCE_EXHAUSTED honours a Retry-After when one is sent; a removed space is permanent', async () => {
    const limited = await answering({
      status: 429,
      headers: { 'retry-after': '3' },
      body: {
        error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' },
      },
    });
    expect(
      await provider(limited).send(
        makeJob('googlechat', address(limited)),
        { text: 'hi' },
        signal(),
      ),
    ).toMatchObject({
      status: 'failed',
      permanent: false,
      failureClass: 'rate_limited',
      retryAfterMs: 3_000,
    });
    const gone = await startGoogleChatServer('OTHER', 'kee', 'tok');
    expect(
      await provider(gone).send(makeJob('googlechat', address(gone)), { text: 'hi' }, signal()),
    ).toMatchObject({ status: 'failed', permanent: true, failureClass: 'invalid_request' });
  });

  it('a URL without key and token is refused before sending', async () => {
    const server = await startGoogleChatServer('SPACE1', 'kee', 'tok');
    const outcome = await provider(server).send(
      makeJob('googlechat', `${server.url}/v1/spaces/SPACE1/messages`),
      { text: 'hi' },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.status === 'failed' && outcome.reason).toContain('HERALD_ERR_ADDRESS_INVALID');
    expect(server.requests).toHaveLength(0);
  });
});

test('from settings: a worker serving mattermost and googlechat needs no credentials', async () => {
  const mattermost = await startMattermostServer('hook123');
  const chat = await startGoogleChatServer('SPACE1', 'kee', 'tok');
  const env = parseEnv(channelsEnv(), {
    PATH: '/usr/bin',
    HERALD_CHAT_ALLOW_PRIVATE_NETWORKS: 'true',
  });
  const router = createChannelRouter(env, ['mattermost', 'googlechat'], { logger: silentLogger });
  try {
    expect(router.providers.get('mattermost')?.name).toBe('mattermost');
    expect(
      await router.send(
        makeJob('mattermost', `${mattermost.url}/hooks/hook123`),
        { text: 'hi' },
        signal(),
      ),
    ).toMatchObject({ status: 'sent' });
    expect(
      await router.send(
        makeJob('googlechat', `${chat.url}/v1/spaces/SPACE1/messages?key=kee&token=tok`),
        { text: 'hi' },
        signal(),
      ),
    ).toMatchObject({
      status: 'sent',
      provider: { messageId: 'spaces/SPACE1/messages/msg1.msg1' },
    });
    // Without the private-network opt-in, the SSRF guard refuses the local servers.
    const guarded = createChannelRouter(
      parseEnv(channelsEnv(), { PATH: '/usr/bin' }),
      ['mattermost'],
      { logger: silentLogger },
    );
    const refused = await guarded.send(
      makeJob('mattermost', `${mattermost.url}/hooks/hook123`),
      { text: 'hi' },
      signal(),
    );
    await guarded.close();
    expect(refused.status === 'failed' && refused.reason).toContain('HERALD_ERR_TARGET_REFUSED');
    expect(mattermost.requests).toHaveLength(1);
  } finally {
    await router.close();
    await mattermost.close();
    await chat.close();
  }
});
