/**
 * The gateway over the real stack: @herald/inbox on Postgres (resume, feed, marks),
 * InboxFanout on Redis across two gateway replicas, statuses on Kafka (checked against
 * the status schema by testkit's reader). Messages are stored the way the worker's
 * inapp provider stores them (append, then publish the note).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger, topicNames } from '@herald/core';
import { createInappProvider, InboxFanout, InboxStore, type InboxMessage } from '@herald/inbox';
import { createDatabase, migrateToLatest } from '@herald/store';
import { issueSubscriberToken } from '@herald/subscriber-auth';
import { readTopics, stackEnv, testRun, waitFor, type TestRun } from '@herald/testkit';
import { parseGatewayEnv } from '../src/env.js';
import type { Gateway } from '../src/gateway.js';
import { createInboxGateway } from '../src/inbox-gateway.js';
import { openSse, openWs } from './clients.js';

const secret = 'stack-test-tenant-secret-0123456789';
let run: TestRun;
let store: InboxStore;
let worker: InboxFanout;
let replicaA: Gateway;
let replicaB: Gateway;
let env: ReturnType<typeof parseGatewayEnv>;
let n = 0;

/** What the worker's inapp channel does for one job: append, then publish the note. */
async function deliver(
  subscriber: string,
  title: string,
  extra: { collapseKey?: string; data?: unknown } = {},
) {
  const i = ++n;
  const result = await store.append({
    tenant: 'acme',
    subscriber,
    notificationId: randomUUID(),
    title,
    body: `body ${i}`,
    ...extra,
    event: { id: `e-${i}`, type: 'task.progress', time: new Date().toISOString() },
    rule: { id: 'tasks', version: 1 },
    attempt: 1,
  });
  await worker.publish({
    tenant: 'acme',
    subscriber,
    seq: result.seq,
    kind: 'message',
    message: result.message,
  });
  return result.message;
}

const token = (subscriber: string) =>
  issueSubscriberToken(env.tenantSecrets, { tenant: 'acme', subscriber, ttlSeconds: 600 });

beforeAll(async () => {
  run = testRun('gateway-stack');
  const database = await run.database();
  const db = createDatabase({ url: database.url, poolSize: 4, logger: silentLogger });
  run.defer(() => db.destroy());
  await migrateToLatest(db);
  store = new InboxStore(db);
  const redis = new Redis(stackEnv().REDIS_URL);
  run.defer(() => redis.disconnect());
  worker = new InboxFanout({ publisher: redis, keyPrefix: run.prefix });
  const settings = (extra: Record<string, string>) =>
    parseGatewayEnv(
      run.settings({
        REDIS_URL: stackEnv().REDIS_URL,
        HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ acme: secret }),
        HERALD_GATEWAY_HOST: '127.0.0.1',
        HERALD_GATEWAY_PORT: '0',
        HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: '20',
        HERALD_GATEWAY_STATUS_FLUSH_MS: '50',
        ...extra,
      }),
    );
  env = settings({});
  replicaA = await run.start(createInboxGateway(env, silentLogger));
  replicaB = await run.start(
    createInboxGateway(settings({ HERALD_METRICS_PORT: '0' }), silentLogger),
  );
});

afterAll(async () => {
  await run.stop();
});

