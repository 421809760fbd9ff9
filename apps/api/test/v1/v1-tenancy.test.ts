/**
 * /v1 resources per tenant on the real stack: rules (apply, dry run, history,
 * rollback), recipients, topics, notifications and rate-limit policies, each tried by
 * a key of another tenant (404, never a hint that it exists), and each write in
 * config_audit_log with the key's id.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { testRun } from '@herald/testkit';
import { insertNotification, startV1, type V1Harness } from './v1-harness.js';

const run = testRun('api-v1-tenancy');
let h: V1Harness;
let acme: string;
let globex: string;
let acmeRead: string;

const rules = (tenant: string, ids: string[], subject = 'shipped') =>
  `rules:\n${ids
    .map(
      (id) =>
        `  - id: ${tenant}.${id}\n    tenant: ${tenant}\n    types: [order.${subject}]\n    recipients: ["topic:on-call"]\n    channels: [{ type: email, template: order }]\n`,
    )
    .join('')}`;

beforeAll(async () => {
  h = await startV1(run);
  acme = await h.key('acme', ['admin'], 'acme-admin');
  globex = await h.key('globex', ['admin'], 'globex-admin');
  acmeRead = await h.key('acme', ['read'], 'acme-support');
}, 90_000);

afterAll(() => run.stop());

describe('rules', () => {
  it('dry run shows the diff and applies nothing; apply makes a version', async () => {
    const dry = await h.call(acme, 'POST', '/v1/rules', {
      source: rules('acme', ['a', 'b']),
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      applied: false,
      dryRun: true,
      diff: { added: ['acme.a', 'acme.b'] },
    });
    expect((await h.call(acme, 'GET', '/v1/rules')).body.rules).toEqual([]);
    const applied = await h.call(acme, 'POST', '/v1/rules', { source: rules('acme', ['a', 'b']) });
    expect(applied.body).toMatchObject({ applied: true, version: 1, ruleCount: 2 });
    const listed = await h.call(acmeRead, 'GET', '/v1/rules');
    expect(listed.body.rules.map((r: { id: string }) => r.id)).toEqual(['acme.a', 'acme.b']);
    expect((await h.call(acmeRead, 'GET', '/v1/rules/acme.a')).body.definition).toMatchObject({
      tenant: 'acme',
    });
  });

  it('another tenant neither sees nor changes them; its own apply keeps them', async () => {
    expect((await h.call(globex, 'GET', '/v1/rules')).body.rules).toEqual([]);
    const get = await h.call(globex, 'GET', '/v1/rules/acme.a');
    expect(get.status).toBe(404);
    // The same answer as for an id nobody has: nothing tells that acme.a exists.
    const never = await h.call(globex, 'GET', '/v1/rules/acme.never');
    expect({ ...get.body, detail: get.body.detail.replace('acme.a', 'X'), instance: '' }).toEqual({
      ...never.body,
      detail: never.body.detail.replace('acme.never', 'X'),
      instance: '',
    });
    // A rule for acme from globex's key, or an id outside globex., is refused.
    const foreign = await h.call(globex, 'POST', '/v1/rules', { source: rules('acme', ['a']) });
    expect(foreign.status).toBe(400);
    expect(foreign.body.code).toBe('HERALD_ERR_RULES_TENANT');
    const own = await h.call(globex, 'POST', '/v1/rules', { source: rules('globex', ['x']) });
    expect(own.body).toMatchObject({
      applied: true,
      version: 2,
      diff: { added: ['globex.x'], removed: [] },
    });
    expect((await h.call(acme, 'GET', '/v1/rules')).body.rules).toHaveLength(2);
    // globex's history shows only its own change.
    const history = await h.call(globex, 'GET', '/v1/rules/history');
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([2]);
  });

  it('an invalid file is 400 with positions; history and rollback per tenant', async () => {
    const bad = await h.call(acme, 'POST', '/v1/rules', {
      source: 'rules:\n  - id: acme.z\n    tenant: acme\n    channels: []\n',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('HERALD_ERR_RULES_INVALID');
    expect(bad.body.errors[0].field).toMatch(/^source:\d+:\d+$/);
    await h.call(acme, 'POST', '/v1/rules', { source: rules('acme', ['a']) });
    const history = await h.call(acme, 'GET', '/v1/rules/history');
    expect(history.body.versions[0]).toMatchObject({ version: 3, diff: { removed: ['acme.b'] } });
    const rollback = await h.call(acme, 'POST', '/v1/rules/rollback', { version: 1 });
    expect(rollback.body).toMatchObject({ applied: true, version: 4, diff: { added: ['acme.b'] } });
    // globex's rule survived acme's apply and rollback.
    expect(
      (await h.call(globex, 'GET', '/v1/rules')).body.rules.map((r: { id: string }) => r.id),
    ).toEqual(['globex.x']);
    const missing = await h.call(acme, 'POST', '/v1/rules/rollback', { version: 99 });
    expect(missing.status).toBe(404);
  });
});

describe('recipients and topics', () => {
  it('bulk upsert, get, delete; another tenant gets 404 for all of it', async () => {
    const put = await h.call(acme, 'PUT', '/v1/recipients', {
      recipients: [
        {
          id: 'alice',
          addresses: { email: 'alice@example.com' },
          timezone: 'Europe/Berlin',
          preferences: { channels: { sms: false } },
        },
        { id: 'bob', addresses: { email: 'bob@example.com', sms: '+4915112345678' } },
      ],
    });
    expect(put.body).toEqual({ upserted: 2 });
    expect((await h.call(acmeRead, 'GET', '/v1/recipients/alice')).body).toMatchObject({
      id: 'alice',
      addresses: { email: 'alice@example.com' },
      preferences: { channels: { sms: false } },
    });
    expect((await h.call(globex, 'GET', '/v1/recipients/alice')).status).toBe(404);
    expect((await h.call(globex, 'DELETE', '/v1/recipients/alice')).status).toBe(404);
    const bad = await h.call(acme, 'PUT', '/v1/recipients', {
      recipients: [{ id: 'c', addresses: { sms: '0151' } }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('HERALD_ERR_RECIPIENT_INVALID');
  });

  it('topics hold a tenant’s recipients only', async () => {
    const sub = await h.call(acme, 'POST', '/v1/topics/on-call/subscribers', {
      recipients: ['alice', 'bob'],
    });
    expect(sub.body).toEqual({ topic: 'on-call', subscribers: ['alice', 'bob'] });
    // globex cannot subscribe acme's recipients, nor see acme's topic.
    const foreign = await h.call(globex, 'POST', '/v1/topics/on-call/subscribers', {
      recipients: ['alice'],
    });
    expect(foreign.status).toBe(400);
    const hidden = await h.call(globex, 'GET', '/v1/topics/on-call/subscribers');
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('HERALD_ERR_TOPIC_NOT_FOUND');
    expect((await h.call(globex, 'DELETE', '/v1/topics/on-call')).status).toBe(404);
    // Creating an existing topic is refused; a new one starts with its first subscribers.
    const again = await h.call(acme, 'POST', '/v1/topics', {
      key: 'on-call',
      subscribers: ['bob'],
    });
    expect([again.status, again.body.code]).toEqual([400, 'HERALD_ERR_TOPIC_INVALID']);
    const created = await h.call(acme, 'POST', '/v1/topics', { key: 'sre', subscribers: ['bob'] });
    expect([created.status, created.body]).toEqual([201, { topic: 'sre', subscribers: ['bob'] }]);
    expect((await h.call(acme, 'DELETE', '/v1/topics/sre')).status).toBe(204);
    expect((await h.call(acme, 'GET', '/v1/topics')).body.topics).toEqual([
      { topic: 'on-call', subscribers: 2 },
    ]);
    expect((await h.call(acme, 'DELETE', '/v1/topics/on-call/subscribers/bob')).status).toBe(204);
    expect((await h.call(acme, 'DELETE', '/v1/recipients/bob')).status).toBe(204);
    expect((await h.call(acme, 'GET', '/v1/recipients/bob')).status).toBe(404);
  });
});

describe('notifications', () => {
  const base = new Date('2026-03-10T12:00:00Z');
  const ids = [randomUUID(), randomUUID(), randomUUID()];
  const theirs = randomUUID();

  beforeAll(async () => {
    for (const [i, id] of ids.entries())
      await insertNotification(h.db, {
        id,
        tenant: 'acme',
        recipient: 'alice',
        eventId: `ev-${i}`,
        state: i === 0 ? 'failed' : 'sent',
        time: new Date(base.getTime() + i * 1000),
      });
    await insertNotification(h.db, {
      id: theirs,
      tenant: 'globex',
      recipient: 'alice',
      eventId: 'ev-g',
      state: 'sent',
      time: base,
    });
  });

  it('searches the tenant’s own, newest first, page by page', async () => {
    const first = await h.call(acmeRead, 'GET', '/v1/notifications?recipient=alice&limit=2');
    expect(first.body.items.map((n: { id: string }) => n.id)).toEqual([ids[2], ids[1]]);
    const second = await h.call(
      acmeRead,
      'GET',
      `/v1/notifications?recipient=alice&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((n: { id: string }) => n.id)).toEqual([ids[0]]);
    expect(second.body.nextCursor).toBeUndefined();
    const failed = await h.call(
      acmeRead,
      'GET',
      '/v1/notifications?state=failed&since=2026-03-01T00:00:00Z',
    );
    expect(failed.body.items.map((n: { id: string }) => n.id)).toEqual([ids[0]]);
    const byEvent = await h.call(acmeRead, 'GET', '/v1/notifications?event=ev-g');
    expect(byEvent.body.items).toEqual([]);
    expect((await h.call(acmeRead, 'GET', '/v1/notifications?cursor=zzz')).status).toBe(400);
  });

  it('a timeline for its own, 404 for another tenant’s and for a non-id', async () => {
    const own = await h.call(acmeRead, 'GET', `/v1/notifications/${ids[0]}`);
    expect(own.body.notification).toMatchObject({ id: ids[0], state: 'failed' });
    expect(own.body.timeline).toEqual([expect.objectContaining({ state: 'failed' })]);
    expect((await h.call(acmeRead, 'GET', `/v1/notifications/${theirs}`)).status).toBe(404);
    expect((await h.call(acmeRead, 'GET', '/v1/notifications/not-a-uuid')).status).toBe(400);
  });
});

describe('templates', () => {
  const sms = (text: string) => ({
    id: 'acme.shipped',
    channel: 'sms',
    parts: { text },
    sample: { order: 'A-1' },
  });

  it('apply (dry run first), versions, get, render preview; another tenant sees none of it', async () => {
    const dry = await h.call(acme, 'POST', '/v1/templates', {
      templates: [sms('Order {{order}} shipped')],
      dryRun: true,
    });
    expect(dry.body).toMatchObject({
      applied: false,
      changes: [expect.objectContaining({ action: 'created' })],
    });
    expect((await h.call(acme, 'GET', '/v1/templates')).body.templates).toEqual([]);
    await h.call(acme, 'POST', '/v1/templates', { templates: [sms('Order {{order}} shipped')] });
    await h.call(acme, 'POST', '/v1/templates', {
      templates: [sms('Your order {{order}} is on its way')],
    });
    const versions = await h.call(acmeRead, 'GET', '/v1/templates/acme.shipped/versions');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await h.call(acmeRead, 'GET', '/v1/templates/acme.shipped')).body.variants).toEqual([
      expect.objectContaining({ version: 2, channel: 'sms', locale: 'default' }),
    ]);
    const preview = await h.call(acmeRead, 'POST', '/v1/templates/acme.shipped/render', {
      channel: 'sms',
      data: { order: 'B-7' },
      version: 1,
    });
    expect(preview.body).toMatchObject({ version: 1, content: { text: 'Order B-7 shipped' } });
    // globex: 404 for reading, rendering; its key may not save acme.* templates.
    expect((await h.call(globex, 'GET', '/v1/templates/acme.shipped')).status).toBe(404);
    expect((await h.call(globex, 'GET', '/v1/templates/acme.shipped/versions')).status).toBe(404);
    expect(
      (await h.call(globex, 'POST', '/v1/templates/acme.shipped/render', { channel: 'sms' }))
        .status,
    ).toBe(404);
    expect((await h.call(globex, 'GET', '/v1/templates')).body.templates).toEqual([]);
    const foreign = await h.call(globex, 'POST', '/v1/templates', { templates: [sms('x')] });
    expect(foreign.status).toBe(400);
    expect(foreign.body.errors[0].field).toBe('body/templates/0/id');
    const broken = await h.call(acme, 'POST', '/v1/templates', { templates: [sms('{{#if}}')] });
    expect(broken.status).toBe(400);
    expect(broken.body.code).toBe('HERALD_ERR_TEMPLATE_INVALID');
  });
});

describe('rate-limit policies', () => {
  it('CRUD within the tenant; another tenant cannot read or delete them', async () => {
    const put = await h.call(acme, 'PUT', '/v1/rate-limit-policies/sms-per-user', {
      scope: 'recipient',
      channel: 'sms',
      limit: 3,
      periodMs: 3_600_000,
    });
    expect(put.body).toMatchObject({
      id: 'sms-per-user',
      limit: 3,
      burst: 1,
      action: 'defer',
      enabled: true,
    });
    expect((await h.call(acmeRead, 'GET', '/v1/rate-limit-policies')).body.policies).toHaveLength(
      1,
    );
    expect((await h.call(globex, 'GET', '/v1/rate-limit-policies')).body.policies).toEqual([]);
    expect((await h.call(globex, 'GET', '/v1/rate-limit-policies/sms-per-user')).status).toBe(404);
    expect((await h.call(globex, 'DELETE', '/v1/rate-limit-policies/sms-per-user')).status).toBe(
      404,
    );
    // Stored pinned to the tenant, so workers apply it to acme's jobs only.
    const row = await sql<{
      tenant: string;
    }>`select tenant from rate_limit_policies where id = 'acme.sms-per-user'`.execute(h.db);
    expect(row.rows).toEqual([{ tenant: 'acme' }]);
    expect((await h.call(acme, 'DELETE', '/v1/rate-limit-policies/sms-per-user')).status).toBe(204);
    const gone = await h.call(acme, 'GET', '/v1/rate-limit-policies/sms-per-user');
    expect([gone.status, gone.body.code]).toEqual([404, 'HERALD_ERR_RATE_LIMIT_NOT_FOUND']);
  });
});

it('every write is in config_audit_log with the tenant and key id', async () => {
  const { rows } = await sql<{ action: string; tenant: string; api_key_id: string; actor: string }>`
    select action, tenant, api_key_id, actor from config_audit_log order by id`.execute(h.db);
  const acmeId = acme.split('_')[1]!;
  expect(rows.map((r) => r.action)).toEqual(
    expect.arrayContaining([
      'rules.apply',
      'rules.rollback',
      'recipients.upsert',
      'recipients.delete',
      'topics.subscribe',
      'topics.create',
      'topics.delete',
      'rate_limit_policies.upsert',
      'rate_limit_policies.delete',
      'templates.apply',
    ]),
  );
  for (const r of rows)
    expect(r.api_key_id).toBe(r.tenant === 'acme' ? acmeId : globex.split('_')[1]);
  expect(rows.find((r) => r.action === 'rules.rollback')?.actor).toBe(`hk_${acmeId} (acme-admin)`);
  // Secrets are in no response and no log line.
  for (const key of [acme, globex, acmeRead]) expect(h.log.text()).not.toContain(key.slice(16));
});
