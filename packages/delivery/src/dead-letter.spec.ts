import type { DeliveryJob } from '@herald/core';
import { encodeDeadLetter, readDeadLetter, replayJob, type DeadLetter } from './dead-letter.js';

const job: DeliveryJob = {
  notificationId: 'n1',
  event: { id: 'e1', source: 's', type: 't' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'r1', address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 3,
  notBefore: '2030-01-01T00:00:00.000Z',
  firstAttemptAt: '2029-12-31T00:00:00.000Z',
  payload: { a: 1 },
  plannedAt: '2029-12-31T00:00:00.000Z',
};
const letter: DeadLetter = {
  heraldDeadLetter: 1,
  kind: 'exhausted',
  reason: '3 of 3 attempts used',
  deadLetteredAt: '2030-01-01T00:00:00.000Z',
  notificationId: 'n1',
  channel: 'webhook',
  tenant: 'acme',
  job,
  attempts: [
    {
      attempt: 3,
      at: '2030-01-01T00:00:00.000Z',
      outcome: 'transient',
      reason: '503',
      statusCode: 503,
    },
  ],
  source: { topic: 'herald.deliveries.webhook', partition: 0, offset: '4' },
};

it('round-trips a worker dead letter', () => {
  const read = readDeadLetter({
    value: encodeDeadLetter(letter),
    key: Buffer.from('n1'),
    partition: 1,
    offset: '9',
    timestamp: '5',
  });
  expect(read).toEqual({ letter, partition: 1, offset: '9', timestamp: 5 });
});

it('reads another stage’s raw dead letter from its headers', () => {
  const read = readDeadLetter({
    value: Buffer.from('{oops'),
    key: null,
    headers: {
      'herald-dlq-reason': Buffer.from('not JSON'),
      'herald-dlq-source-topic': Buffer.from('herald.status'),
      'herald-dlq-source-offset': Buffer.from('2:17'),
    },
    partition: 0,
    offset: '3',
    timestamp: 1_000,
  });
  expect(read.letter).toMatchObject({
    kind: 'malformed',
    reason: 'not JSON',
    raw: Buffer.from('{oops').toString('base64'),
    source: { topic: 'herald.status', partition: 2, offset: '17' },
  });
});

it('a replayed job gets the next attempt, a fresh budget and no wait', () => {
  const replayed = replayJob(letter, new Date('2030-02-01T00:00:00Z'))!;
  expect(replayed.attempt).toBe(4);
  expect(replayed.replay).toEqual({ count: 1, at: '2030-02-01T00:00:00.000Z', fromAttempt: 3 });
  expect(replayed.notBefore).toBeUndefined();
  expect(replayed.firstAttemptAt).toBeUndefined();
  expect(replayed.history).toEqual(letter.attempts);
  expect(replayJob({ ...letter, job: undefined }, new Date())).toBeUndefined();
});
