// Amazon SNS SMS against a local server of the SNS Query API: the exact Publish
// request the SDK sends, how each answer is classified, and the settings path
// (HERALD_SMS_PROVIDER=sns, _FILE credentials, tenants, refusal at start-up).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, silentLogger } from '@herald/core';
import { channelsEnv, createChannelRouter, createSnsProvider } from '../src/index.js';
import { closeOpened, now, track } from './fixtures/email-api-harness.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { startFakeHttpServer } from './servers/fake-http-server.js';
import { snsError, startSnsServer } from './servers/sms-api-fakes.js';

afterEach(closeOpened);
const signal = () => AbortSignal.timeout(5_000);
const KEY_ID = 'AKIDSNSTEST';
const SECRET = 'SnSsEcReT/abc+def';

function provider(server: FakeServer, extra: Parameters<typeof createSnsProvider>[0] = {}) {
  return track(
    server,
    createSnsProvider({
      region: 'us-east-1',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      endpoint: server.url,
      timeoutMs: 2_000,
      now: () => now,
      ...extra,
    }),
  );
}

describe('sns', () => {
  it('publishes to the phone number with the SMS attributes; the MessageId is the id', async () => {
    const server = await startSnsServer(KEY_ID);
    const outcome = await provider(server, { senderId: 'Acme' }).send(
      makeJob('sms', '+44 7700 900123'),
      { text: 'Your code is 123456' },
      signal(),
    );
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 200, messageId: '95df01b4-ee98-5cb9-9903-4c221d41eb51' },
    });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/' });
    expect(req!.headers['content-type']).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: '+447700900123',
      Message: 'Your code is 123456',
      'MessageAttributes.entry.1.Name': 'AWS.SNS.SMS.SMSType',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'Transactional',
      'MessageAttributes.entry.2.Name': 'AWS.SNS.SMS.SenderID',
      'MessageAttributes.entry.2.Value.DataType': 'String',
      'MessageAttributes.entry.2.Value.StringValue': 'Acme',
    });
  });

  it('Promotional when configured; no SenderID attribute without a sender id', async () => {
    const server = await startSnsServer(KEY_ID);
    await provider(server, { smsType: 'Promotional' }).send(
      makeJob('sms', '+15551234567'),
      { text: 'Sale' },
      signal(),
    );
    const form = new URLSearchParams(server.requests[0]!.body);
    expect(form.get('MessageAttributes.entry.1.Value.StringValue')).toBe('Promotional');
    expect(form.has('MessageAttributes.entry.2.Name')).toBe(false);
  });

  it('Throttling (400) is rate limited; InternalError transient; InvalidParameter invalid_request', async () => {
    const server = await startSnsServer(KEY_ID);
    const p = provider(server);
    const job = makeJob('sms', '+15551234567');
    server.scenario('rate-limited');
    expect(await p.send(job, { text: 'x' }, signal())).toMatchObject({
      status: 'failed',
      permanent: false,
      failureClass: 'rate_limited',
      retryAfterMs: 7_000,
      provider: { statusCode: 400, message: 'Throttling: Rate exceeded' },
    });
    server.scenario('transient');
    expect(await p.send(job, { text: 'x' }, signal())).toMatchObject({
      status: 'failed',
      permanent: false,
      failureClass: 'transient',
    });
    server.scenario('permanent');
    const refused = await p.send(job, { text: 'x' }, signal());
    expect(refused).toMatchObject({
      status: 'failed',
      permanent: true,
      failureClass: 'invalid_request',
    });
    expect(refused.status === 'failed' && refused.reason).toContain('sns: InvalidParameter');
  });

  it('a wrong key and AuthorizationError are auth; the secret is never in an outcome', async () => {
    const server = await startSnsServer('AKIDOTHER');
    const outcome = await provider(server).send(
      makeJob('sms', '+15551234567'),
      { text: 'x' },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
    expect(JSON.stringify(outcome)).not.toContain(SECRET);
    const denied = await startFakeHttpServer(() =>
      snsError(403, 'AuthorizationError', 'User is not authorized to perform: SNS:Publish'),
    );
    expect(
      await provider(denied).send(makeJob('sms', '+15551234567'), { text: 'x' }, signal()),
    ).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
  });

  it('refuses an empty or over-1600-byte text and a non-phone address before calling SNS', async () => {
    const server = await startSnsServer(KEY_ID);
    const p = provider(server);
    const tooLong = await p.send(
      makeJob('sms', '+15551234567'),
      { text: 'é'.repeat(801) },
      signal(),
    );
    expect(tooLong.status === 'failed' && tooLong.reason).toContain('HERALD_ERR_CONTENT_TOO_LARGE');
    expect(await p.send(makeJob('sms', '+15551234567'), { text: '' }, signal())).toMatchObject({
      status: 'failed',
      permanent: true,
    });
    const bad = await p.send(makeJob('sms', '12,34'), { text: 'x' }, signal());
    expect(bad.status === 'failed' && bad.reason).toContain('HERALD_ERR_ADDRESS_INVALID');
    expect(server.requests).toHaveLength(0);
  });
});

