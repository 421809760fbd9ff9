import {
  encodeDeliveryJob,
  silentLogger,
  topicNames,
  type DeliveryJob,
  type DeliveryOutcome,
} from '@herald/core';
import { BreakerRegistry } from '../circuit-breaker.js';
import type { AcquireResult } from '../idempotency-store.js';
import { defaultRetryPolicies } from '../retry-policy.js';
import { createChunkHandler } from './handle-chunk.js';
import { createDeliveryPipeline } from './create-pipeline.js';
import type {
  ConsumedRecord,
  DeliveryMetric,
  LeasePort,
  OutputMessage,
  PipelineDeps,
  SendPort,
} from './ports.js';

// The pipeline with fake ports (Herald's own interfaces): what one record becomes for
// each kind of provider answer, and for a lease someone else holds.

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const topics = topicNames('spec.');

const job: DeliveryJob = {
  notificationId: 'n1',
  event: { id: 'e1', source: 's', type: 't' },
  tenant: 'acme',
  rule: { id: 'r', version: 1 },
  channel: 'webhook',
  recipient: { ref: 'r1', address: 'https://example.com/h' },
  priority: 'normal',
  attempt: 1,
  payload: { a: 1 },
  plannedAt: '2029-12-31T23:59:00.000Z',
};

const record: ConsumedRecord = {
  topic: topics.deliveries('webhook'),
  partition: 0,
  offset: '7',
  timestamp: Date.parse('2029-12-31T23:59:01.000Z'),
  key: Buffer.from('r1'),
  value: encodeDeliveryJob(job),
  headers: {},
};

/** A lease store in memory: notification id → the owner holding it, or its sent mark. */
function fakeLeases(held: Map<string, { owner: string } | { summary: string }> = new Map()) {
  const calls: string[] = [];
  const acquire = (notificationId: string, owner: string): AcquireResult => {
    const entry = held.get(notificationId);
    if (entry && 'summary' in entry) return { status: 'sent', summary: entry.summary };
    if (entry && entry.owner !== owner) return { status: 'busy', retryInMs: 30_000 };
    held.set(notificationId, { owner });
    return { status: 'acquired' };
  };
  const port: LeasePort = {
    acquire: async (id, owner) => acquire(id, owner),
    acquireMany: async (requests) => requests.map((r) => acquire(r.notificationId, r.owner)),
    completeMany: async (marks) => {
      for (const m of marks) {
        calls.push(`complete ${m.notificationId}`);
        held.set(m.notificationId, { summary: m.summary });
      }
    },
    release: async (id, owner) => {
      calls.push(`release ${id}`);
      const entry = held.get(id);
      if (entry && 'owner' in entry && entry.owner === owner) held.delete(id);
    },
  };
  return { port, held, calls };
}

function setup(
  outcome: DeliveryOutcome,
  leases = fakeLeases(),
  addressStates?: PipelineDeps['addressStates'],
  clock: () => Date = () => new Date(NOW),
  sendingStatus = false,
) {
  const sent: DeliveryJob[] = [];
  const channels: SendPort = {
    providerFor: (j) => (j.channel === 'webhook' ? { name: 'webhook' } : undefined),
    send: async (j) => {
      sent.push(j);
      return outcome;
    },
  };
  const metrics: DeliveryMetric[] = [];
  const deps: PipelineDeps = {
    topics,
    channels,
    metrics: { recordDelivery: (m) => metrics.push(m), rateLimitDecision: () => undefined },
    retryPolicies: defaultRetryPolicies,
    breakers: new BreakerRegistry(undefined, () => NOW),
    idempotency: leases.port,
    ...(addressStates ? { addressStates } : {}),
    sendingStatus,
    instanceId: 'spec',
    poisonMaxTries: 3,
    maxRecordBytes: 1_000_000,
    recordSize: (m) => ({ fits: m.value.length < 1_000_000, bytes: m.value.length }),
    log: silentLogger,
    now: clock,
    random: () => 0.5,
  };
  const handler = createChunkHandler(createDeliveryPipeline(deps), { concurrency: 4 });
  const run = () => handler.handle([record], new AbortController().signal);
  return { run, sent, metrics, leases };
}

const statuses = (out: readonly OutputMessage[]) =>
  out
    .filter((m) => m.topic === topics.status)
    .map((m) => (JSON.parse(m.value.toString()) as { data: Record<string, unknown> }).data);
const states = (out: readonly OutputMessage[]) => statuses(out).map((d) => d.state);
const STARTED = new Date(NOW).toISOString();

