/**
 * What the auditor does for the in-app inbox, on real Kafka and Postgres: the gateway's
 * seen / read / archived statuses rank above delivered and keep their first times
 * whatever the order they arrive in, the event counts as delivered, and the inbox's
 * monthly partitions are made ahead and dropped on their own retention setting.
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
  type StatusEvent,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { createDatabase, type HeraldDatabase } from '@herald/store';
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-inbox-test');
const { kafka, prefix } = run;
const topics = topicNames(prefix);
let auditor: Auditor;
let db: Kysely<HeraldDatabase>;

const job: DeliveryJob = {
  notificationId: deterministicId(prefix, 'evt-task', 'tasks', 'u-1', 'inapp'),
  event: { id: 'evt-task', source: 'jobs', type: 'task.completed', time: '2026-11-20T09:00:00Z' },
  tenant: 'acme',
  rule: { id: 'tasks', version: 1 },
  channel: 'inapp',
  recipient: { ref: 'u-1', address: 'u-1' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-20T09:00:00Z',
};

const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));
function status(state: NotificationState, minute: number): StatusEvent {
  const event = statusEventFor(job, state, 'herald/test', at(minute), {
    ...(state === 'sent' ? { provider: { name: 'inapp', messageId: '7' } } : {}),
  });
  expectValidStatusEvent(event);
  return event;
}

async function publish(events: readonly StatusEvent[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: topics.status, messages: events.map((e) => statusMessage(e)) });
  await producer.disconnect();
}

async function partitions(parent: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = ${parent} order by 1`.execute(db);
  return rows.map((r) => r.name);
}

beforeAll(async () => {
  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  auditor = await run.start(
    buildAuditor(
      parseAuditorEnv(run.settings({ HERALD_INBOX_RETENTION_MONTHS: '2' })),
      silentLogger,
      { now: () => new Date('2026-11-20T10:00:00Z') },
    ),
  );
});

afterAll(() => run.stop());

it('seen, read and archived rank above delivered, in any order; the event is delivered', async () => {
  const all = [
    status('archived', 9),
    status('seen', 5),
    status('sent', 2),
    status('read', 7),
    status('queued', 1),
    status('delivered', 3),
  ];
  await publish(all);
  const row = await waitFor('the notification, archived with every milestone', async () => {
    const { rows } = await sql<Record<string, unknown>>`
      select state, provider_name, provider_message_id, sent_at, delivered_at, seen_at, read_at, archived_at
      from notifications where notification_id = ${job.notificationId}`.execute(db);
    return rows[0]?.state === 'archived' && rows[0].sent_at !== null ? rows[0] : undefined;
  });
  expect(row).toEqual({
    state: 'archived',
    provider_name: 'inapp',
    provider_message_id: '7',
    sent_at: at(2),
    delivered_at: at(3),
    seen_at: at(5),
    read_at: at(7),
    archived_at: at(9),
  });
  const { rows: events } = await sql<{ outcome: string; succeeded: number }>`
    select outcome, succeeded from events where event_id = 'evt-task'`.execute(db);
  expect(events).toEqual([{ outcome: 'delivered', succeeded: 1 }]);

  // A replay (the gateway publishing read again, later) changes nothing: a marker
  // published after it is written, so the replay was handled before it.
  const marker = statusEventFor(
    { ...job, notificationId: deterministicId(prefix, 'marker') },
    'queued',
    'herald/test',
    at(40),
  );
  await publish([status('read', 30), marker]);
  await waitFor('the marker row', async () => {
    const { rows } = await sql`
      select 1 from notifications where notification_id = ${marker.subject}`.execute(db);
    return rows.length === 1;
  });
  const { rows: after } = await sql<{ n: number; read_at: Date }>`
    select (select count(*)::int from status_events where notification_id = ${job.notificationId}) as n,
           read_at from notifications where notification_id = ${job.notificationId}`.execute(db);
  expect(after).toEqual([{ n: 6, read_at: at(7) }]);
});

it('makes inbox partitions ahead and drops them on HERALD_INBOX_RETENTION_MONTHS alone', async () => {
  expect(await partitions('inbox_messages')).toEqual([
    'inbox_messages_y2026m11',
    'inbox_messages_y2026m12',
    'inbox_messages_y2027m01',
  ]);
  const { dropped } = await auditor.maintain(new Date('2027-03-10T00:00:00Z'));
  // Kept: months ending after 2027-01-10. The audit tables keep everything (their
  // retention is unset).
  expect(dropped).toEqual(['inbox_messages_y2026m11', 'inbox_messages_y2026m12']);
  expect(await partitions('inbox_messages')).toEqual([
    'inbox_messages_y2027m01',
    'inbox_messages_y2027m03',
    'inbox_messages_y2027m04',
    'inbox_messages_y2027m05',
  ]);
  expect(await partitions('notifications')).toContain('notifications_y2026m11');
});
