// Vonage SMS against a local server of its SMS API: the exact request, the status
// codes of a 200 answer, and the settings path (HERALD_SMS_PROVIDER=vonage).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv, silentLogger } from '@herald/core';
import { channelsEnv, createChannelRouter, createVonageProvider } from '../src/index.js';
import { answering, closeOpened, now, track } from './fixtures/email-api-harness.js';
import { makeJob } from './fixtures/make-job.js';
import type { FakeServer } from './servers/fake-http-server.js';
import { startVonageServer } from './servers/sms-api-fakes.js';

afterEach(closeOpened);
const signal = () => AbortSignal.timeout(5_000);
const SECRET = 'VoNaGeSeCrEt';

function provider(server: FakeServer, apiSecret = SECRET) {
  return track(
    server,
    createVonageProvider({
      apiKey: 'abc123',
      apiSecret,
      from: 'Acme',
      apiUrl: `${server.url}/`,
      timeoutMs: 2_000,
      now: () => now,
    }),
  );
}
const refusal = (status: string, errorText: string) =>
  answering({
    status: 200,
    body: { 'message-count': '1', messages: [{ status, 'error-text': errorText }] },
  });

describe('vonage', () => {
  it('posts the form to /sms/json; the first part id is the message id', async () => {
    const server = await startVonageServer('abc123', SECRET);
    const job = makeJob('sms', '+44 7700 900123');
    const outcome = await provider(server).send(job, { text: 'Your code is 123456' }, signal());
    expect(outcome).toEqual({
      status: 'sent',
      provider: { statusCode: 200, messageId: '0A00000012345001' },
    });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/sms/json' });
    expect(req!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(req!.body))).toEqual({
      api_key: 'abc123',
      api_secret: SECRET,
      from: 'Acme',
      to: '447700900123',
      text: 'Your code is 123456',
      'client-ref': job.notificationId,
    });
  });

  it('UCS-2 text is sent as type=unicode; a multi-part answer is sent when every part is', async () => {
    const server = await startVonageServer('abc123', SECRET);
    const p = provider(server);
    const outcome = await p.send(
      makeJob('sms', '+15551234567'),
      { text: 'Grüße 👋 '.repeat(40), encoding: 'UCS-2' },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'sent', provider: { messageId: '0A00000012345001' } });
    expect(new URLSearchParams(server.requests[0]!.body).get('type')).toBe('unicode');
    await p.send(makeJob('sms', '+15551234567'), { text: 'plain', encoding: 'GSM-7' }, signal());
    expect(new URLSearchParams(server.requests[1]!.body).has('type')).toBe(false);
  });

  it.each([
    ['1', 'Throughput Rate Exceeded', false, 'rate_limited'],
    ['2', 'Missing from param', true, 'invalid_request'],
    ['3', 'Invalid to param', true, 'invalid_request'],
    ['4', 'Bad Credentials', true, 'auth'],
    ['5', 'Internal Error', false, 'transient'],
    ['6', 'Unroutable message - rejected', true, 'invalid_request'],
    ['9', 'Quota Exceeded - rejected', true, 'permanent'],
    ['99', 'Something new', true, 'permanent'],
  ] as const)('status %s (%s): permanent %s, class %s', async (code, text, isPermanent, cls) => {
    const server = await refusal(code, text);
    const outcome = await provider(server).send(
      makeJob('sms', '+15551234567'),
      { text: 'x' },
      signal(),
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      permanent: isPermanent,
      failureClass: cls,
      provider: { statusCode: 200, message: text },
    });
    expect(outcome.status === 'failed' && outcome.reason).toContain(`vonage: status ${code} (`);
  });

  it('a wrong secret is auth, and the secret is never in the outcome; a 5xx is transient', async () => {
    const server = await startVonageServer('abc123', SECRET);
    const outcome = await provider(server, 'WrOnGsEcReT').send(
      makeJob('sms', '+15551234567'),
      { text: 'x' },
      signal(),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true, failureClass: 'auth' });
    expect(JSON.stringify(outcome)).not.toContain('WrOnGsEcReT');
    const down = await answering({ status: 503, body: 'Service Unavailable' });
    expect(
      await provider(down).send(makeJob('sms', '+15551234567'), { text: 'x' }, signal()),
    ).toMatchObject({ status: 'failed', permanent: false, failureClass: 'transient' });
  });
});

describe('HERALD_SMS_PROVIDER=vonage', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-vonage-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const parse = (settings: Record<string, string>) =>
    parseEnv(channelsEnv(), { PATH: '/usr/bin', HERALD_SMS_PROVIDER: 'vonage', ...settings });

  it('reads the secret from _FILE; a tenant section brings its own key and secret', async () => {
    const server = await startVonageServer('abc123', SECRET);
    writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
    writeFileSync(
      join(dir, 'tenants.json'),
      JSON.stringify({ globex: { vonage: { apiKey: 'globex1', apiSecret: 'GlObExSeCrEt' } } }),
    );
    const router = createChannelRouter(
      parse({
        HERALD_VONAGE_API_KEY: 'abc123',
        HERALD_VONAGE_API_SECRET_FILE: join(dir, 'secret'),
        HERALD_VONAGE_FROM: 'Acme',
        HERALD_VONAGE_API_URL: server.url,
        HERALD_CHANNEL_TENANTS_FILE: join(dir, 'tenants.json'),
      }),
      ['sms'],
      { logger: silentLogger },
    );
    try {
      expect(router.providers.get('sms')?.name).toBe('vonage');
      const acme = makeJob('sms', '+15551234567', { tenant: 'acme' });
      expect(await router.send(acme, { text: 'hi' }, signal())).toMatchObject({ status: 'sent' });
      const globex = makeJob('sms', '+15551234567', { tenant: 'globex' });
      const other = await router.send(globex, { text: 'hi' }, signal());
      expect(other).toMatchObject({ status: 'failed', failureClass: 'auth' });
      expect(new URLSearchParams(server.requests[1]!.body).get('api_key')).toBe('globex1');
      expect(JSON.stringify(other)).not.toContain('GlObExSeCrEt');
    } finally {
      await router.close();
      await server.close();
    }
  });

  it('is refused at start-up without credentials', () => {
    expect(() => createChannelRouter(parse({}), ['sms'], { logger: silentLogger })).toThrow(
      /vonage: HERALD_VONAGE_API_KEY, HERALD_VONAGE_API_SECRET, HERALD_VONAGE_FROM are not set/,
    );
  });
});
