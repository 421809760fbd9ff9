import { silentLogger, topicNames, type DeliveryJob, type OutputMessage } from '@herald/core';
import { createDigestFlusher, digestJob, type FlushableDigest } from './digest-flusher.js';

const now = new Date('2030-01-01T00:10:00.000Z');
const first: DeliveryJob = {
  notificationId: 'n0',
  event: { id: 'e0', source: 's', type: 'comment.created' },
  tenant: 'acme',
  rule: { id: 'r', version: 3 },
  channel: 'email',
  recipient: { ref: 'alice', address: 'alice@example.com' },
  template: { ref: 'comment' },
  locale: 'de-DE',
  priority: 'normal',
  attempt: 1,
  payload: { n: 0 },
  plannedAt: '2030-01-01T00:00:00.000Z',
  digest: { key: 'post-1', template: 'comment-digest', windowMs: 600_000 },
  cancelKey: 'k',
  notBefore: '2030-01-01T00:00:00.000Z',
};
const digest = (count: number): FlushableDigest => ({
  id: 'd-1',
  key: 'post-1',
  openedAt: new Date('2030-01-01T00:00:00.000Z'),
  job: first,
  items: Array.from({ length: count }, (_, n) => ({
    notificationId: `n${n}`,
    eventId: `e${n}`,
    eventType: 'comment.created',
    eventTime: null,
    payload: { n },
  })),
});

it('builds the digest job: the first job with the digest template, id and items', () => {
  const job = digestJob(digest(3), now, () => true);
  expect(job).toMatchObject({
    notificationId: 'd-1',
    event: { id: 'd-1', type: 'herald.digest', time: '2030-01-01T00:00:00.000Z' },
    template: { ref: 'comment-digest' },
    locale: 'de-DE',
    recipient: first.recipient,
    attempt: 1,
    digestOf: { count: 3 },
    payload: {
      key: 'post-1',
      count: 3,
      items: [{ n: 0 }, { n: 1 }, { n: 2 }],
      first: { n: 0 },
      last: { n: 2 },
    },
  });
  expect(job.digest).toBeUndefined();
  expect(job.cancelKey).toBeUndefined();
  expect(job.notBefore).toBeUndefined();
});

it('leaves items out from the end when the job would not fit a record, and says how many', () => {
  const job = digestJob(
    digest(100),
    now,
    (j) => (j.payload as { items: unknown[] }).items.length <= 30,
  );
  expect(job.payload).toMatchObject({ count: 100, truncated: 75, last: { n: 99 } });
  expect((job.payload as { items: unknown[] }).items).toHaveLength(25);
});

it('publishes each due digest with its queued status, then marks them flushed', async () => {
  const calls: string[] = [];
  const published: OutputMessage[] = [];
  const flusher = createDigestFlusher({
    store: {
      claimDue: async (channels) => {
        calls.push(`claim ${channels.join(',')}`);
        return calls.length === 1 ? [digest(2)] : [];
      },
      markFlushed: async (ids) => {
        calls.push(`flushed ${ids.join(',')}`);
      },
    },
    publish: async (messages) => {
      calls.push('publish');
      published.push(...messages);
    },
    topics: topicNames('spec.'),
    channels: ['email'],
    fits: () => true,
    now: () => now,
    log: silentLogger,
  });
  expect(await flusher.flushOnce()).toBe(1);
  expect(calls).toEqual(['claim email', 'publish', 'flushed d-1']);
  expect(published.map((m) => [m.topic, m.key])).toEqual([
    ['spec.herald.deliveries.email', 'alice'],
    ['spec.herald.status', 'd-1'],
  ]);
  expect(await flusher.flushOnce()).toBe(0);
});
