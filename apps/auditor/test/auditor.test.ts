/**
 * The auditor on real Kafka and Postgres: status events become rows once, however
 * often they are replayed; a record that is not a status event goes to herald.dlq.
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
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-test');
const { kafka } = run;
const topics = topicNames(run.prefix);
let db: Kysely<{ status_events: { id: string; state: string; notification_id: string } }>;

const job: DeliveryJob = {
  notificationId: deterministicId('evt-a', 'r', 'bob', 'webhook'),
  event: { id: 'evt-a', source: 's', type: 'order.shipped', time: '2026-10-31T23:00:00Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'bob', address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: {},
  plannedAt: '2026-11-01T00:00:00Z',
};

async function publish(values: (string | object)[]): Promise<void> {
  // Everything this test publishes as a status event must match the published schema.
  for (const v of values) if (typeof v !== 'string') expectValidStatusEvent(v);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topics.status,
    messages: values.map((v) => ({
      key: job.notificationId,
      value: typeof v === 'string' ? v : JSON.stringify(v),
    })),
  });
  await producer.disconnect();
}

beforeAll(async () => {
  const { url } = await run.database();
  db = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  run.defer(() => db.destroy());
  await ensureTopics(kafka, heraldTopicSpecs(topics, 1, 1));
  await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
});

afterAll(() => run.stop());

it('writes each status once, dead-letters a foreign record, and absorbs replays', async () => {
  const queued = statusEventFor(job, 'queued', 'herald/router', new Date('2026-11-01T00:00:00Z'));
  const sent = statusEventFor(job, 'sent', 'herald/worker', new Date('2026-11-01T00:00:01Z'), {
    provider: { statusCode: 200 },
  });
  await publish([queued, sent, queued, 'not a status event']);

  const dlq: { value: string; reason: string }[] = [];
  const reader = kafka.consumer({ groupId: `${run.prefix}dlq-reader` });
  await reader.connect();
  await reader.subscribe({ topic: topics.dlq, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) =>
      void dlq.push({
        value: message.value!.toString(),
        reason: message.headers!['herald-dlq-reason']!.toString(),
      }),
  });
  await waitFor('the dead-lettered record', () => dlq.length >= 1);
  await reader.disconnect();
  // Dead letters are at least once: a rebalance on a loaded machine (the group's session
  // lapsing before the chunk's commit) may write this one twice; never anything else.
  expect(new Set(dlq.map((d) => JSON.stringify(d))).size).toBe(1);
  expect(dlq[0]).toEqual({
    value: 'not a status event',
    reason: expect.stringMatching(/not a Herald status event/),
  });

  const rows = await waitFor('two rows', async () => {
    const found = await db
      .selectFrom('status_events')
      .select(['id', 'state', 'notification_id'])
      .orderBy('state')
      .execute();
    return found.length >= 2 ? found : undefined;
  });
  expect(rows.map((r) => r.state)).toEqual(['queued', 'sent']);

  // Replaying the topic's statuses (e.g. after a reset of offsets) changes nothing.
  await publish([sent, queued, sent]);
  const marker = statusEventFor({ ...job, attempt: 2 }, 'sent', 'herald/worker', new Date());
  await publish([marker]);
  await waitFor(
    'the marker row',
    async () =>
      (await db.selectFrom('status_events').select('id').where('id', '=', marker.id).execute())
        .length === 1,
  );
  expect(await db.selectFrom('status_events').select('id').execute()).toHaveLength(3);
});
