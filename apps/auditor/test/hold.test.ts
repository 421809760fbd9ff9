/**
 * HERALD_AUDITOR_HOLD_MS on real Kafka and Postgres (issue 19 item 3): a `queued` status
 * waits for its outcome and both go in one write (rows of one write share recorded_at,
 * the transaction's now()); a lone `queued` is written once the bound passes, and the
 * group's offset then reaches the end (nothing left uncommitted when idle).
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import {
  deterministicId,
  silentLogger,
  statusEventFor,
  topicNames,
  type DeliveryJob,
} from '@herald/core';
import { ensureTopics, heraldTopicSpecs } from '@herald/kafka';
import { testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-hold');
const { kafka } = run;
const topics = topicNames(run.prefix);
let db: Kysely<{
  status_events: { state: string; notification_id: string; recorded_at: Date };
}>;

const job = (recipient: string): DeliveryJob => ({
  notificationId: deterministicId('evt-h', 'r', recipient, 'webhook'),
  event: { id: 'evt-h', source: 's', type: 'order.shipped', time: '2026-10-31T23:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: recipient, address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-01T00:00:00Z',
});

async function publish(j: DeliveryJob, state: 'queued' | 'sent'): Promise<void> {
  const event = statusEventFor(j, state, 'test', new Date('2026-11-01T00:00:00Z'));
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: [{ key: j.notificationId, value: JSON.stringify(event) }],
  });
  await producer.disconnect();
}

const rowsOf = (j: DeliveryJob) =>
  db
    .selectFrom('status_events')
    .select(['state', 'recorded_at'])
    .where('notification_id', '=', j.notificationId)
    .execute();

async function committedToEnd(): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, [group]] = await Promise.all([
      admin.fetchTopicOffsets(topics.status),
      admin.fetchOffsets({ groupId: `${run.prefix}herald-auditor`, topics: [topics.status] }),
    ]);
    return ends.every(
      (end) => group!.partitions.find((p) => p.partition === end.partition)?.offset === end.offset,
    );
  } finally {
    await admin.disconnect();
  }
}

beforeAll(async () => {
  const { url } = await run.database();
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  run.defer(() => db.destroy());
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  // A hold far longer than the test's gap between a queued and its sent, and short
  // fetches, so the queued's chunk is written before the sent arrives unless it is held.
  const settings = run.settings({
    HERALD_AUDITOR_HOLD_MS: '8000',
    HERALD_KAFKA_FETCH_MIN_BYTES: '1',
    HERALD_KAFKA_FETCH_MAX_WAIT_MS: '50',
  });
  await run.start(buildAuditor(parseAuditorEnv(settings), silentLogger));
});

afterAll(() => run.stop());

it('holds a queued status until its sent arrives: both rows in one write', async () => {
  const j = job('merged');
  await publish(j, 'queued');
  await new Promise((r) => setTimeout(r, 500));
  expect(await rowsOf(j)).toEqual([]); // held, not written alone
  await publish(j, 'sent');
  await waitFor('both rows', async () => (await rowsOf(j)).length === 2);
  const [a, b] = await rowsOf(j);
  expect(a!.recorded_at.getTime()).toBe(b!.recorded_at.getTime());
  await waitFor('the group committed to the end', committedToEnd);
}, 60_000);

it('writes a lone queued status once the hold passes; the group then commits to the end', async () => {
  const j = job('lone');
  await publish(j, 'queued');
  await waitFor('the queued row', async () => (await rowsOf(j)).length === 1);
  expect((await rowsOf(j)).map((r) => r.state)).toEqual(['queued']);
  await waitFor('the group committed to the end', committedToEnd);
}, 60_000);