describe('HERALD_SMS_PROVIDER=sns', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-sns-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (settings: Record<string, string>) =>
    parseEnv(channelsEnv(), { PATH: '/usr/bin', HERALD_SMS_PROVIDER: 'sns', ...settings });

  it('reads credentials from _FILE, sends through SNS, and a tenant section wins', async () => {
    const server = await startSnsServer(KEY_ID);
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    writeFileSync(
      join(dir, 'tenants.json'),
      JSON.stringify({
        globex: { sns: { accessKeyId: 'AKIDTENANT', secretAccessKey: 'TeNaNtSeCrEt' } },
      }),
    );
    const env = parse({
      HERALD_SNS_REGION: 'eu-west-1',
      HERALD_SNS_ACCESS_KEY_ID: KEY_ID,
      HERALD_SNS_SECRET_ACCESS_KEY_FILE: join(dir, 'secret'),
      HERALD_SNS_ENDPOINT: server.url,
      HERALD_SNS_SENDER_ID: 'Acme',
      HERALD_CHANNEL_TENANTS_FILE: join(dir, 'tenants.json'),
    });
    const router = createChannelRouter(env, ['sms'], { logger: silentLogger });
    try {
      expect(router.providers.get('sms')?.name).toBe('sns');
      const job = makeJob('sms', '+15551234567', { tenant: 'acme' });
      expect(await router.send(job, { text: 'hi' }, signal())).toMatchObject({ status: 'sent' });
      expect(server.requests).toHaveLength(1);
      // globex signs with its own key (this server knows only the shared one): credentials never mix.
      const globex = makeJob('sms', '+15551234567', { tenant: 'globex' });
      expect(await router.send(globex, { text: 'hi' }, signal())).toMatchObject({
        status: 'failed',
        failureClass: 'auth',
      });
      expect(server.requests).toHaveLength(2);
      expect(server.requests[1]!.headers.authorization).toContain('Credential=AKIDTENANT/');
    } finally {
      await router.close();
      await server.close();
    }
  });

  it('is refused at start-up without credentials; twilio stays the default', () => {
    expect(() => createChannelRouter(parse({}), ['sms'], { logger: silentLogger })).toThrow(
      /sns: HERALD_SNS_REGION, HERALD_SNS_ACCESS_KEY_ID, HERALD_SNS_SECRET_ACCESS_KEY are not set/,
    );
    const env = parseEnv(channelsEnv(), { PATH: '/usr/bin' });
    expect(env.HERALD_SMS_PROVIDER).toBe('twilio');
    expect(() => parse({ HERALD_SNS_SENDER_ID: 'Too-Long-Sender' })).toThrow(
      /HERALD_SNS_SENDER_ID/,
    );
  });
});
