/**
 * /v1 on the real stack: API keys (missing, wrong, revoked, scopes), per-key rate
 * limits, problem+json for bad input, POST /v1/events onto Kafka, the OpenAPI
 * document, and no key in any response or log line.
 */
import { topicNames } from '@herald/core';
import { readTopics, testRun, type TopicReader } from '@herald/testkit';
import { startV1, type V1Harness } from './v1-harness.js';

const run = testRun('api-v1-auth');
let h: V1Harness;
let reader: TopicReader;
const issued: string[] = [];
let publisher: string;
let reader_: string;

const event = (id: string, extra: Record<string, unknown> = {}) => ({
  specversion: '1.0',
  id,
  source: '/shop',
  type: 'order.shipped',
  data: { order: id },
  ...extra,
});

beforeAll(async () => {
  h = await startV1(run);
  publisher = await h.key('acme', ['publish'], 'ci');
  reader_ = await h.key('acme', ['read'], 'support');
  issued.push(publisher, reader_);
  reader = await readTopics(run.kafka, {
    groupId: `${run.prefix}reader`,
    topics: [topicNames(run.prefix).events],
  });
  run.defer(() => reader.stop());
}, 90_000);

afterAll(() => run.stop());

describe('API keys', () => {
  it('401 without a key, with a malformed or unknown one, as problem+json', async () => {
    for (const key of [undefined, 'nope', `hk_aaaaaaaaaaaa_${'x'.repeat(43)}`]) {
      const r = await h.call(key, 'GET', '/v1/rules');
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({
        status: 401,
        code: 'HERALD_ERR_API_UNAUTHORIZED',
        instance: '/v1/rules',
      });
    }
  });

  it('a right id with a wrong secret is refused', async () => {
    const wrong = publisher.slice(0, -4) + 'AAAA';
    expect((await h.call(wrong, 'POST', '/v1/events', event('e-wrong'))).status).toBe(401);
  });

  it('403 when the scope is not the route’s (publish key reading, read key publishing)', async () => {
    const read = await h.call(publisher, 'GET', '/v1/rules');
    expect(read.status).toBe(403);
    expect(read.body.code).toBe('HERALD_ERR_API_FORBIDDEN');
    expect((await h.call(reader_, 'POST', '/v1/events', event('e-1'))).status).toBe(403);
    expect((await h.call(reader_, 'POST', '/v1/rules', { source: 'rules: []' })).status).toBe(403);
  });

  it('a revoked key is 401 at once (cache off), a rotated one works, last_used_at is set', async () => {
    const key = await h.key('acme', ['read'], 'rotating');
    expect((await h.call(key, 'GET', '/v1/rules')).status).toBe(200);
    const id = key.split('_')[1]!;
    const rotated = await h.keys.rotate(id, 'test');
    issued.push(key, rotated!.key);
    expect((await h.call(key, 'GET', '/v1/rules')).status).toBe(401);
    expect((await h.call(rotated!.key, 'GET', '/v1/rules')).status).toBe(200);
    expect(rotated!.info.rotatedFrom).toBe(id);
    const listed = await h.keys.list('acme');
    expect(listed.find((k) => k.id === id)?.lastUsedAt).toBeInstanceOf(Date);
    expect(listed.find((k) => k.id === id)?.revokedAt).toBeInstanceOf(Date);
    // Only the hash is stored: no column holds the secret.
    expect(JSON.stringify(listed)).not.toContain(key.slice(16));
  });
});

