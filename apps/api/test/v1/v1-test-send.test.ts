/**
 * POST /v1/test-send and POST /v1/templates/{id}/rollback on the real stack: a test
 * send renders a tenant's template (or inline parts) and goes through the real webhook
 * and Twilio providers to local servers speaking their protocol, answering with what the
 * provider said; a channel without provider settings answers 409 naming them; a bad
 * address is a 400 on body/to; another tenant's template is a 404. A rollback writes
 * a new version equal to the old one, audited with the key's id.
 */
import { sql } from 'kysely';
import { startReceiver, testRun, type Receiver } from '@herald/testkit';
import { startV1, type V1Harness } from './v1-harness.js';

const run = testRun('api-v1-test-send');
const SID = 'AC0123456789abcdef0123456789abcdef';
const TOKEN = 'twilio-test-auth-token-do-not-echo';
const WEBHOOK_SECRET = `whsec_${Buffer.from('test-send-webhook-signing-key-32b').toString('base64')}`;
let h: V1Harness;
let receiver: Receiver;
let twilio: Receiver;
let acme: string;
let globex: string;
let acmeRead: string;

beforeAll(async () => {
  receiver = await startReceiver();
  twilio = await startReceiver();
  run.defer(() => receiver.close());
  run.defer(() => twilio.close());
  h = await startV1(run, {
    HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: WEBHOOK_SECRET }),
    HERALD_TWILIO_ACCOUNT_SID: SID,
    HERALD_TWILIO_AUTH_TOKEN: TOKEN,
    HERALD_TWILIO_FROM: '+15005550006',
    HERALD_TWILIO_API_URL: twilio.url,
  });
  acme = await h.key('acme', ['admin'], 'acme-admin');
  globex = await h.key('globex', ['admin'], 'globex-admin');
  acmeRead = await h.key('acme', ['read'], 'acme-support');
  await h.call(acme, 'POST', '/v1/templates', {
    templates: [
      { id: 'acme.otp', channel: 'sms', parts: { text: 'Code {{code}}' }, sample: { code: '1' } },
    ],
  });
}, 90_000);

afterAll(() => run.stop());

describe('POST /v1/test-send', () => {
  it('sends a stored template through Twilio and answers with the message id', async () => {
    twilio.respondWith(
      201,
      { 'content-type': 'application/json' },
      JSON.stringify({ sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' }),
    );
    const sent = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: '+4915112345678',
      template: 'acme.otp',
      data: { code: '9731' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      status: 'sent',
      provider: 'twilio',
      providerMessageId: 'SM0123456789abcdef0123456789abcdef',
      template: { id: 'acme.otp', version: 1 },
      content: { text: 'Code 9731' },
    });
    const request = twilio.requests.at(-1)!;
    expect(request.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    const form = new URLSearchParams(request.body);
    expect(form.get('To')).toBe('+4915112345678');
    expect(form.get('Body')).toBe('Code 9731');
  });

  it('answers a provider refusal with its class and reason, not an error', async () => {
    twilio.respondWith(
      400,
      { 'content-type': 'application/json' },
      JSON.stringify({
        code: 21211,
        message: "The 'To' number is not a valid phone number.",
        more_info: 'https://www.twilio.com/docs/errors/21211',
        status: 400,
      }),
    );
    const failed = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: '+4915112345678',
      content: { text: 'Hello {{name}}' },
      data: { name: 'Ada' },
    });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({
      status: 'failed',
      permanent: true,
      failureClass: 'invalid_request',
      content: { text: 'Hello Ada' },
    });
    expect(failed.body.reason).toContain('21211');
    expect(failed.text).not.toContain(TOKEN);
    expect(h.log.text()).not.toContain(TOKEN);
  });

  it('sends inline content to a webhook receiver', async () => {
    receiver.respondWith(204);
    const sent = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'webhook',
      to: `${receiver.url}/hooks/orders`,
      content: { body: { order: '{{order}}' } },
      data: { order: 'A-1' },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sent', provider: 'webhook', providerStatus: 204 });
    const request = receiver.requests.at(-1)!;
    expect(request.path).toBe('/hooks/orders');
    expect(JSON.parse(request.body)).toEqual({ order: 'A-1' });
    expect(request.headers['webhook-signature']).toMatch(/^v1,/);
    expect(sent.text).not.toContain(WEBHOOK_SECRET);
    expect(h.log.text()).not.toContain(WEBHOOK_SECRET);
  });

  it('refuses an unconfigured channel (409 naming the settings), a bad address and a read key', async () => {
    const unconfigured = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'email',
      to: 'ada@example.com',
      content: { subject: 'Hi', text: 'Hello' },
    });
    expect(unconfigured.status).toBe(409);
    expect(unconfigured.headers.get('content-type')).toContain('application/problem+json');
    expect(unconfigured.body.code).toBe('HERALD_ERR_TEST_SEND_CHANNEL');
    expect(unconfigured.body.detail).toContain('HERALD_EMAIL_PROVIDER');

    const badAddress = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: 'not-a-phone',
      content: { text: 'x' },
    });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.errors[0].field).toBe('body/to');

    const unknownChannel = await h.call(acme, 'POST', '/v1/test-send', {
      channel: 'pigeon',
      to: 'x',
    });
    expect(unknownChannel.status).toBe(400);
    expect(unknownChannel.body.errors[0].field).toContain('channel');

    const read = await h.call(acmeRead, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: '+4915112345678',
      content: { text: 'x' },
    });
    expect(read.status).toBe(403);
  });

  it("refuses another tenant's template as if it did not exist", async () => {
    const before = twilio.requests.length;
    const foreign = await h.call(globex, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: '+4915112345678',
      template: 'acme.otp',
    });
    expect(foreign.status).toBe(404);
    const missing = await h.call(globex, 'POST', '/v1/test-send', {
      channel: 'sms',
      to: '+4915112345678',
      template: 'globex.otp',
    });
    expect(missing.status).toBe(404);
    expect(foreign.body.code).toBe(missing.body.code);
    expect(twilio.requests.length).toBe(before);
  });
});

