/**
 * The audit projections on real Kafka and Postgres: out-of-order statuses never
 * regress a row, replays change nothing, partitions follow the event's UTC month, and
 * retention detaches and drops whole old months only.
 */
import { sql, type Kysely } from 'kysely';
import { buildAuditor, parseAuditorEnv, type Auditor } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  statusMessage,
  topicNames,
  type DeliveryJob,
  type NotificationState,
  type StatusDetails,
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import {
  AuditQueries,
  createDatabase,
  dropExpiredPartitions,
  type HeraldDatabase,
} from '@herald/store';
import { expectValidStatusEvent, readTopics, testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-projections-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let auditor: Auditor;
let db: Kysely<HeraldDatabase>;
let audit: AuditQueries;

function jobFor(eventId: string, recipient: string, eventTime: string): DeliveryJob {
  return {
    notificationId: deterministicId(prefix, eventId, 'rule', recipient, 'email'),
    event: { id: eventId, source: 'shop', type: 'order.shipped', time: eventTime },
    tenant: 'acme',
    rule: { id: 'rule', version: 3 },
    channel: 'email',
    recipient: { ref: recipient, address: `${recipient}@example.com` },
    priority: 'normal',
    attempt: 1,
    payload: {},
    plannedAt: eventTime,
  };
}

let clock = Date.parse('2026-11-20T10:00:00Z');
function status(
  job: DeliveryJob,
  state: NotificationState,
  attempt = 1,
  details: StatusDetails = {},
): StatusEvent {
  clock += 1000;
  const event = statusEventFor({ ...job, attempt }, state, 'herald/test', new Date(clock), {
    maxAttempts: 3,
    ...details,
  });
  expectValidStatusEvent(event);
  return event;
}

async function publish(events: readonly StatusEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: events.map((e) => statusMessage(e)),
  });
  await producer.disconnect();
}

/** Publishes a marker status and waits for its row: everything published before it is written. */
async function drained(): Promise<void> {
  const marker = status(jobFor(`marker-${clock}`, 'nobody', '2026-11-20T00:00:00Z'), 'queued');
  await publish([marker]);
  await waitFor(
    'the marker row',
    async () => (await audit.notification(marker.subject)) !== undefined,
  );
}

async function partitionOf(table: string, where: string): Promise<string | undefined> {
  const { rows } = await sql<{ p: string }>`
    select tableoid::regclass::text as p from ${sql.table(table)} where ${sql.raw(where)}`.execute(
    db,
  );
  return rows[0]?.p;
}

beforeAll(async () => {
  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 4, logger: silentLogger });
  run.defer(() => db.destroy());
  audit = new AuditQueries(db);
  // One partition only: the test's publish order is the consume order.
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  auditor = await run.start(
    buildAuditor(
      parseAuditorEnv(run.settings({ HERALD_AUDIT_RETENTION_MONTHS: '3' })),
      silentLogger,
      // The auditor makes partitions ahead of its clock at start-up: pinned to the
      // test's month, so what `maintain(2027-02-10)` creates does not depend on today.
      { now: () => new Date('2026-11-20T10:00:00Z') },
    ),
  );
});

afterAll(() => run.stop());

it('out of order: delivered before sent and queued ends as delivered, with every milestone', async () => {
  const job = jobFor('evt-ooo', 'alice', '2026-11-20T09:00:00Z');
  const queued = status(job, 'queued');
  const sent = status(job, 'sent', 1, { provider: { statusCode: 250, messageId: 'ses-1' } });
  const delivered = status(job, 'delivered', 1, { provider: { name: 'ses' } });
  await publish([delivered, sent, queued]);
  await drained();

  const history = (await audit.notification(job.notificationId))!;
  expect(history.notification).toMatchObject({
    state: 'delivered',
    attempt: 1,
    max_attempts: 3,
    provider_message_id: 'ses-1',
    provider_name: 'ses',
    recipient_ref: 'alice',
    rule_id: 'rule',
    rule_version: 3,
    queued_at: new Date(queued.data.occurredAt),
    sent_at: new Date(sent.data.occurredAt),
    delivered_at: new Date(delivered.data.occurredAt),
    first_status_at: new Date(queued.data.occurredAt),
    last_status_at: new Date(delivered.data.occurredAt),
  });
  expect(history.statuses.map((s) => s.state)).toEqual(['queued', 'sent', 'delivered']);
  expect(history.attempts).toHaveLength(1);
  expect(history.attempts[0]).toMatchObject({
    attempt: 1,
    state: 'delivered',
    provider_status: 250,
  });
  const { events } = await audit.event('evt-ooo');
  expect(events).toEqual([
    expect.objectContaining({ notifications: 1, succeeded: 1, outcome: 'delivered' }),
  ]);

  // A late `sent` (re-published by a worker restart, say) does not regress it.
  await publish([sent, queued, sent]);
  await drained();
  expect((await audit.notification(job.notificationId))!.notification.state).toBe('delivered');
});