it('publishes only sent for a sent job, with the attempt start, and writes its sent mark', async () => {
  const { run, sent, metrics, leases } = setup({
    status: 'sent',
    provider: { statusCode: 200 },
  });
  const out = await run();
  expect(sent).toHaveLength(1);
  expect(out.map((m) => m.topic)).toEqual([topics.status]);
  expect(states(out)).toEqual(['sent']);
  expect(statuses(out)[0]).toMatchObject({
    attemptStartedAt: STARTED,
    provider: { name: 'webhook', statusCode: 200 },
  });
  expect(metrics.map((m) => [m.outcome, m.failureClass])).toEqual([['sent', 'none']]);
  expect(leases.calls).toEqual(['complete n1']);
  expect(leases.held.get('n1')).toEqual({ summary: expect.stringContaining('"attempt":1') });
});

it('publishes the legacy sending in front of the outcome when asked to (HERALD_WORKER_SENDING_STATUS)', async () => {
  let now = NOW;
  // The clock moves on during the send: sending and attemptStartedAt say when it began.
  const clock = () => new Date((now += 5));
  const { run } = setup(
    { status: 'sent', provider: { statusCode: 200 } },
    fakeLeases(),
    undefined,
    clock,
    true,
  );
  const out = await run();
  expect(out.map((m) => m.topic)).toEqual([topics.status, topics.status]);
  const [sending, sentStatus] = statuses(out);
  expect(sending).toMatchObject({ state: 'sending', provider: { name: 'webhook' } });
  expect(sending).not.toHaveProperty('attemptStartedAt');
  expect(sentStatus).toMatchObject({ state: 'sent', attemptStartedAt: sending!.occurredAt });
  expect(Date.parse(sentStatus!.occurredAt as string)).toBeGreaterThan(
    Date.parse(sending!.occurredAt as string),
  );
});

it('parks a transient failure on a delay lane with a retrying status', async () => {
  const { run, metrics, leases } = setup({
    status: 'failed',
    permanent: false,
    failureClass: 'transient',
    reason: 'HTTP 503',
    provider: { statusCode: 503 },
  });
  const out = await run();
  const lane = out.find((m) => m.topic.startsWith(`${topics.deliveries('webhook')}.delay-`));
  expect(lane).toBeDefined();
  const retried = JSON.parse(lane!.value.toString()) as DeliveryJob;
  expect(retried.attempt).toBe(2);
  expect(Date.parse(retried.notBefore!)).toBeGreaterThan(NOW);
  expect(retried.history).toEqual([
    expect.objectContaining({ attempt: 1, outcome: 'transient', statusCode: 503 }),
  ]);
  expect(states(out)).toEqual(['retrying']);
  expect(statuses(out)[0]).toMatchObject({ attemptStartedAt: STARTED, attempt: 1 });
  expect(out.some((m) => m.topic === topics.dlq)).toBe(false);
  expect(metrics.map((m) => [m.outcome, m.failureClass])).toEqual([['retrying', 'transient']]);
  // The lease is given back for the retry; no sent mark.
  expect(leases.calls).toEqual(['release n1']);
});

it('counts the backoff from when the failure was seen, not from when the job was taken', async () => {
  // Time passes between taking the job and its failure (a slow lookup or send): an hour here.
  let now = NOW;
  const clock = () => new Date(now);
  const { run } = setup(
    { status: 'failed', permanent: false, failureClass: 'transient', reason: 'HTTP 503' },
    fakeLeases(),
    {
      invalid: async () => {
        now += 3_600_000;
        return undefined;
      },
      markInvalid: async () => undefined,
    },
    clock,
  );
  const out = await run();
  const retrying = out
    .filter((m) => m.topic === topics.status)
    .map((m) => JSON.parse(m.value.toString()) as { data: Record<string, string> })
    .find((s) => s.data.state === 'retrying')!;
  expect(Date.parse(retrying.data.notBefore!)).toBeGreaterThan(NOW + 3_600_000);
  expect(Date.parse(retrying.data.notBefore!)).toBeGreaterThan(
    Date.parse(retrying.data.occurredAt!),
  );
});

it('dead-letters a permanent failure with a dead_lettered status', async () => {
  const { run, metrics } = setup({
    status: 'failed',
    permanent: true,
    failureClass: 'invalid_request',
    reason: 'HTTP 404',
    provider: { statusCode: 404 },
  });
  const out = await run();
  const dlq = out.filter((m) => m.topic === topics.dlq);
  expect(dlq).toHaveLength(1);
  const letter = JSON.parse(dlq[0]!.value.toString()) as unknown;
  expect(letter).toMatchObject({
    kind: 'permanent',
    reason: 'HTTP 404',
    notificationId: 'n1',
    source: { topic: record.topic, partition: 0, offset: '7' },
  });
  expect(states(out)).toEqual(['dead_lettered']);
  expect(statuses(out)[0]).toMatchObject({
    attemptStartedAt: STARTED,
    provider: { name: 'webhook', statusCode: 404 },
  });
  expect(metrics.map((m) => [m.outcome, m.failureClass])).toEqual([
    ['dead_lettered', 'invalid_request'],
  ]);
});

