/**
 * APNs: a local HTTP/2 + TLS server (checking the ES256 provider token) answers 410
 * Unregistered; the device token is marked and later jobs to it are suppressed
 * (address-state-harness.ts has the scenario).
 */
import { generateKeyPairSync } from 'node:crypto';
import { startApnsServer } from '../../packages/channels/test/servers/apns-server.js';
import {
  provesAddressState,
  startAddressStateRun,
  type AddressStateRun,
} from './address-state-harness.js';

let h: AddressStateRun;

beforeAll(async () => {
  h = await startAddressStateRun('address-state-apns', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const apns = await startApnsServer({ KEYACME001: publicKey });
    return {
      settings: {
        HERALD_PUSH_PROVIDER: 'apns',
        HERALD_APNS_TEAM_ID: 'TEAMACME01',
        HERALD_APNS_KEY_ID: 'KEYACME001',
        HERALD_APNS_SIGNING_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        HERALD_APNS_TOPIC: 'dev.acme.app',
        HERALD_APNS_API_URL: apns.url,
        HERALD_APNS_CA: apns.ca,
      },
      address: 'a1'.repeat(32),
      requestCount: () => apns.requests.length,
      refuseAsGone: () => apns.answer({ status: 410, reason: 'Unregistered' }),
      close: () => apns.close(),
    };
  });
}, 120_000);

afterAll(() => h?.stop());

it('410 Unregistered marks the token; the router and the worker suppress later jobs to it', async () => {
  await provesAddressState(h, /invalid-token \(Unregistered\)/);
});
