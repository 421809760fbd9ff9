/**
 * InboxFanout against the local stack's Redis: two "replicas" (each its own subscriber
 * connection) both hear a note published by a third connection (the worker), only for
 * the subscriber they hold; large messages travel as a seq only.
 */
import { Redis } from 'ioredis';
import { InboxFanout, type InboxMessage, type InboxNote } from '@herald/inbox';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';

const prefix = uniquePrefix();
const url = stackEnv().REDIS_URL;
const clients: Redis[] = [];
const connect = () => {
  const client = new Redis(url);
  clients.push(client);
  return client;
};
afterAll(() => {
  for (const c of clients) c.disconnect();
});

const message = (body: string): InboxMessage => ({
  tenant: 'acme',
  subscriber: 'alice',
  seq: 1,
  id: 'n-1',
  title: 't',
  body,
  actionUrl: null,
  avatar: null,
  category: null,
  tags: [],
  data: null,
  collapseKey: null,
  replacesSeq: null,
  createdAt: '2026-12-01T00:00:00.000Z',
  seenAt: null,
  readAt: null,
  archivedAt: null,
  event: { id: 'e', type: 'task.created', time: '2026-12-01T00:00:00.000Z' },
  rule: { id: 'r', version: 1 },
  recipientRef: 'alice',
  attempt: 1,
});

it('delivers a note to every replica holding the subscriber, and only to them', async () => {
  const worker = new InboxFanout({ publisher: connect(), keyPrefix: prefix });
  const replicaA = new InboxFanout({
    publisher: connect(),
    subscriber: connect(),
    keyPrefix: prefix,
  });
  const replicaB = new InboxFanout({
    publisher: connect(),
    subscriber: connect(),
    keyPrefix: prefix,
  });
  const a: InboxNote[] = [];
  const a2: InboxNote[] = [];
  const b: InboxNote[] = [];
  const bob: InboxNote[] = [];
  await replicaA.subscribe('acme', 'alice', (n) => a.push(n));
  const leaveA2 = await replicaA.subscribe('acme', 'alice', (n) => a2.push(n));
  await replicaB.subscribe('acme', 'alice', (n) => b.push(n));
  await replicaB.subscribe('acme', 'bob', (n) => bob.push(n));
  expect(replicaA.subscriptions).toBe(1);

  const note: InboxNote = {
    tenant: 'acme',
    subscriber: 'alice',
    seq: 1,
    kind: 'message',
    message: message('hi'),
  };
  expect(await worker.publish(note)).toBe(2);
  await waitFor('both replicas', () => a.length === 1 && a2.length === 1 && b.length === 1);
  expect(a[0]).toEqual(note);
  expect(b[0]).toEqual(note);
  expect(bob).toEqual([]);

  // A tab closing leaves the channel subscribed for the other tab of the same replica.
  await leaveA2();
  await worker.publish({
    tenant: 'acme',
    subscriber: 'alice',
    seq: 1,
    kind: 'counts',
    counts: { unread: 0, unseen: 0, total: 1 },
  });
  await waitFor('counts note', () => a.length === 2 && b.length === 2);
  expect(a2).toHaveLength(1);
  expect(a[1]).toMatchObject({ kind: 'counts', counts: { unread: 0 } });
});

it('sends a large message as its seq only, and ignores malformed payloads', async () => {
  const malformed: string[] = [];
  const publisher = connect();
  const replica = new InboxFanout({
    publisher,
    subscriber: connect(),
    keyPrefix: prefix,
    maxInlineBytes: 1024,
    onMalformed: (channel) => malformed.push(channel),
  });
  const got: InboxNote[] = [];
  const leave = await replica.subscribe('t 2', 'carol:x', (n) => got.push(n));
  await publisher.publish(replica.channel('t 2', 'carol:x'), 'not json');
  await replica.publish({
    tenant: 't 2',
    subscriber: 'carol:x',
    seq: 7,
    kind: 'message',
    message: { ...message('x'.repeat(2000)), tenant: 't 2', subscriber: 'carol:x', seq: 7 },
  });
  await waitFor('seq-only note', () => got.length === 1);
  expect(got[0]).toEqual({ tenant: 't 2', subscriber: 'carol:x', seq: 7, kind: 'message' });
  expect(malformed).toEqual([replica.channel('t 2', 'carol:x')]);
  await leave();
  expect(replica.subscriptions).toBe(0);
  expect(
    await replica.publish({ tenant: 't 2', subscriber: 'carol:x', seq: 8, kind: 'message' }),
  ).toBe(0);
});

it('calls onReconnect once the subscriber connection is back and subscribed again', async () => {
  let reconnects = 0;
  const subscriber = connect();
  const replica = new InboxFanout({
    publisher: connect(),
    subscriber,
    keyPrefix: prefix,
    onReconnect: () => reconnects++,
  });
  const got: InboxNote[] = [];
  await replica.subscribe('acme', 'dave', (n) => got.push(n));
  // Drops the socket; ioredis reconnects and resubscribes.
  subscriber.disconnect(true);
  await waitFor('the reconnect callback', () => reconnects === 1);
  expect(
    await replica.publish({ tenant: 'acme', subscriber: 'dave', seq: 1, kind: 'message' }),
  ).toBe(1);
  await waitFor('a note after the reconnect', () => got.length === 1);
});
