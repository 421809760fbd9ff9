/**
 * Herald issue 12: a record on herald.status that is not a status event and is just
 * under the record limit is dead-lettered as a reference (its copy plus the reason
 * headers would be over the limit), and the statuses after it are still written.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { buildAuditor, parseAuditorEnv } from '@herald/auditor';
import { deterministicId, silentLogger, statusEventFor, topicNames } from '@herald/core';
import { readDeadLetter, replayRefusal } from '@herald/delivery';
import { expectValidStatusEvent, testRun, waitFor } from '@herald/testkit';

const run = testRun('auditor-size-test');
const { kafka } = run;
const topics = topicNames(run.prefix);

it('dead-letters an oversized foreign record as a reference and writes the next status', async () => {
  const { url } = await run.database();
  const db = new Kysely<{ status_events: { notification_id: string } }>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }),
  });
  run.defer(() => db.destroy());
  await run.start(buildAuditor(parseAuditorEnv(run.settings()), silentLogger));
  const notificationId = deterministicId(run.prefix, 'after');
  const status = statusEventFor(
    {
      notificationId,
      event: { id: 'e', source: 's', type: 't', time: '2026-11-01T00:00:00Z' },
      tenant: 'acme',
      rule: { id: 'r', version: 1 },
      channel: 'webhook',
      recipient: { ref: 'bob', address: 'https://example.com/h' },
      priority: 'normal',
      attempt: 1,
      payload: {},
      plannedAt: '2026-11-01T00:00:00Z',
    },
    'queued',
    'herald/router',
    new Date('2026-11-01T00:00:00Z'),
  );
  expectValidStatusEvent(status);
  const producer = kafka.producer();
  await producer.connect();
  run.defer(() => producer.disconnect());
  const [sent] = await producer.send({
    topic: topics.status,
    acks: -1,
    messages: [{ key: 'k', value: 'x'.repeat(1_048_400) }],
  });
  await producer.send({
    topic: topics.status,
    acks: -1,
    messages: [{ key: notificationId, value: JSON.stringify(status) }],
  });

  const letters: ReturnType<typeof readDeadLetter>[] = [];
  const headers: Record<string, string>[] = [];
  const reader = kafka.consumer({ groupId: `${run.prefix}dlq-reader` });
  await reader.connect();
  run.defer(() => reader.disconnect());
  await reader.subscribe({ topic: topics.dlq, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ partition, message }) => {
      letters.push(readDeadLetter({ ...message, partition }));
      headers.push(
        Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      );
    },
  });
  await waitFor('the next status written', async () => {
    const rows = await db
      .selectFrom('status_events')
      .select('notification_id')
      .where('notification_id', '=', notificationId)
      .execute();
    return rows.length === 1;
  });
  await waitFor('the reference', () => letters.length === 1);
  expect(headers[0]).toMatchObject({
    'herald-dlq-truncated': 'value',
    'herald-dlq-source-topic': topics.status,
    'herald-dlq-source-offset': `0:${sent!.baseOffset}`,
  });
  expect(Number(headers[0]!['herald-dlq-original-bytes'])).toBeGreaterThan(1_048_400);
  expect(letters[0]!.letter).toMatchObject({ kind: 'malformed', raw: '' });
  expect(replayRefusal(letters[0]!.letter)?.code).toBe('HERALD_ERR_DLQ_TRUNCATED');
}, 90_000);

afterAll(() => run.stop(), 60_000);
