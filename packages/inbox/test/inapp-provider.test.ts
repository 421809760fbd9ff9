/**
 * The worker's inapp provider and the gateway's status builder against the local
 * stack's Postgres and Redis: a rendered message is stored and published (`sent` with
 * the seq), a redelivered job is published again with the same seq, bad input is a
 * permanent failure with its code, and the status record of a read message passes the
 * published schema and the CloudEvents Kafka binding.
 */
import type { Kysely } from 'kysely';
import { Redis } from 'ioredis';
import { silentLogger, type DeliveryJob } from '@herald/core';
import {
  createInappProvider,
  inboxStatusMessage,
  InboxFanout,
  InboxStore,
  type InboxNote,
} from '@herald/inbox';
import { createDatabase, migrateToLatest, type HeraldDatabase } from '@herald/store';
import { expectValidStatusRecord, stackEnv, testRun, waitFor } from '@herald/testkit';

const run = testRun('inapp-provider-test');
let db: Kysely<HeraldDatabase>;
let store: InboxStore;
let fanout: InboxFanout;
const notes: InboxNote[] = [];
const signal = new AbortController().signal;

beforeAll(async () => {
  const { url } = await run.database();
  db = createDatabase({ url, poolSize: 2, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  store = new InboxStore(db, { now: () => new Date('2026-12-01T08:00:00.000Z') });
  const redis = new Redis(stackEnv().REDIS_URL);
  const subscriber = redis.duplicate();
  run.defer(() => {
    redis.disconnect();
    subscriber.disconnect();
  });
  fanout = new InboxFanout({ publisher: redis, subscriber, keyPrefix: run.prefix });
  await fanout.subscribe('acme', 'user-7', (n) => notes.push(n));
});
afterAll(() => run.stop());

const job = (id: string, payload: unknown = {}): DeliveryJob => ({
  notificationId: id,
  event: { id: `ev-${id}`, source: 'jobs', type: 'task.completed', time: '2026-12-01T07:59:00Z' },
  tenant: 'acme',
  rule: { id: 'task-completed', version: 2 },
  channel: 'inapp',
  recipient: { ref: 'rcpt-7', address: 'user-7' },
  priority: 'normal',
  attempt: 1,
  payload,
  plannedAt: '2026-12-01T07:59:01Z',
});

it('stores and publishes a rendered message; a redelivery is sent again with the same seq', async () => {
  const provider = createInappProvider(() => ({ store, fanout }));
  const content = {
    title: 'Export completed',
    body: 'Done.',
    tags: ['tasks'],
    collapseKey: 'task-1',
  };
  const first = await provider.send(job('00000000-0000-4000-8000-000000000001'), content, signal);
  expect(first).toEqual({ status: 'sent', provider: { name: 'inapp', messageId: '1' } });
  const again = await provider.send(job('00000000-0000-4000-8000-000000000001'), content, signal);
  expect(again).toEqual({
    status: 'sent',
    provider: { name: 'inapp', messageId: '1', message: 'already in the inbox' },
  });
  await waitFor('two notes', () => notes.length === 2);
  expect(notes.map((n) => [n.seq, n.message?.title, n.message?.recipientRef])).toEqual([
    [1, 'Export completed', 'rcpt-7'],
    [1, 'Export completed', 'rcpt-7'],
  ]);
  // Without a template the job's payload is the message.
  const plain = await provider.send(
    job('00000000-0000-4000-8000-000000000002', { title: 'Hi', body: 'from the payload' }),
    undefined,
    signal,
  );
  expect(plain).toMatchObject({ status: 'sent', provider: { messageId: '2' } });
});

it('refuses bad input permanently with HERALD_ERR_INBOX_MESSAGE_INVALID; not ready is transient', async () => {
  const provider = createInappProvider(() => ({ store, fanout }));
  const noTitle = await provider.send(job('n-3'), { body: 'no title' }, signal);
  expect(noTitle).toMatchObject({
    status: 'failed',
    permanent: true,
    failureClass: 'invalid_request',
    reason: expect.stringMatching(/^HERALD_ERR_INBOX_MESSAGE_INVALID: .*title is missing/),
  });
  const huge = await provider.send(job('n-4'), { title: 't', body: 'x'.repeat(10_001) }, signal);
  expect(huge).toMatchObject({ status: 'failed', permanent: true });
  expect(await store.latestSeq('acme', 'user-7')).toBe(2);
  const unbound = await createInappProvider(() => undefined).send(
    job('n-5'),
    { title: 't', body: 'b' },
    signal,
  );
  expect(unbound).toMatchObject({ status: 'failed', permanent: false, failureClass: 'transient' });
});

it('builds schema-valid status records for delivered, seen, read and archived', async () => {
  const message = (await store.get('acme', 'user-7', '00000000-0000-4000-8000-000000000001'))!;
  for (const state of ['delivered', 'seen', 'read', 'archived'] as const) {
    const record = inboxStatusMessage(message, state, new Date('2026-12-01T09:00:00.000Z'));
    const event = expectValidStatusRecord(record) as { data: Record<string, unknown> };
    expect(event.data).toMatchObject({
      notificationId: message.id,
      state,
      tenant: 'acme',
      eventId: `ev-${message.id}`,
      eventTime: '2026-12-01T07:59:00.000Z',
      rule: { id: 'task-completed', version: 2 },
      channel: 'inapp',
      recipientRef: 'rcpt-7',
      attempt: 1,
      provider: { name: 'inapp', messageId: '1' },
      occurredAt: '2026-12-01T09:00:00.000Z',
    });
  }
});
