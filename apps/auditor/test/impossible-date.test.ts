/**
 * Round 3 (hotpath): a status whose time is spelt canonically but names a day the month
 * does not have (`2026-02-31T…`). `Date.parse` reads it as 3 March, so the decoder used to
 * accept it, and Postgres refused the chunk's insert on every retry: the partition stalled
 * and no later status was written. It is now dead-lettered with the field in the reason.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { deterministicId, silentLogger, statusEventFor, topicNames } from '@herald/core';
import { readDeadLetter } from '@herald/delivery';
import { testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-date-test');
const { kafka } = run;
const topics = topicNames(run.prefix);

const queued = (notificationId: string, eventTime: string) =>
  statusEventFor(
    {
      notificationId,
      event: { id: `e-${notificationId}`, source: 's', type: 't', time: eventTime },
      tenant: 'acme',
      rule: { id: 'r', version: 1 },
      channel: 'webhook',
      recipient: { ref: 'bob', address: 'https://example.com/h' },
      priority: 'normal',
      attempt: 1,
      payload: {},
      plannedAt: '2026-11-01T00:00:00.000Z',
    },
    'queued',
    'herald/router',
    new Date('2026-11-01T00:00:00.000Z'),
  );

it('dead-letters a status on 31 February and writes the next one', async () => {
  const { url } = await run.database();
  const db = new Kysely<{ status_events: { notification_id: string } }>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  run.defer(() => db.destroy());
  await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
  const bad = deterministicId(run.prefix, 'impossible');
  const good = deterministicId(run.prefix, 'after');
  const producer = kafka.producer();
  await producer.connect();
  run.defer(() => producer.disconnect());
  // One key: the same partition, so the good status waits behind the bad one.
  await producer.send({
    topic: topics.status,
    acks: -1,
    messages: [
      { key: 'k', value: JSON.stringify(queued(bad, '2026-02-31T00:00:00.000Z')) },
      { key: 'k', value: JSON.stringify(queued(good, '2026-11-01T00:00:00.000Z')) },
    ],
  });

  const letters: ReturnType<typeof readDeadLetter>[] = [];
  const reader = kafka.consumer({ groupId: `${run.prefix}dlq-reader` });
  await reader.connect();
  run.defer(() => reader.disconnect());
  await reader.subscribe({ topic: topics.dlq, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      letters.push(readDeadLetter({ ...message, partition }));
    },
  });
  const written = async (id: string) =>
    (
      await db
        .selectFrom('status_events')
        .select('notification_id')
        .where('notification_id', '=', id)
        .execute()
    ).length;
  await waitFor('the next status written', async () => (await written(good)) === 1);
  await waitFor('the dead letter', () => letters.length === 1);
  expect(letters[0]!.letter).toMatchObject({ kind: 'malformed' });
  expect(JSON.stringify(letters[0]!.letter)).toContain('data.eventTime');
  expect(await written(bad)).toBe(0);
}, 90_000);

afterAll(() => run.stop(), 60_000);
