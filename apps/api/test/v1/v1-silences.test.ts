/**
 * /v1/silences and /v1/cancellations on the real stack: the same checks as `herald
 * silences create` (400 naming the field, nothing stored), a `tenant=<key's tenant>`
 * matcher on every silence made through the API, another tenant's silence neither
 * listed nor expirable (404, as for an unknown id), each write in config_audit_log
 * with the key's id, and the cancel mark `herald cancel` writes.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { CancelStore, SilenceStore } from '@herald/store';
import { testRun } from '@herald/testkit';
import { startV1, type V1Harness } from './v1-harness.js';

const run = testRun('api-v1-silences');
let h: V1Harness;
let acme: string;
let acmeRead: string;
let acmePublish: string;
let globex: string;

beforeAll(async () => {
  h = await startV1(run);
  acme = await h.key('acme', ['admin'], 'acme-admin');
  acmeRead = await h.key('acme', ['read'], 'acme-support');
  acmePublish = await h.key('acme', ['publish'], 'acme-app');
  globex = await h.key('globex', ['admin'], 'globex-admin');
}, 90_000);

afterAll(() => run.stop());

const request = {
  matchers: ['type=order.failed', 'severity!=critical'],
  endsAt: '2h',
  createdBy: 'ops@acme.test',
  comment: 'db-1 maintenance',
};
let silenceId: string;

it('creates a silence of the key tenant only, lists it and expires it', async () => {
  const created = await h.call(acme, 'POST', '/v1/silences', request);
  expect(created.status).toBe(201);
  silenceId = created.body.id;
  expect(created.body).toMatchObject({ createdBy: 'ops@acme.test', comment: 'db-1 maintenance' });
  // Stored with tenant=acme: all matchers must match, so it can never silence globex.
  const stored = (await new SilenceStore(h.db).list(new Date())).find((s) => s.id === silenceId);
  expect(stored?.matchers).toEqual([
    { name: 'type', op: '=', value: 'order.failed' },
    { name: 'severity', op: '!=', value: 'critical' },
    { name: 'tenant', op: '=', value: 'acme' },
  ]);
  const hours = (Date.parse(created.body.endsAt) - Date.parse(created.body.startsAt)) / 3_600_000;
  expect(hours).toBe(2);

  const listed = await h.call(acmeRead, 'GET', '/v1/silences');
  expect(listed.status).toBe(200);
  expect(listed.body.silences.map((s: { id: string }) => s.id)).toEqual([silenceId]);
  // A read key may list but not write.
  expect((await h.call(acmeRead, 'POST', '/v1/silences', request)).status).toBe(403);
  expect((await h.call(acmeRead, 'DELETE', `/v1/silences/${silenceId}`)).status).toBe(403);
});

it('another tenant neither sees nor expires it', async () => {
  expect((await h.call(globex, 'GET', '/v1/silences?all=true')).body.silences).toEqual([]);
  const foreign = await h.call(globex, 'DELETE', `/v1/silences/${silenceId}`);
  const unknown = await h.call(globex, 'DELETE', `/v1/silences/${randomUUID()}`);
  expect(foreign.status).toBe(404);
  expect(foreign.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(foreign.body.code).toBe('HERALD_ERR_SILENCE_NOT_FOUND');
  expect(unknown.status).toBe(404);
  expect(unknown.body.code).toBe(foreign.body.code);
  // A silence made through the CLI (no tenant matcher) is nobody's through the API.
  await new SilenceStore(h.db).create({
    matchers: [{ name: 'type', op: '=', value: 'x' }],
    startsAt: new Date(),
    endsAt: new Date(Date.now() + 3_600_000),
    createdBy: 'cli',
    comment: 'all tenants',
  });
  expect((await h.call(acme, 'GET', '/v1/silences')).body.silences).toHaveLength(1);
  // A tenant matcher naming another tenant is refused rather than quietly narrowed.
  const other = await h.call(globex, 'POST', '/v1/silences', {
    ...request,
    matchers: ['tenant=acme'],
  });
  expect(other.status).toBe(400);
  expect(other.body.errors).toEqual([
    expect.objectContaining({ field: 'body/matchers', message: expect.stringMatching(/globex/) }),
  ]);
  const still = await h.call(acme, 'GET', '/v1/silences');
  expect(still.body.silences[0]).toMatchObject({ id: silenceId, expiredAt: null });
});

it('expires it: gone from the list, kept with all=true', async () => {
  const expired = await h.call(acme, 'DELETE', `/v1/silences/${silenceId}`);
  expect(expired.status).toBe(200);
  expect(expired.body.expiredBy).toMatch(/acme-admin/);
  expect(expired.body.expiredAt).not.toBeNull();
  expect((await h.call(acme, 'GET', '/v1/silences')).body.silences).toEqual([]);
  const all = await h.call(acme, 'GET', '/v1/silences?all=true');
  expect(all.body.silences.map((s: { id: string }) => s.id)).toEqual([silenceId]);
});

it('refuses as the CLI does, naming the field, and stores nothing', async () => {
  const before = (await new SilenceStore(h.db).list(new Date(), { all: true })).length;
  const past = new Date(Date.now() - 3_600_000).toISOString();
  const cases: [unknown, string, RegExp][] = [
    [{ ...request, endsAt: undefined }, 'body/endsAt', /needs an end/],
    [{ ...request, endsAt: past }, 'body/endsAt', /in the past/],
    [{ ...request, endsAt: 'later' }, 'body/endsAt', /neither an ISO time nor a duration/],
    [{ ...request, startsAt: 'soon' }, 'body/startsAt', /not an ISO time/],
    [{ ...request, matchers: ['no operator'] }, 'body/matchers', /./],
    [{ ...request, comment: ' ' }, 'body/comment', /comment/],
  ];
  for (const [body, field, message] of cases) {
    const refused = await h.call(acme, 'POST', '/v1/silences', body);
    expect(refused.status).toBe(400);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.body.code).toBe('HERALD_ERR_SILENCE_INVALID');
    expect(refused.body.errors).toContainEqual({ field, message: expect.stringMatching(message) });
  }
  expect((await new SilenceStore(h.db).list(new Date(), { all: true })).length).toBe(before);
});

it('writes each silence change in config_audit_log with the key id', async () => {
  const { rows } = await sql<{ action: string; tenant: string | null; api_key_id: string | null }>`
    select action, tenant, api_key_id from config_audit_log
    where entity_type = 'silence' and entity_id = ${silenceId} order by id`.execute(h.db);
  const acmeId = acme.split('_')[1]!;
  expect(rows).toEqual([
    { action: 'silence.create', tenant: 'acme', api_key_id: acmeId },
    { action: 'silence.expire', tenant: 'acme', api_key_id: acmeId },
  ]);
});

it('POST /v1/cancellations writes the cancel mark of the key tenant', async () => {
  const accepted = await h.call(acmePublish, 'POST', '/v1/cancellations', {
    key: 'order-42',
    id: 'evt-cancel-1',
  });
  expect(accepted.status).toBe(202);
  expect(accepted.body).toMatchObject({ tenant: 'acme', key: 'order-42', eventId: 'evt-cancel-1' });
  // Read back as a worker would: a job of acme planned before the mark is cancelled.
  const planned = new Date(Date.parse(accepted.body.cancelledAt) - 1000).toISOString();
  const job = { attempt: 1, tenant: 'acme', cancelKey: 'order-42', plannedAt: planned };
  const store = new CancelStore(h.db);
  expect(await store.decide({ ...job, notificationId: randomUUID() }, new Date())).toEqual({
    decision: 'cancelled',
    eventId: 'evt-cancel-1',
  });
  // globex's job with the same key is not touched.
  expect(
    await store.decide({ ...job, tenant: 'globex', notificationId: randomUUID() }, new Date()),
  ).toEqual({ decision: 'send' });
  const generated = await h.call(acme, 'POST', '/v1/cancellations', { key: 'order-43' });
  expect(generated.status).toBe(202);
  expect(generated.body.eventId).toMatch(/^api:[0-9a-f-]{36}$/);
  const empty = await h.call(acme, 'POST', '/v1/cancellations', { key: '  ' });
  expect(empty.status).toBe(400);
  expect(empty.body.code).toBe('HERALD_ERR_CANCEL_INVALID');
  expect((await h.call(acmeRead, 'POST', '/v1/cancellations', { key: 'k' })).status).toBe(403);
});
