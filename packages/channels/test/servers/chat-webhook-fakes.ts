// Local servers speaking the incoming-webhook APIs of Mattermost and Google Chat.
import { startFakeHttpServer, type FakeServer, type Reply } from './fake-http-server.js';

/** Mattermost: POST /hooks/{id}; 200 "ok"; errors are AppError JSON. */
export function startMattermostServer(hookId: string): Promise<FakeServer> {
  const appError = (status: number, id: string, message: string): Reply => ({
    status,
    body: { id, message, detailed_error: '', request_id: 'req-1', status_code: status },
  });
  return startFakeHttpServer((req, scenario): Reply | 'hang' => {
    if (scenario === 'hang') return 'hang';
    if (req.method !== 'POST' || req.path !== `/hooks/${hookId}`)
      return appError(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.');
    const post = JSON.parse(req.body) as { text?: string; attachments?: unknown[] };
    if (!post.text && !Array.isArray(post.attachments))
      return appError(400, 'web.incoming_webhook.text.app_error', 'No text specified.');
    if (scenario === 'permanent')
      return appError(400, 'web.incoming_webhook.invalid.app_error', 'Invalid webhook.');
    if (scenario === 'transient') return { status: 503, body: 'Service Unavailable' };
    if (scenario === 'rate-limited') {
      return {
        status: 429,
        headers: { 'retry-after': '7', 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '0' },
        body: 'limit exceeded\n',
      };
    }
    return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
  });
}

/** Google Chat: POST /v1/spaces/{space}/messages?key=…&token=…; answers the created Message. */
export function startGoogleChatServer(
  space: string,
  key: string,
  token: string,
): Promise<FakeServer> {
  const googleError = (code: number, status: string, message: string): Reply => ({
    status: code,
    body: { error: { code, message, status } },
  });
  let created = 0;
  return startFakeHttpServer((req, scenario): Reply | 'hang' => {
    if (scenario === 'hang') return 'hang';
    const url = new URL(req.path, 'http://chat.test');
    if (req.method !== 'POST' || url.pathname !== `/v1/spaces/${space}/messages`)
      return googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
    if (url.searchParams.get('key') !== key || url.searchParams.get('token') !== token)
      return googleError(
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token.',
      );
    const message = JSON.parse(req.body) as { text?: string; cardsV2?: unknown[] };
    if (!message.text && !Array.isArray(message.cardsV2))
      return googleError(400, 'INVALID_ARGUMENT', 'Message cannot be empty.');
    if (scenario === 'permanent')
      return googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    if (scenario === 'transient')
      return googleError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
    if (scenario === 'rate-limited')
      return googleError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Write requests' of service 'chat.googleapis.com'.",
      );
    created += 1;
    const name = `spaces/${space}/messages/msg${created}.msg${created}`;
    return {
      status: 200,
      body: {
        name,
        sender: { name: 'users/114022495153014004089', type: 'BOT' },
        createTime: '2030-01-01T00:00:00.000000Z',
        thread: { name: `spaces/${space}/threads/thr${created}` },
        space: { name: `spaces/${space}`, type: 'ROOM' },
        ...message,
      },
    };
  });
}