describe('POST /v1/templates/{id}/rollback', () => {
  it('writes a new version equal to the old one, audited with the key id', async () => {
    await h.call(acme, 'POST', '/v1/templates', {
      templates: [
        { id: 'acme.otp', channel: 'sms', parts: { text: 'Your code: {{code}}' }, sample: {} },
      ],
    });
    const dry = await h.call(acme, 'POST', '/v1/templates/acme.otp/rollback', {
      version: 1,
      dryRun: true,
    });
    expect(dry.body).toMatchObject({ applied: false, rollbackOf: 1 });
    const rolled = await h.call(acme, 'POST', '/v1/templates/acme.otp/rollback', { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      applied: true,
      rollbackOf: 1,
      changes: [expect.objectContaining({ action: 'updated', version: 3, previousVersion: 2 })],
    });
    const versions = (await h.call(acmeRead, 'GET', '/v1/templates/acme.otp/versions')).body
      .versions as { version: number; parts: unknown }[];
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(versions[2]!.parts).toEqual(versions[0]!.parts);

    const { rows } = await sql<{ action: string; tenant: string; api_key_id: string }>`
      select action, tenant, api_key_id from config_audit_log
      where action = 'templates.rollback'`.execute(h.db);
    expect(rows).toEqual([
      { action: 'templates.rollback', tenant: 'acme', api_key_id: acme.split('_')[1] },
    ]);
  });

  it('404 for a missing version and for another tenant; read keys may not', async () => {
    const missing = await h.call(acme, 'POST', '/v1/templates/acme.otp/rollback', { version: 9 });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('HERALD_ERR_TEMPLATE_VERSION_NOT_FOUND');
    const foreign = await h.call(globex, 'POST', '/v1/templates/acme.otp/rollback', {
      version: 1,
    });
    expect(foreign.status).toBe(404);
    const read = await h.call(acmeRead, 'POST', '/v1/templates/acme.otp/rollback', {
      version: 1,
    });
    expect(read.status).toBe(403);
  });

  it('both routes are in the OpenAPI document', async () => {
    const doc = (await h.call(acmeRead, 'GET', '/v1/openapi.json')).body;
    expect(doc.paths['/v1/test-send'].post.summary).toBeDefined();
    expect(doc.paths['/v1/templates/{id}/rollback'].post.summary).toBeDefined();
  });
});
