// Web Push against a local push service that checks the VAPID JWT and decrypts the
// aes128gcm payload with the subscription's keys, as a browser would; then the
// settings path (HERALD_PUSH_PROVIDER=webpush).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import webPush from 'web-push';
import { parseEnv, silentLogger } from '@herald/core';
import { channelsEnv, createChannelRouter, createWebPushProvider } from '../src/index.js';
import type { ChannelProvider, WebPushCredentials } from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { startPushService, type PushService } from './servers/webpush-server.js';

const signal = () => AbortSignal.timeout(5_000);
const now = new Date('2030-01-01T00:00:00Z');
const vapid = webPush.generateVAPIDKeys();
const credentials: WebPushCredentials = {
  vapidPublicKey: vapid.publicKey,
  vapidPrivateKey: vapid.privateKey,
  subject: 'mailto:ops@acme.test',
};
const content = { title: 'Shipped', body: 'On its way', data: { orderId: 'o-1' } };

let service: PushService;
const opened: ChannelProvider[] = [];
beforeEach(async () => {
  service = await startPushService();
});
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
  await service.close();
});

function provider(extra: Partial<Parameters<typeof createWebPushProvider>[0]> = {}) {
  const p = createWebPushProvider({
    ...credentials,
    allowPrivateNetworks: true,
    timeoutMs: 2_000,
    now: () => now,
    ...extra,
  });
  opened.push(p);
  return p;
}

describe('webpush', () => {
  it('encrypts the payload for the subscription and signs a VAPID JWT for the origin', async () => {
    const { address } = service.subscribe();
    const job = makeJob('push', address);
    const outcome = await provider({ ttlSeconds: 600 }).send(
      job,
      { ...content, urgency: 'high', topic: 'order-o-1' },
      signal(),
    );
    expect(service.refusals).toEqual([]);
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 201, messageId: '/message/m-1' },
    });
    const [delivery] = service.deliveries;
    expect(delivery!.payload).toEqual({ ...content, herald_notification_id: job.notificationId });
    expect(delivery!.jwt).toMatchObject({ aud: service.url, sub: 'mailto:ops@acme.test' });
    expect(delivery!.vapidKey).toBe(vapid.publicKey);
    expect(delivery!.headers).toMatchObject({ ttl: '600', urgency: 'high', topic: 'order-o-1' });
  });

  it.each([
    [404, {}, true, 'invalid_request', 'invalid-subscription (HTTP 404)'],
    [410, {}, true, 'invalid_request', 'invalid-subscription (HTTP 410)'],
    [401, {}, true, 'auth', 'VAPID'],
    [403, {}, true, 'auth', 'VAPID'],
    [413, {}, true, 'invalid_request', 'too large'],
    [429, { 'retry-after': '30' }, false, 'rate_limited', 'HTTP 429'],
    [503, {}, false, 'transient', 'HTTP 503'],
  ] as const)(
    'HTTP %s %j: permanent %s, class %s',
    async (status, headers, isPermanent, cls, why) => {
      const { address } = service.subscribe();
      service.answer({ status, headers, body: 'refused' });
      const outcome = await provider().send(makeJob('push', address), content, signal());
      expect(outcome).toMatchObject({
        status: 'failed',
        permanent: isPermanent,
        failureClass: cls,
        provider: { statusCode: status },
      });
      expect(outcome.status === 'failed' && outcome.reason).toContain(why);
      if (status === 429) expect(outcome).toMatchObject({ retryAfterMs: 30_000 });
    },
  );

  it('refuses device tokens, payloads over the limit and missing title before sending', async () => {
    const p = provider();
    const { address } = service.subscribe();
    expect(await p.send(makeJob('push', 'fA1b:APA91bH'), content, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
      reason: expect.stringContaining('invalid-subscription'),
    });
    const big = { ...content, data: { blob: 'x'.repeat(4000) } };
    expect(await p.send(makeJob('push', address), big, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
      reason: expect.stringContaining('3993'),
    });
    expect(await p.send(makeJob('push', address), { body: 'x' }, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
    });
    expect(service.deliveries).toHaveLength(0);
  });

  it('signs with the tenant own VAPID keys', async () => {
    const globex = webPush.generateVAPIDKeys();
    const p = provider({
      tenants: {
        globex: {
          vapidPublicKey: globex.publicKey,
          vapidPrivateKey: globex.privateKey,
          subject: 'https://globex.test',
        },
      },
    });
    const { address } = service.subscribe();
    const job = makeJob('push', address, { tenant: 'globex' });
    expect(await p.send(job, content, signal())).toMatchObject({ status: 'sent' });
    expect(service.deliveries[0]).toMatchObject({
      vapidKey: globex.publicKey,
      jwt: { sub: 'https://globex.test' },
    });
  });
});

describe('HERALD_PUSH_PROVIDER=webpush', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-webpush-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (settings: Record<string, string>) =>
    parseEnv(channelsEnv(), { PATH: '/usr/bin', HERALD_PUSH_PROVIDER: 'webpush', ...settings });

  it('reads the private key from _FILE and builds the webpush provider', async () => {
    writeFileSync(join(dir, 'vapid'), `${vapid.privateKey}\n`);
    const router = createChannelRouter(
      parse({
        HERALD_WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        HERALD_WEBPUSH_VAPID_PRIVATE_KEY_FILE: join(dir, 'vapid'),
        HERALD_WEBPUSH_SUBJECT: 'mailto:ops@acme.test',
      }),
      ['push'],
      { logger: silentLogger },
    );
    try {
      expect(router.providers.get('push')?.name).toBe('webpush');
      // The push service's address is private here, so the SSRF policy refuses it: the
      // provider in the router is the guarded one.
      const { address } = service.subscribe();
      const outcome = await router.send(makeJob('push', address), content, signal());
      expect(outcome).toMatchObject({ status: 'failed', permanent: true });
      expect(service.deliveries).toHaveLength(0);
    } finally {
      await router.close();
    }
  });

  it('keeps fcm as the default push provider', () => {
    expect(parseEnv(channelsEnv(), { PATH: '/usr/bin' }).HERALD_PUSH_PROVIDER).toBe('fcm');
  });

  it('is refused at start-up without credentials or with a bad key', () => {
    expect(() => createChannelRouter(parse({}), ['push'], { logger: silentLogger })).toThrow(
      /webpush: HERALD_WEBPUSH_VAPID_PUBLIC_KEY, HERALD_WEBPUSH_VAPID_PRIVATE_KEY, HERALD_WEBPUSH_SUBJECT are not set/,
    );
    expect(() =>
      createChannelRouter(
        parse({
          HERALD_WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
          HERALD_WEBPUSH_VAPID_PRIVATE_KEY: 'c2hvcnQ',
          HERALD_WEBPUSH_SUBJECT: 'mailto:ops@acme.test',
        }),
        ['push'],
        { logger: silentLogger },
      ),
    ).toThrow(/HERALD_WEBPUSH_\*: .*private key/i);
  });
});
