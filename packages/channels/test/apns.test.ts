// APNs against a local HTTP/2 TLS server that verifies the provider token, then the
// settings path (HERALD_PUSH_PROVIDER=apns).
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, silentLogger } from '@herald/core';
import { channelsEnv, createApnsProvider, createChannelRouter } from '../src/index.js';
import type { ApnsProviderConfig, ChannelProvider } from '../src/index.js';
import { makeJob } from './fixtures/make-job.js';
import { startApnsServer, type ApnsServer } from './servers/apns-server.js';

const signal = () => AbortSignal.timeout(5_000);
const now = new Date('2030-01-01T00:00:00Z');
const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const acme = pair();
const globex = pair();
const pem = (k: ReturnType<typeof pair>) =>
  k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const TOKEN = 'a1'.repeat(32);
const content = { title: 'Shipped', body: 'On its way', data: { orderId: 'o-1' } };

let server: ApnsServer;
const opened: ChannelProvider[] = [];
beforeEach(async () => {
  server = await startApnsServer({ KEYACME001: acme.publicKey, KEYGLOBEX1: globex.publicKey });
});
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
  await server.close();
});

function provider(extra: Partial<ApnsProviderConfig> = {}) {
  const p = createApnsProvider({
    teamId: 'TEAMACME01',
    keyId: 'KEYACME001',
    signingKey: pem(acme),
    topic: 'dev.acme.app',
    apiUrl: server.url,
    ca: server.ca,
    timeoutMs: 2_000,
    now: () => now,
    ...extra,
  });
  opened.push(p);
  return p;
}

describe('apns', () => {
  it('posts over HTTP/2 with a signed provider token and the apns headers; apns-id is the message id', async () => {
    const job = makeJob('push', TOKEN);
    const p = provider();
    const outcome = await p.send(job, { ...content, collapseId: 'order-o-1' }, signal());
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 200, messageId: '00000000-0000-0000-0000-000000000001' },
    });
    const [req] = server.requests;
    expect(req!.path).toBe(`/3/device/${TOKEN}`);
    expect(req!.jwt).toEqual({ iss: 'TEAMACME01', iat: now.getTime() / 1000, kid: 'KEYACME001' });
    expect(req!.headers).toMatchObject({
      'apns-topic': 'dev.acme.app',
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': 'order-o-1',
    });
    expect(req!.body).toEqual({
      orderId: 'o-1',
      aps: { alert: { title: 'Shipped', body: 'On its way' } },
      herald_notification_id: job.notificationId,
    });
    // One session and one token for the next send.
    await p.send(makeJob('push', TOKEN), { pushType: 'background' }, signal());
    expect(server.requests[1]!.headers).toMatchObject({
      'apns-push-type': 'background',
      'apns-priority': '5',
    });
    expect(server.requests[1]!.headers.authorization).toBe(req!.headers.authorization);
  });

  it.each([
    [410, 'Unregistered', {}, true, 'invalid_request', 'invalid-token (Unregistered)'],
    [400, 'BadDeviceToken', {}, true, 'invalid_request', 'invalid-token (BadDeviceToken)'],
    [429, 'TooManyRequests', { 'retry-after': '20' }, false, 'rate_limited', 'HTTP 429'],
    [403, 'ExpiredProviderToken', {}, true, 'auth', 'ExpiredProviderToken'],
    [413, 'PayloadTooLarge', {}, true, 'invalid_request', 'too large'],
    [503, 'ServiceUnavailable', {}, false, 'transient', 'HTTP 503'],
  ] as const)(
    'HTTP %s %s %j: permanent %s, class %s',
    async (status, reason, headers, isPermanent, cls, why) => {
      server.answer({ status, reason, headers });
      const outcome = await provider().send(makeJob('push', TOKEN), content, signal());
      expect(outcome).toMatchObject({
        status: 'failed',
        permanent: isPermanent,
        failureClass: cls,
        provider: { statusCode: status },
      });
      expect(outcome.status === 'failed' && outcome.reason).toContain(why);
      if (status === 429) expect(outcome).toMatchObject({ retryAfterMs: 20_000 });
    },
  );

  it('no answer within timeoutMs is a transient timeout', async () => {
    server.answer({ status: 'hang' });
    const outcome = await provider({ timeoutMs: 300 }).send(
      makeJob('push', TOKEN),
      content,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: false, failureClass: 'timeout' });
  });

  it('a key APNs does not know is auth (InvalidProviderToken)', async () => {
    const outcome = await provider({ keyId: 'KEYUNKNOWN' }).send(
      makeJob('push', TOKEN),
      content,
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
    expect(outcome.status === 'failed' && outcome.reason).toContain('InvalidProviderToken');
  });

  it('refuses non-hex tokens and oversized payloads before sending', async () => {
    const p = provider();
    expect(await p.send(makeJob('push', 'fA1b:APA91bH'), content, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
      reason: expect.stringContaining('invalid-token'),
    });
    const big = { ...content, data: { blob: 'x'.repeat(4100) } };
    expect(await p.send(makeJob('push', TOKEN), big, signal())).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('4096'),
    });
    expect(server.requests).toHaveLength(0);
  });

  it('signs with the tenant own key and team', async () => {
    const p = provider({
      tenants: {
        globex: {
          teamId: 'TEAMGLOBEX',
          keyId: 'KEYGLOBEX1',
          signingKey: pem(globex),
          topic: 'dev.globex.app',
        },
      },
    });
    expect(
      await p.send(makeJob('push', TOKEN, { tenant: 'globex' }), content, signal()),
    ).toMatchObject({ status: 'sent' });
    expect(server.requests[0]).toMatchObject({
      jwt: { iss: 'TEAMGLOBEX', kid: 'KEYGLOBEX1' },
      headers: { 'apns-topic': 'dev.globex.app' },
    });
  });
});

describe('HERALD_PUSH_PROVIDER=apns', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-apns-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (settings: Record<string, string>) =>
    parseEnv(channelsEnv(), { PATH: '/usr/bin', HERALD_PUSH_PROVIDER: 'apns', ...settings });
  const settings = () => {
    writeFileSync(join(dir, 'key.p8'), pem(acme));
    return {
      HERALD_APNS_TEAM_ID: 'TEAMACME01',
      HERALD_APNS_KEY_ID: 'KEYACME001',
      HERALD_APNS_SIGNING_KEY_FILE: join(dir, 'key.p8'),
      HERALD_APNS_TOPIC: 'dev.acme.app',
    };
  };

  it('reads the signing key from _FILE and builds the apns provider', async () => {
    const router = createChannelRouter(parse(settings()), ['push'], { logger: silentLogger });
    try {
      expect(router.providers.get('push')?.name).toBe('apns');
    } finally {
      await router.close();
    }
  });

  it('is refused at start-up without credentials or with a key that is not P-256', () => {
    expect(() => createChannelRouter(parse({}), ['push'], { logger: silentLogger })).toThrow(
      /apns: HERALD_APNS_TEAM_ID, HERALD_APNS_KEY_ID, HERALD_APNS_SIGNING_KEY, HERALD_APNS_TOPIC are not set/,
    );
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const { HERALD_APNS_SIGNING_KEY_FILE: _file, ...rest } = settings();
    expect(() =>
      createChannelRouter(parse({ ...rest, HERALD_APNS_SIGNING_KEY: rsa }), ['push'], {
        logger: silentLogger,
      }),
    ).toThrow(/HERALD_APNS_SIGNING_KEY: expected the .p8 auth key/);
  });
});