describe('POST /v1/events', () => {
  it('publishes one event, pinned to the key’s tenant, keyed by its id', async () => {
    const r = await h.call(publisher, 'POST', '/v1/events', event('e-single'));
    expect(r.status).toBe(202);
    expect(r.body).toEqual({
      accepted: 1,
      rejected: 0,
      results: [{ index: 0, id: 'e-single', status: 'accepted' }],
    });
    await waitForRecord('e-single');
    const record = reader.records.find((x) => x.key === 'e-single')!;
    expect(JSON.parse(record.value.toString())).toMatchObject({
      id: 'e-single',
      tenantid: 'acme',
      data: { order: 'e-single' },
    });
    expect(record.headers['content-type']).toMatch(/^application\/cloudevents\+json/);
  });

  it('answers each event of a batch with the router’s codes (207 when some are rejected)', async () => {
    const r = await h.call(publisher, 'POST', '/v1/events', [
      event('b-1'),
      { ...event('b-2'), specversion: '0.3' },
      event('b-3', { tenantid: 'globex' }),
      event('b-4', { Bad: 1 }),
    ]);
    expect(r.status).toBe(207);
    expect(r.body.accepted).toBe(1);
    expect(
      r.body.results.map((v: { status: string; code?: string }) => v.code ?? v.status),
    ).toEqual([
      'accepted',
      'HERALD_ERR_EVENT_INVALID',
      'HERALD_ERR_EVENT_TENANT',
      'HERALD_ERR_EVENT_INVALID',
    ]);
    await waitForRecord('b-1');
    expect(reader.records.some((x) => x.key === 'b-3')).toBe(false);
  });

  it('Idempotency-Key: the same body is answered again without publishing; another body is 422', async () => {
    const headers = { 'idempotency-key': `idem-${run.prefix}` };
    const first = await h.call(publisher, 'POST', '/v1/events', [event('i-1')], headers);
    const again = await h.call(publisher, 'POST', '/v1/events', [event('i-1')], headers);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await h.call(publisher, 'POST', '/v1/events', [event('i-2')], headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('HERALD_ERR_IDEMPOTENCY_KEY_REUSED');
    await waitForRecord('i-1');
    expect(reader.records.filter((x) => x.key === 'i-1')).toHaveLength(1);
  });

  it('400 naming the field when nothing is acceptable; malformed JSON 400; oversized 413', async () => {
    const none = await h.call(publisher, 'POST', '/v1/events', [{ ...event('n-1'), type: '' }]);
    expect(none.status).toBe(400);
    expect(none.body.code).toBe('HERALD_ERR_EVENT_INVALID');
    expect(none.body.errors[0]).toMatchObject({ field: 'body/0' });
    // Each event's verdict with its code, as in a 202/207 answer.
    expect(none.body.results).toEqual([
      expect.objectContaining({
        index: 0,
        id: 'n-1',
        status: 'rejected',
        code: 'HERALD_ERR_EVENT_INVALID',
      }),
    ]);
    expect(none.body.detail).toMatch(/"type" must be a non-empty string/);
    const malformed = await h.call(publisher, 'POST', '/v1/events', '{"specversion": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ code: 'malformed_json', errors: [{ field: 'body' }] });
    const big = await h.call(
      publisher,
      'POST',
      '/v1/events',
      event('big', { data: 'x'.repeat(300_000) }),
    );
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('schemas and the OpenAPI document', () => {
  it('refuses unknown fields and names them', async () => {
    const admin = await h.key('acme', ['admin'], 'admin');
    issued.push(admin);
    const r = await h.call(admin, 'POST', '/v1/rules', { source: 'rules: []', sorce: 'x' });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        field: 'body/sorce',
        message: expect.stringMatching(/unknown field/),
      }),
    ]);
    const missing = await h.call(admin, 'PUT', '/v1/recipients', {
      recipients: [{ addresses: {} }],
    });
    expect(missing.body.errors[0].field).toBe('body/recipients/0/id');
  });

  it('serves OpenAPI 3.1 at /v1/openapi.json (no key needed) and the docs page', async () => {
    const doc = await h.call(undefined, 'GET', '/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/events',
        '/v1/rules',
        '/v1/rules/{id}',
        '/v1/notifications',
        '/v1/topics/{key}/subscribers',
        '/v1/rate-limit-policies/{id}',
      ]),
    );
    // Receipts and health are not part of the management API's document.
    expect(Object.keys(doc.body.paths).some((p) => p.includes('receipts'))).toBe(false);
    const page = await fetch(`${h.api.url}/v1/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/\/v1\/openapi\.json/);
  });

  it('health and receipts need no key', async () => {
    expect((await h.call(undefined, 'GET', '/healthz')).status).toBe(200);
    expect((await h.call(undefined, 'POST', '/v1/receipts/twilio', 'x')).status).toBe(404);
  });
});

describe('rate limits per key', () => {
  const limited = testRun('api-v1-ratelimit');
  afterAll(() => limited.stop());

  it('RateLimit-* headers count down; over the limit 429 with Retry-After', async () => {
    const small = await startV1(limited, {
      HERALD_API_RATE_LIMIT: '3',
      HERALD_API_RATE_PERIOD_MS: '60000',
    });
    const key = await small.key('acme', ['read']);
    const other = await small.key('acme', ['read']);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await small.call(key, 'GET', '/v1/rules'));
    expect(seen.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(seen.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(seen[0]!.headers.get('ratelimit-limit')).toBe('3');
    expect(seen[0]!.headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(Number(seen[0]!.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    expect(Number(seen[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(seen[3]!.body).toMatchObject({ status: 429, code: 'rate_limited' });
    // Per key: another key of the same tenant still has its whole budget.
    expect((await small.call(other, 'GET', '/v1/rules')).status).toBe(200);
  });
});

it('no key secret appears in any log line', () => {
  const log = h.log.text();
  // Requests are logged, by key prefix.
  expect(log).toContain(`"key":"${publisher.slice(0, 15)}"`);
  for (const key of issued) expect(log).not.toContain(key.slice(16));
});

async function waitForRecord(key: string): Promise<void> {
  const until = Date.now() + 20_000;
  while (!reader.records.some((r) => r.key === key)) {
    if (Date.now() > until) throw new Error(`no record ${key} on herald.events`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
