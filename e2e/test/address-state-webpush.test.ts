/**
 * Web Push: a local push service (checking the VAPID JWT and decrypting the payload)
 * answers 410 Gone; the subscription is marked and later jobs to it are suppressed
 * (address-state-harness.ts has the scenario).
 */
import { generateKeyPairSync } from 'node:crypto';
import { startPushService } from '../../packages/channels/test/servers/webpush-server.js';
import {
  provesAddressState,
  startAddressStateRun,
  type AddressStateRun,
} from './address-state-harness.js';

let h: AddressStateRun;

/** A VAPID key pair as base64url: the uncompressed public point and the 32-byte secret. */
function vapidKeys() {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    format: 'jwk',
  });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x!, 'base64url'),
    Buffer.from(jwk.y!, 'base64url'),
  ]);
  return { publicKey: point.toString('base64url'), privateKey: jwk.d! };
}

beforeAll(async () => {
  h = await startAddressStateRun('address-state-webpush', async () => {
    const service = await startPushService();
    const vapid = vapidKeys();
    return {
      settings: {
        HERALD_PUSH_PROVIDER: 'webpush',
        HERALD_WEBPUSH_VAPID_PUBLIC_KEY: vapid.publicKey,
        HERALD_WEBPUSH_VAPID_PRIVATE_KEY: vapid.privateKey,
        HERALD_WEBPUSH_SUBJECT: 'mailto:ops@acme.test',
        HERALD_WEBPUSH_ALLOW_PRIVATE_NETWORKS: 'true',
      },
      address: service.subscribe().address,
      requestCount: () => service.received(),
      refuseAsGone: () => service.answer({ status: 410 }),
      close: () => service.close(),
    };
  });
}, 120_000);

afterAll(() => h?.stop());

it('410 Gone marks the subscription; the router and the worker suppress later jobs to it', async () => {
  await provesAddressState(h, /invalid-subscription \(HTTP 410\)/);
});