it('replaying the whole topic from offset 0 duplicates and regresses nothing', async () => {
  const before = await db
    .withTables<{ notifications: { state: string; notification_id: string } }>()
    .selectFrom('notifications')
    .select(['notification_id', 'state'])
    .orderBy('notification_id')
    .execute();
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        ['status_events', 'notifications', 'delivery_attempts', 'events'].map(async (t) => {
          const { rows } = await sql<{
            n: string;
          }>`select count(*) as n from ${sql.table(t)}`.execute(db);
          return [t, Number(rows[0]!.n)];
        }),
      ),
    );
  const countsBefore = await counts();

  // Read the topic back from the start and publish every record again.
  // Every record is validated (schema, CloudEvents Kafka binding) as it is read.
  const reader = await readTopics<StatusEvent>(kafka, {
    groupId: `${prefix}replay-reader`,
    topics: [topics.status],
  });
  const total = countsBefore.status_events;
  try {
    await waitFor('the whole topic', () => reader.statuses.length >= total);
  } finally {
    await reader.stop();
  }
  await publish(reader.statuses);
  await drained();

  const after = await counts();
  expect(after).toEqual({
    ...countsBefore,
    status_events: countsBefore.status_events + 1,
    notifications: countsBefore.notifications + 1,
    events: countsBefore.events + 1,
  }); // + the marker only
  const states = await db
    .withTables<{ notifications: { state: string; notification_id: string } }>()
    .selectFrom('notifications')
    .select(['notification_id', 'state'])
    .orderBy('notification_id')
    .execute();
  expect(states).toEqual(expect.arrayContaining(before));
});

it('retries: attempt 2 supersedes attempt 1, one delivery_attempts row per try; event outcomes', async () => {
  const bob = jobFor('evt-retry', 'bob', '2026-11-20T09:30:00Z');
  const carol = jobFor('evt-retry', 'carol', '2026-11-20T09:30:00Z');
  await publish([
    status(bob, 'queued'),
    status(carol, 'queued'),
    status(bob, 'sending'),
    status(bob, 'failed', 1, { retryable: true, reason: 'timeout', provider: { statusCode: 503 } }),
    status(bob, 'retrying', 1, { retryable: true, reason: 'timeout' }),
    status(bob, 'sending', 2),
    status(bob, 'sent', 2, { provider: { statusCode: 250, messageId: 'ses-2' } }),
  ]);
  await drained();
  let outcome = (await audit.event('evt-retry')).events[0];
  expect(outcome).toMatchObject({ notifications: 2, pending: 1, succeeded: 1, outcome: 'pending' });

  await publish([
    status(carol, 'sending'),
    status(carol, 'failed', 1, { retryable: false, reason: 'mailbox does not exist' }),
    status(carol, 'dead_lettered', 1, { reason: 'mailbox does not exist' }),
  ]);
  await drained();
  const history = (await audit.notification(bob.notificationId))!;
  expect(history.notification).toMatchObject({ state: 'sent', attempt: 2, reason: 'timeout' });
  expect(history.attempts.map((a) => [a.attempt, a.state, a.provider_status])).toEqual([
    [1, 'retrying', 503],
    [2, 'sent', 250],
  ]);
  expect((await audit.notification(carol.notificationId))!.notification).toMatchObject({
    state: 'dead_lettered',
    reason: 'mailbox does not exist',
  });
  outcome = (await audit.event('evt-retry')).events[0];
  expect(outcome).toMatchObject({ notifications: 2, succeeded: 1, failed: 1, outcome: 'partial' });
  expect(await audit.recipient('carol', { state: 'dead_lettered', tenant: 'acme' })).toHaveLength(
    1,
  );
  expect(await audit.recipient('carol', { state: 'sent' })).toHaveLength(0);
});

