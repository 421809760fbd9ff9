import {
  startFakeHttpServer,
  type FakeServer,
  type Reply,
  type RecordedRequest,
} from './fake-http-server.js';

export interface WebhookReceiver extends FakeServer {
  /** Overrides the reply for following requests (any status, headers, body). */
  replyWith(reply: Reply | 'hang' | undefined): void;
}

/**
 * A Standard Webhooks receiver: accepts any POST with 204 by default. It does not
 * verify signatures itself, so tests verify with the `standardwebhooks` package.
 * Scenarios: permanent → 400, transient → 503, rate-limited → 429 Retry-After: 7.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let override: Reply | 'hang' | undefined;
  const server = await startFakeHttpServer((req: RecordedRequest, scenario) => {
    if (override !== undefined) return override;
    if (req.method !== 'POST') return { status: 405 };
    switch (scenario) {
      case 'ok':
        return { status: 204 };
      case 'permanent':
        return { status: 400, body: { error: 'unknown event type' } };
      case 'transient':
        return { status: 503, body: 'upstream unavailable' };
      case 'rate-limited':
        return { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' };
      case 'hang':
        return 'hang';
    }
  });
  return {
    ...server,
    replyWith: (reply) => {
      override = reply;
    },
  };
}
