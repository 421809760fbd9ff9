import { encodeDeliveryJob, silentLogger, topicNames, type DeliveryJob } from '@herald/core';
import { BreakerRegistry } from '../circuit-breaker.js';
import { defaultRetryPolicies } from '../retry-policy.js';
import { createDeliveryPipeline } from './create-pipeline.js';
import { createChunkHandler } from './handle-chunk.js';
import type { ConsumedRecord, OutputMessage, PipelineDeps, WorkflowPort } from './ports.js';

// Digest and cancel steps (issue 16) with fake ports: what a digest or cancellable job
// becomes, and a worker without the store.

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const topics = topicNames('spec.');
const base: DeliveryJob = {
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

async function run(job: DeliveryJob, workflow?: WorkflowPort) {
  const sent: DeliveryJob[] = [];
  const deps: PipelineDeps = {
    topics,
    channels: {
      providerFor: () => ({ name: 'webhook' }),
      send: async (j) => {
        sent.push(j);
        return { status: 'sent' as const, provider: { statusCode: 200 } };
      },
    },
    retryPolicies: defaultRetryPolicies,
    breakers: new BreakerRegistry(undefined, () => NOW),
    ...(workflow ? { workflow } : {}),
    instanceId: 'spec',
    poisonMaxTries: 3,
    maxRecordBytes: 1_000_000,
    recordSize: (m) => ({ fits: true, bytes: m.value.length }),
    log: silentLogger,
    now: () => new Date(NOW),
    random: () => 0.5,
  };
  const record: ConsumedRecord = {
    topic: topics.deliveries('webhook'),
    partition: 0,
    offset: '1',
    timestamp: NOW,
    key: Buffer.from('r1'),
    value: encodeDeliveryJob(job),
    headers: {},
  };
  const handler = createChunkHandler(createDeliveryPipeline(deps), { concurrency: 1 });
  const out = await handler.handle([record], new AbortController().signal);
  return { out, sent };
}

const statuses = (out: readonly OutputMessage[]) =>
  out
    .filter((m) => m.topic === topics.status)
    .map((m) => (JSON.parse(m.value.toString()) as { data: Record<string, unknown> }).data);

const digest = { key: 'post-1', template: 'digest', windowMs: 60_000 };

it('collects a digest job instead of sending it: status digested with the digest id', async () => {
  const collected: string[] = [];
  const { out, sent } = await run(
    { ...base, digest },
    {
      collect: async (j) => {
        collected.push(j.notificationId);
        return { digestId: 'd-1' };
      },
      decideCancel: async () => ({ decision: 'send' }),
    },
  );
  expect(sent).toEqual([]);
  expect(collected).toEqual(['n1']);
  expect(statuses(out)).toEqual([expect.objectContaining({ state: 'digested', digestId: 'd-1' })]);
});

it('does not send a cancelled job: status cancelled with the cancelling event', async () => {
  const { out, sent } = await run(
    { ...base, cancelKey: 'cart:1' },
    {
      collect: async () => ({ digestId: 'never' }),
      decideCancel: async () => ({ decision: 'cancelled', eventId: 'evt-done' }),
    },
  );
  expect(sent).toEqual([]);
  expect(statuses(out)).toEqual([
    expect.objectContaining({ state: 'cancelled', cancelEventId: 'evt-done' }),
  ]);
});

it('sends a cancellable job the decision lets through', async () => {
  const { sent } = await run(
    { ...base, cancelKey: 'cart:1' },
    {
      collect: async () => ({ digestId: 'never' }),
      decideCancel: async () => ({ decision: 'send' }),
    },
  );
  expect(sent.map((j) => j.notificationId)).toEqual(['n1']);
});

it.each([
  ['a digest', { digest }],
  ['a cancellation key', { cancelKey: 'cart:1' }],
])('dead-letters a job with %s on a worker without the store', async (what, extra) => {
  const { out, sent } = await run({ ...base, ...extra });
  expect(sent).toEqual([]);
  expect(out.map((m) => m.topic)).toEqual([topics.dlq, topics.status]);
  expect(statuses(out)[0]).toMatchObject({
    state: 'dead_lettered',
    reason: expect.stringContaining(`HERALD_ERR_WORKFLOW_NO_STORE: job n1 needs ${what}`),
  });
});