it('defers a job whose lease another owner holds, without sending it', async () => {
  const leases = fakeLeases(new Map([['n1', { owner: 'another-worker/x/0/1' }]]));
  const { run, sent } = setup({ status: 'sent', provider: { statusCode: 200 } }, leases);
  const out = await run();
  expect(sent).toHaveLength(0);
  expect(out).toHaveLength(1);
  expect(out[0]!.topic.startsWith(`${topics.deliveries('webhook')}.delay-`)).toBe(true);
  const deferred = JSON.parse(out[0]!.value.toString()) as DeliveryJob;
  // Back when the lease may have ended: its remaining time plus up to 500 ms jitter.
  expect(Date.parse(deferred.notBefore!)).toBe(NOW + 30_000 + 250);
  expect(leases.held.get('n1')).toEqual({ owner: 'another-worker/x/0/1' });
});

describe('address states', () => {
  /** Marks in memory, by address; answered as a promise, or as a plain value (a cache hit). */
  function fakeStates(
    marked: Map<string, { reason: string; provider: string }> = new Map(),
    plain = false,
  ) {
    const port: NonNullable<PipelineDeps['addressStates']> = {
      invalid: (j) =>
        plain ? marked.get(j.recipient.address) : Promise.resolve(marked.get(j.recipient.address)),
      markInvalid: async (j, mark) => {
        marked.set(j.recipient.address, mark);
      },
    };
    return { port, marked };
  }

  it('records the address when the provider says it is gone, and dead-letters the job', async () => {
    const states$ = fakeStates();
    const { run } = setup(
      {
        status: 'failed',
        permanent: true,
        failureClass: 'invalid_request',
        reason: 'invalid-token (Unregistered)',
        addressInvalid: true,
      },
      fakeLeases(),
      states$.port,
    );
    expect(states(await run())).toEqual(['dead_lettered']);
    expect(states$.marked.get(job.recipient.address)).toEqual({
      reason: 'invalid-token (Unregistered)',
      provider: 'webhook',
    });
  });

  it('does not mark on a plain permanent failure', async () => {
    const states$ = fakeStates();
    const { run } = setup(
      { status: 'failed', permanent: true, failureClass: 'invalid_request', reason: 'HTTP 400' },
      fakeLeases(),
      states$.port,
    );
    await run();
    expect(states$.marked.size).toBe(0);
  });

  it.each([
    ['a promise', false],
    ['a plain value', true],
  ])(
    'suppresses a job to a marked address (answered as %s) without sending it, and gives the lease back',
    async (_, plain) => {
      const states$ = fakeStates(
        new Map([
          [job.recipient.address, { reason: 'invalid-token (Unregistered)', provider: 'apns' }],
        ]),
        plain,
      );
      const leases = fakeLeases();
      const { run, sent, metrics } = setup(
        { status: 'sent', provider: { statusCode: 200 } },
        leases,
        states$.port,
      );
      const out = await run();
      expect(sent).toHaveLength(0);
      const data = (JSON.parse(out[0]!.value.toString()) as { data: Record<string, unknown> }).data;
      expect(data).toMatchObject({
        state: 'suppressed',
        reason: 'address_invalid',
        provider: { name: 'apns', message: 'invalid-token (Unregistered)' },
      });
      expect(out).toHaveLength(1);
      expect(metrics.map((m) => [m.outcome, m.failureClass])).toEqual([
        ['suppressed', 'invalid_request'],
      ]);
      expect(leases.calls).toEqual(['release n1']);
    },
  );
});

it('does not send again when its sent mark was lost and the same worker retries the chunk', async () => {
  // Redis answers the lease, then is away when the mark is written (at the send, then 3
  // tries at the chunk's end); the stage then retries the chunk (e.g. its produce
  // failed) with the lease still its own.
  const leases = fakeLeases();
  const completeMany = leases.port.completeMany;
  let refusals = 4;
  leases.port.completeMany = async (marks) => {
    if (refusals-- > 0) throw new Error('redis unavailable');
    return completeMany(marks);
  };
  const { run, sent } = setup({ status: 'sent', provider: { statusCode: 200 } }, leases);
  expect(states(await run())).toEqual(['sent']);
  expect(leases.held.get('n1')).toEqual({ owner: expect.any(String) }); // no mark in Redis
  const again = await run();
  expect(sent).toHaveLength(1);
  expect(states(again)).toEqual(['sent']);
  // Re-published from the kept mark: the same attempt, begun when it was sent.
  expect(statuses(again)[0]).toMatchObject({ attempt: 1, attemptStartedAt: STARTED });
  // The retried chunk wrote the mark it had kept.
  expect(leases.held.get('n1')).toEqual({ summary: expect.stringContaining('"attempt":1') });
});
