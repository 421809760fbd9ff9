/**
 * `herald audit` against the real Postgres: statuses written by the audit store are
 * read back per notification, recipient and event, with filters, as tables and JSON.
 */
import { PassThrough } from 'node:stream';
import type { Kysely } from 'kysely';
import { buildCli, parseCliEnv } from '@herald/cli';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  type DeliveryJob,
  type StatusDetails,
  type NotificationState,
} from '@herald/core';
import { AuditStore, createDatabase, migrateToLatest, type HeraldDatabase } from '@herald/store';
import {
  createTestDatabase,
  expectValidStatusEvent,
  stackEnv,
  type TestDatabase,
} from '@herald/testkit';

let testDb: TestDatabase;
let db: Kysely<HeraldDatabase>;

const job = (recipient: string, tenant = 'acme'): DeliveryJob => ({
  notificationId: deterministicId('cli-audit', recipient, tenant),
  event: { id: 'evt-cli', source: 'shop', type: 'order.shipped', time: '2026-11-10T12:00:00Z' },
  tenant,
  rule: { id: 'shipping', version: 4 },
  channel: 'email',
  recipient: { ref: recipient, address: `${recipient}@example.com` },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-10T12:00:00Z',
});
const alice = job('alice');
const bob = job('bob');
// A worker's default shape (no `sending`), on an event of its own.
const carol: DeliveryJob = { ...job('carol'), event: { ...job('carol').event, id: 'evt-cli-2' } };
let second = 0;
const status = (
  j: DeliveryJob,
  state: NotificationState,
  attempt = 1,
  details: StatusDetails = {},
) => {
  const event = statusEventFor(
    { ...j, attempt },
    state,
    'herald/test',
    new Date(Date.UTC(2026, 10, 10, 12, 0, ++second)),
    details,
  );
  expectValidStatusEvent(event);
  return event;
};

async function herald(...args: string[]): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const env = parseCliEnv({ DATABASE_URL: testDb.url });
  await buildCli(env, silentLogger, out).parseAsync(['node', 'herald', ...args]);
  return text;
}

beforeAll(async () => {
  testDb = await createTestDatabase(stackEnv().DATABASE_URL);
  db = createDatabase({ url: testDb.url, poolSize: 2, logger: silentLogger });
  await migrateToLatest(db);
  await new AuditStore(db).write([
    status(alice, 'queued'),
    status(alice, 'sending'),
    status(alice, 'failed', 1, {
      retryable: true,
      reason: 'timeout',
      provider: { statusCode: 503 },
    }),
    status(alice, 'sending', 2),
    status(alice, 'sent', 2, { provider: { statusCode: 250, messageId: 'ses-a' } }),
    status(alice, 'delivered', 2, { provider: { name: 'ses' } }),
    status(bob, 'queued'),
    status(bob, 'sent', 1, { provider: { statusCode: 250, messageId: 'ses-b' } }),
    status(bob, 'bounced', 1, { reason: 'Permanent bounce (General)' }),
    status(carol, 'queued'),
    // Each attempt began half a second before its outcome (at 12:00:11 and 12:00:12).
    status(carol, 'retrying', 1, {
      retryable: true,
      reason: 'timeout',
      attemptStartedAt: '2026-11-10T12:00:10.500Z',
    }),
    status(carol, 'sent', 2, {
      provider: { statusCode: 250, messageId: 'ses-c' },
      attemptStartedAt: '2026-11-10T12:00:11.500Z',
    }),
  ]);
});

afterAll(async () => {
  await db?.destroy();
  await testDb?.drop();
});

