import { createWebhookProvider } from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { startWebhookReceiver, type WebhookReceiver } from './servers/webhook-receiver.js';

// The webhook provider keeps recipients' URLs parsed between sends (webhook-provider.ts,
// TargetCache): each address must still reach its own URL, and a refused one stay refused.

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver();
});

afterEach(async () => {
  await receiver.close();
});

it('sends each address to its own URL, again and again, and refuses a bad one every time', async () => {
  const provider = createWebhookProvider({
    secrets: { default: SECRET },
    allowPrivateNetworks: true,
  });
  try {
    const signal = AbortSignal.timeout(10_000);
    const addresses = [`${receiver.url}/a?x=1`, `${receiver.url}/b`, `${receiver.url}/a?x=1`];
    for (const address of [...addresses, ...addresses]) {
      const outcome = await provider.send(makeJob('webhook', address), undefined, signal);
      expect(outcome.status).toBe('sent');
    }
    expect(receiver.requests.map((r) => r.path)).toEqual([
      '/a?x=1',
      '/b',
      '/a?x=1',
      '/a?x=1',
      '/b',
      '/a?x=1',
    ]);
    for (let i = 0; i < 2; i++) {
      const outcome = await provider.send(makeJob('webhook', 'ftp://x.test/'), undefined, signal);
      expect(outcome).toMatchObject({ status: 'failed', permanent: true });
      expect(outcome.status === 'failed' && outcome.reason).toMatch(/only http and https/);
    }
  } finally {
    await provider.close();
  }
});
