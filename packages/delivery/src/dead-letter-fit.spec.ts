import type { DeliveryJob } from '@herald/core';
import { fitDeadLetter } from './dead-letter-fit.js';
import {
  deadLetterHeaders,
  encodeDeadLetter,
  readDeadLetter,
  replayJob,
  replayRefusal,
  type DeadLetter,
} from './dead-letter.js';

const job: DeliveryJob = {
  notificationId: 'n1',
  event: { id: 'e1', source: 's', type: 't' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'r1', address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: { blob: 'x'.repeat(10_000) },
  plannedAt: '2030-01-01T00:00:00.000Z',
};
const letter: DeadLetter = {
  heraldDeadLetter: 1,
  kind: 'permanent',
  reason: 'HTTP 400',
  deadLetteredAt: '2030-01-01T00:00:00.000Z',
  notificationId: 'n1',
  channel: 'webhook',
  tenant: 'acme',
  job,
  attempts: [{ attempt: 1, at: '2030-01-01T00:00:00.000Z', outcome: 'permanent', reason: '400' }],
  source: { topic: 'herald.deliveries.webhook', partition: 0, offset: '42' },
};
const under = (bytes: number) => (l: DeadLetter) => encodeDeadLetter(l).length <= bytes;

describe('fitDeadLetter', () => {
  it('keeps a letter that fits as it is', () => {
    expect(fitDeadLetter(letter, under(1_000_000))).toBe(letter);
  });

  it('leaves the payload out first, and says so in the letter and its headers', () => {
    const fitted = fitDeadLetter(letter, under(5_000));
    expect(fitted.job).toEqual({ ...job, payload: null });
    expect(fitted.truncated).toEqual({
      omitted: 'payload',
      originalBytes: encodeDeadLetter(letter).length,
    });
    expect(deadLetterHeaders(fitted)).toMatchObject({
      'herald-dlq-truncated': 'payload',
      'herald-dlq-original-bytes': String(encodeDeadLetter(letter).length),
    });
  });

  it('leaves the job out when the payload is not the bulk, keeping who and the last attempts', () => {
    const heavy: DeadLetter = {
      ...letter,
      job: { ...job, payload: null, options: { headers: { big: 'h'.repeat(10_000) } } },
      attempts: Array.from({ length: 8 }, (_, n) => ({ ...letter.attempts[0]!, attempt: n + 1 })),
    };
    const fitted = fitDeadLetter(heavy, under(5_000));
    expect(fitted).toMatchObject({ notificationId: 'n1', channel: 'webhook', tenant: 'acme' });
    expect(fitted.job).toBeUndefined();
    expect(fitted.attempts.map((a) => a.attempt)).toEqual([4, 5, 6, 7, 8]);
    expect(fitted.truncated?.omitted).toBe('job');
  });

  it('shortens the reasons last, and leaves an undecodable record out as `raw`', () => {
    const raw: DeadLetter = {
      ...letter,
      job: undefined,
      kind: 'malformed',
      reason: 'r'.repeat(20_000),
      raw: Buffer.alloc(20_000).toString('base64'),
    };
    const fitted = fitDeadLetter(raw, under(5_000));
    expect(fitted.raw).toBeUndefined();
    expect(fitted.reason).toHaveLength(1_000);
    expect(fitted.truncated?.omitted).toBe('raw');
    expect(under(5_000)(fitted)).toBe(true);
  });
});

describe('replaying a cut-down letter', () => {
  it('is refused with HERALD_ERR_DLQ_TRUNCATED naming the original record', () => {
    const fitted = fitDeadLetter(letter, under(5_000));
    expect(replayJob(fitted, new Date())).toBeUndefined();
    expect(replayRefusal(letter)).toBeUndefined();
    expect(replayRefusal(fitted)?.message).toMatch(
      /^HERALD_ERR_DLQ_TRUNCATED: dead letter n1 cannot be replayed: its payload was left out .* the original is herald\.deliveries\.webhook 0:42/,
    );
  });

  it('reads the truncation of another stage’s reference record from its headers', () => {
    const read = readDeadLetter({
      value: Buffer.alloc(0),
      key: null,
      headers: {
        'herald-dlq-reason': 'HERALD_ERR_KAFKA_RECORD_TOO_LARGE: …',
        'herald-dlq-truncated': 'value',
        'herald-dlq-original-bytes': '2000000',
        'herald-dlq-source-topic': 'herald.status',
        'herald-dlq-source-offset': '0:7',
      },
      partition: 0,
      offset: '1',
      timestamp: 0,
    });
    expect(read.letter.truncated).toEqual({ omitted: 'value', originalBytes: 2_000_000 });
    expect(replayRefusal(read.letter)?.code).toBe('HERALD_ERR_DLQ_TRUNCATED');
  });
});