it('partitions by the UTC month of the event, across a month boundary, for every table', async () => {
  const october = jobFor('evt-oct', 'dave', '2026-10-31T23:59:59.999Z');
  const november = jobFor('evt-nov', 'dave', '2026-11-01T00:00:00.000Z');
  await publish([status(october, 'sent'), status(november, 'sent')]);
  await drained();
  for (const [table, key] of [
    ['status_events', 'notification_id'],
    ['notifications', 'notification_id'],
    ['delivery_attempts', 'notification_id'],
  ] as const) {
    expect(await partitionOf(table, `${key} = '${october.notificationId}'`)).toBe(
      `${table}_y2026m10`,
    );
    expect(await partitionOf(table, `${key} = '${november.notificationId}'`)).toBe(
      `${table}_y2026m11`,
    );
  }
  expect(await partitionOf('events', `event_id = 'evt-oct'`)).toBe('events_y2026m10');
  expect(await partitionOf('events', `event_id = 'evt-nov'`)).toBe('events_y2026m11');
});

it('retention detaches and drops whole months older than the setting, once, with replicas racing', async () => {
  const september = jobFor('evt-sep', 'erin', '2026-09-15T00:00:00Z');
  await publish([status(september, 'sent')]);
  await drained();
  const names = async () =>
    (
      await sql<{ name: string }>`
        select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
        join pg_class p on p.oid = i.inhparent where p.relname = 'notifications' order by 1`.execute(
        db,
      )
    ).rows.map((r) => r.name);
  expect(await names()).toEqual(
    expect.arrayContaining([
      'notifications_y2026m09',
      'notifications_y2026m10',
      'notifications_y2026m11',
    ]),
  );

  // Two replicas on 2027-02-10 with 3 months kept: the horizon is 2026-11-10, so
  // September and October (ended Oct 1, Nov 1) go; November holds younger rows, stays.
  const now = new Date('2027-02-10T00:00:00Z');
  const [a, b] = await Promise.all([
    dropExpiredPartitions(db, 'notifications', 3, now),
    dropExpiredPartitions(db, 'notifications', 3, now),
  ]);
  expect([...a, ...b].sort()).toEqual(['notifications_y2026m09', 'notifications_y2026m10']);

  // The auditor's own maintenance does the same for every audit table, and creates
  // partitions ahead of its clock.
  const { dropped, created } = await auditor.maintain(now);
  expect(dropped).toEqual(
    expect.arrayContaining([
      'status_events_y2026m09',
      'status_events_y2026m10',
      'delivery_attempts_y2026m10',
      'events_y2026m10',
    ]),
  );
  expect(dropped.filter((n) => n.includes('m11'))).toEqual([]);
  // Feb, Mar, Apr 2027 for each of the four audit tables and inbox_messages (start-up
  // made up to Jan); the inbox keeps its months (HERALD_INBOX_RETENTION_MONTHS unset).
  expect(created).toBe(5 * 3);
  expect(dropped.filter((n) => n.startsWith('inbox_messages'))).toEqual([]);
  expect(await names()).toEqual(
    expect.arrayContaining(['notifications_y2026m11', 'notifications_y2027m04']),
  );
  expect(await names()).not.toContain('notifications_y2026m10');
  expect(await audit.notification(september.notificationId)).toBeUndefined();
  expect(await audit.recipient('dave')).toHaveLength(1); // November's row survives
  const detached = await sql<{ n: string }>`
    select count(*) as n from pg_class where relname in ('notifications_y2026m09', 'notifications_y2026m10')`.execute(
    db,
  );
  expect(Number(detached.rows[0]!.n)).toBe(0); // dropped, not left detached
});