describe('gateway on the real stack', () => {
  it('a message stored by a worker reaches clients on both replicas, and /readyz sees Postgres, Redis, Kafka', async () => {
    const t = await token('alice');
    const onA = await openSse(`${replicaA.url}/v1/inbox/stream`, { authorization: `Bearer ${t}` });
    const onB = await openWs(`${replicaB.url.replace('http', 'ws')}/v1/inbox/ws?token=${t}`);
    onB.send({ type: 'subscribe' });
    // Not a timing check: waitFor's default bound, since the first sessions of a run on a
    // loaded CI machine (cold pools, JIT) have taken more than 10 s to go live.
    await waitFor(
      'both live (ready on the SSE client of replica A and the WebSocket client of replica B)',
      () =>
        onA.frames.some((f) => f.type === 'ready') && onB.frames.some((f) => f.type === 'ready'),
    );
    const m = await deliver('alice', 'Build started');
    await waitFor(
      'fan-out to both replicas',
      () => onA.seqs().includes(m.seq) && onB.seqs().includes(m.seq),
    );
    const frame = onB.frames.find((f) => f.type === 'message');
    // What clients see of a message: no event, rule or recipient internals.
    expect(frame).toMatchObject({ item: { id: m.id, title: 'Build started', seq: m.seq } });
    expect(JSON.stringify(frame)).not.toMatch(/"rule"|"recipientRef"|"event"/);
    const ready = (await fetch(`${replicaA.opsUrl}/readyz`)).status;
    expect(ready).toBe(200);
    await onA.close();
    await onB.close();
  });

  it('a reconnect resumes from Postgres: every missed message once, in order, then live, collapsed updates replaced', async () => {
    const t = await token('bob');
    const first = await openSse(`${replicaA.url}/v1/inbox/stream?after=0`, {
      authorization: `Bearer ${t}`,
    });
    await deliver('bob', 'one');
    await waitFor('one', () => first.seqs().length === 1);
    const lastSeen = first.seqs().at(-1)!;
    await first.close();
    // While away: two plain messages and three progress updates of one task.
    await deliver('bob', 'two');
    await deliver('bob', 'three');
    for (const percent of [10, 50, 90])
      await deliver('bob', 'Export', { collapseKey: 'task-1', data: { percent } });
    const again = await openSse(`${replicaB.url}/v1/inbox/stream`, {
      authorization: `Bearer ${t}`,
      'last-event-id': String(lastSeen),
    });
    await waitFor('caught up', () => again.frames.some((f) => f.type === 'ready'));
    const live = await deliver('bob', 'Export', { collapseKey: 'task-1', data: { percent: 100 } });
    await waitFor('live after catch-up', () => again.seqs().includes(live.seq));
    const messages = again.frames.flatMap((f) => (f.type === 'message' ? [f.item] : []));
    // Superseded progress (10 %, 50 %) is never sent again: only the latest of the task.
    expect(
      messages.map((i) => [i.title, (i.data as { percent?: number } | null)?.percent ?? null]),
    ).toEqual([
      ['two', null],
      ['three', null],
      ['Export', 90],
      ['Export', 100],
    ]);
    const seqs = again.seqs();
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(messages.at(-1)!.replacesSeq).toBe(messages.at(-2)!.seq);
    await again.close();
  });

  it('marks on one replica reach every tab on the other with counts; statuses land on herald.status', async () => {
    const t = await token('carol');
    const reader = await readTopics(run.kafka, {
      groupId: `${run.prefix}reader`,
      topics: [topicNames(run.prefix).status],
    });
    run.defer(() => reader.stop());
    const m1 = await deliver('carol', 'first');
    const m2 = await deliver('carol', 'second');
    const tab = await openSse(`${replicaB.url}/v1/inbox/stream`, { authorization: `Bearer ${t}` });
    const ws = await openWs(`${replicaA.url.replace('http', 'ws')}/v1/inbox/ws?token=${t}`);
    ws.send({ type: 'subscribe', after: 0 });
    await waitFor('ws caught up', () => ws.seqs().length === 2);
    ws.send({ type: 'ack', ids: [m1.id, m2.id] });
    const res = await fetch(`${replicaA.url}/v1/inbox/mark`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'read', ids: [m1.id] }),
    });
    expect(await res.json()).toMatchObject({ changed: 1, counts: { unread: 1, total: 2 } });
    await waitFor('state on the other replica', () => tab.frames.some((f) => f.type === 'state'));
    expect(tab.frames.find((f) => f.type === 'state')).toMatchObject({ changes: [{ id: m1.id }] });
    expect(tab.frames.find((f) => f.type === 'counts')).toMatchObject({ counts: { unread: 1 } });
    const states = () =>
      reader.statuses
        .filter((s) => s.subject === m1.id || s.subject === m2.id)
        .map((s) => `${s.subject === m1.id ? 'm1' : 'm2'}:${s.data.state}`)
        .sort();
    await waitFor('statuses', () => states().length === 3, 20_000);
    expect(states()).toEqual(['m1:delivered', 'm1:read', 'm2:delivered']);
    // The feed and counts come from Postgres.
    const feed = (await (
      await fetch(`${replicaB.url}/v1/inbox/messages?status=unread`, {
        headers: { authorization: `Bearer ${t}` },
      })
    ).json()) as { items: InboxMessage[] };
    expect(feed.items.map((i) => i.id)).toEqual([m2.id]);
    await tab.close();
    await ws.close();
  });

  it("a token never reaches another subscriber's inbox in Postgres; the store's cursor checks answer 400", async () => {
    const dave = await deliver('dave', 'private');
    const t = await token('erin');
    const headers = { authorization: `Bearer ${t}`, 'content-type': 'application/json' };
    const mark = await fetch(`${replicaA.url}/v1/inbox/mark`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ action: 'read', ids: [dave.id] }),
    });
    expect(await mark.json()).toMatchObject({ changed: 0 });
    expect(
      (
        await fetch(`${replicaA.url}/v1/inbox/messages/${dave.id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${t}` },
        })
      ).status,
    ).toBe(404);
    const list = (await (await fetch(`${replicaA.url}/v1/inbox/messages`, { headers })).json()) as {
      items: unknown[];
    };
    expect(list.items).toEqual([]);
    const daveToken = await token('dave');
    const davePage = (await (
      await fetch(`${replicaA.url}/v1/inbox/messages?limit=1`, {
        headers: { authorization: `Bearer ${daveToken}` },
      })
    ).json()) as { items: InboxMessage[] };
    expect(davePage.items.map((i) => i.id)).toEqual([dave.id]);
    const forged = await fetch(`${replicaA.url}/v1/inbox/messages?cursor=bm90LWEtY3Vyc29y`, {
      headers,
    });
    expect(forged.status).toBe(400);
    const ahead = await fetch(`${replicaA.url}/v1/inbox/poll?after=5&wait=0`, { headers });
    expect(ahead.status).toBe(400);
  });

  it('the inapp provider (what the worker runs) feeds a waiting long-poll', async () => {
    const t = await token('frank');
    const provider = createInappProvider(() => ({ store, fanout: worker }));
    const waiting = fetch(`${replicaB.url}/v1/inbox/poll?after=0&wait=10`, {
      headers: { authorization: `Bearer ${t}` },
    });
    await new Promise((r) => setTimeout(r, 300));
    const job = {
      notificationId: randomUUID(),
      tenant: 'acme',
      recipient: { ref: 'frank', address: 'frank' },
      event: { id: 'e-frank', source: 's', type: 'task.completed', time: new Date().toISOString() },
      rule: { id: 'tasks', version: 1 },
      attempt: 1,
      payload: {},
    };
    const outcome = await provider.send(
      job as never,
      { title: 'Done', body: 'Export finished' } as never,
      new AbortController().signal,
    );
    expect(outcome.status).toBe('sent');
    const answer = (await (await waiting).json()) as { items: InboxMessage[]; lastSeq: number };
    expect(answer).toMatchObject({ items: [{ title: 'Done' }], lastSeq: 1 });
  });
});