it('notification: current state, attempts and every status event, as tables', async () => {
  const text = await herald('audit', 'notification', alice.notificationId);
  expect(text).toContain(`notification  ${alice.notificationId}`);
  expect(text).toMatch(/state +delivered \(attempt 2\)/);
  expect(text).toMatch(/rule +shipping v4/);
  expect(text).toMatch(/attempts\nattempt +state .*\n1 +failed .*timeout\n2 +delivered .*ses-a/);
  expect(text.match(/^2026-11-10T12:00:0\d\.000Z +\w+/gm)?.map((l) => l.split(/ +/)[1])).toEqual([
    'queued',
    'sending',
    'failed',
    'sending',
    'sent',
    'delivered',
  ]);
});

it('notification: an attempt without a sending record starts when the outcome says it began', async () => {
  const text = await herald('audit', 'notification', carol.notificationId);
  expect(text).toMatch(/state +sent \(attempt 2\)/);
  expect(text).toMatch(
    /attempts\nattempt +state +started_at +finished_at .*\n1 +retrying +2026-11-10T12:00:10\.500Z +2026-11-10T12:00:11\.000Z .*timeout\n2 +sent +2026-11-10T12:00:11\.500Z +2026-11-10T12:00:12\.000Z +250 +ses-c/,
  );
  expect(text.match(/^2026-11-10T12:00:\d\d\.000Z +\w+/gm)?.map((l) => l.split(/ +/)[1])).toEqual([
    'queued',
    'retrying',
    'sent',
  ]);
});

it('notification --json, and a clear error for an unknown id', async () => {
  const history = JSON.parse(
    await herald('audit', 'notification', bob.notificationId, '--json'),
  ) as {
    notification: { state: string; reason: string; provider_message_id: string };
    statuses: unknown[];
  };
  expect(history.notification).toMatchObject({
    state: 'bounced',
    reason: 'Permanent bounce (General)',
    provider_message_id: 'ses-b',
  });
  expect(history.statuses).toHaveLength(3);
  await expect(herald('audit', 'notification', deterministicId('nope'))).rejects.toThrow(
    /no notification .* in the audit tables/,
  );
  // Not a UUID: a clear message instead of Postgres' "invalid input syntax for type uuid".
  await expect(herald('audit', 'notification', 'not-a-uuid')).rejects.toThrow(
    'notification id "not-a-uuid" is not a UUID',
  );
  await expect(herald('audit', 'event', 'no-such-event')).rejects.toThrow(
    /^no event no-such-event in the audit tables/,
  );
});

it('recipient and event, with state, tenant, channel and time filters', async () => {
  expect(await herald('audit', 'recipient', 'bob')).toMatch(
    /^notification_id +state .*\n[0-9a-f-]{36} +bounced +email +bob +1 +evt-cli/,
  );
  expect(await herald('audit', 'recipient', 'bob', '--state', 'delivered')).toBe('(none)\n');
  expect(await herald('audit', 'recipient', 'bob', '--tenant', 'other')).toBe('(none)\n');
  expect(await herald('audit', 'recipient', 'bob', '--since', '2026-11-11')).toBe('(none)\n');
  expect(
    await herald('audit', 'recipient', 'bob', '--until', '2026-11-11', '--channel', 'email'),
  ).toContain('bounced');
  const event = JSON.parse(await herald('audit', 'event', 'evt-cli', '--json')) as {
    events: { outcome: string; notifications: number; succeeded: number; failed: number }[];
    notifications: { recipient_ref: string }[];
  };
  expect(event.events).toEqual([
    expect.objectContaining({ outcome: 'partial', notifications: 2, succeeded: 1, failed: 1 }),
  ]);
  expect(event.notifications.map((n) => n.recipient_ref).sort()).toEqual(['alice', 'bob']);
  const text = await herald('audit', 'event', 'evt-cli', '--state', 'delivered');
  expect(text).toMatch(/evt-cli +acme +order\.shipped +partial +2 +1 +1 +0 +0/);
  expect(text).toContain('alice');
  expect(text).not.toMatch(/\bbob\b/);
  await expect(herald('audit', 'recipient', 'bob', '--since', 'yesterday')).rejects.toThrow(
    /--since yesterday is not a time/,
  );
});
