/**
 * The gateway's transports, routes and isolation over real sockets, with fakes of its
 * ports (FeedStore, Fanout, StatusSink). Postgres, Redis and Kafka behind those ports
 * are tested in inbox-stack.test.ts with the real @herald/inbox.
 */
import { SignJWT } from 'jose';
import { silentLogger } from '@herald/core';
import { issueSubscriberToken } from '@herald/subscriber-auth';
import { waitFor } from '@herald/testkit';
import { parseGatewayEnv } from '../src/env.js';
import { buildGateway, type Gateway } from '../src/gateway.js';
import type { SubscriberRef } from '../src/ports.js';
import { openSse, openWs } from './clients.js';
import { FakeFanout, FakeFeedStore, FakeStatusSink } from './fakes.js';

const secretA = 'tenant-one-secret-0123456789abcdef';
const secretB = 'tenant-two-secret-0123456789abcdef';
const settings = {
  KAFKA_BROKERS: '127.0.0.1:1',
  DATABASE_URL: 'postgres://x:y@127.0.0.1:1/db',
  REDIS_URL: 'redis://127.0.0.1:1',
  HERALD_GATEWAY_PORT: '0',
  HERALD_METRICS_PORT: '0',
  HERALD_METRICS_HOST: '127.0.0.1',
  HERALD_GATEWAY_HOST: '127.0.0.1',
  HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ t1: secretA, t2: secretB }),
  HERALD_GATEWAY_MAX_FRAME_BYTES: '1024',
  HERALD_GATEWAY_SUBSCRIBES_PER_MINUTE: '3',
  HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: '20',
  HERALD_GATEWAY_POLL_MAX_WAIT_S: '5',
};
const env = parseGatewayEnv(settings);
const A: SubscriberRef = { tenant: 't1', subscriber: 'alice' };
const B: SubscriberRef = { tenant: 't1', subscriber: 'bob' };
const C: SubscriberRef = { tenant: 't2', subscriber: 'alice' }; // same id, other tenant

let store: FakeFeedStore;
let fanout: FakeFanout;
let statuses: FakeStatusSink;
let gateway: Gateway;
const tokens: Record<string, string> = {};

async function produce(who: SubscriberRef, title: string) {
  const item = store.append(who, { title, category: 'tasks', tags: ['x'] });
  await fanout.publish({ kind: 'message', who, seq: item.seq, item });
  return item;
}

function api(path: string, token: string | undefined, init: RequestInit = {}) {
  return fetch(`${gateway.url}${path}`, {
    ...init,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
  });
}

beforeAll(async () => {
  store = new FakeFeedStore();
  fanout = new FakeFanout();
  statuses = new FakeStatusSink();
  gateway = buildGateway(env, silentLogger, async () => ({ store, fanout, statuses }));
  await gateway.start();
  for (const [name, who] of Object.entries({ A, B, C })) {
    tokens[name] = await issueSubscriberToken(env.tenantSecrets, { ...who, ttlSeconds: 600 });
  }
});

afterAll(async () => {
  await gateway.stop();
});

describe('gateway transports (fake ports)', () => {
  it('refuses a missing, expired or forged token on every route and transport, and counts it', async () => {
    const expired = await issueSubscriberToken(env.tenantSecrets, {
      ...A,
      ttlSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    });
    const forged = await new SignJWT({ tid: 't1' })
      .setProtectedHeader({ alg: 'HS256', kid: 't1' })
      .setSubject('alice')
      .setAudience('herald-inbox')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(secretB));
    const routes: [string, RequestInit][] = [
      ['/v1/inbox/messages', {}],
      ['/v1/inbox/counts', {}],
      ['/v1/inbox/mark', { method: 'POST', body: JSON.stringify({ action: 'read', all: true }) }],
      ['/v1/inbox/delete', { method: 'POST', body: JSON.stringify({ ids: ['x'] }) }],
      ['/v1/inbox/messages/x', { method: 'DELETE' }],
      ['/v1/inbox/stream', {}],
      ['/v1/inbox/poll?wait=0', {}],
    ];
    for (const token of [undefined, expired, forged, 'garbage']) {
      for (const [path, init] of routes) {
        const res = await api(path, token, init);
        expect([path, res.status]).toEqual([path, 401]);
        const body = (await res.json()) as { code: string };
        expect(body.code).toMatch(/^HERALD_ERR_GATEWAY_TOKEN_(INVALID|EXPIRED)$/);
      }
      const ws = await openWs(
        `${gateway.url.replace('http', 'ws')}/v1/inbox/ws${token ? `?token=${token}` : ''}`,
      );
      const closed = await ws.closed;
      expect(closed.code).toBe(4401);
      expect(closed.reason).toMatch(/token/);
    }
    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    for (const reason of ['token_missing', 'token_expired', 'token_invalid']) {
      expect(metrics).toMatch(
        new RegExp(`herald_gateway_refusals_total\\{[^}]*reason="${reason}"[^}]*\\} [1-9]`),
      );
    }
  });

  it("never shows or changes another subscriber's or tenant's inbox", async () => {
    const a1 = await produce(A, 'for alice');
    const b1 = await produce(B, 'for bob');
    const c1 = await produce(C, 'for t2 alice');
    const list = async (token: string) =>
      (
        (await (await api('/v1/inbox/messages', token)).json()) as { items: { id: string }[] }
      ).items.map((i) => i.id);
    expect(await list(tokens.A!)).toEqual([a1.id]);
    expect(await list(tokens.B!)).toEqual([b1.id]);
    expect(await list(tokens.C!)).toEqual([c1.id]);
    // A marks and deletes B's and C's ids: nothing changes for them.
    const mark = await api('/v1/inbox/mark', tokens.A, {
      method: 'POST',
      body: JSON.stringify({ action: 'read', ids: [b1.id, c1.id] }),
    });
    expect(((await mark.json()) as { changed: number }).changed).toBe(0);
    expect((await api(`/v1/inbox/messages/${b1.id}`, tokens.A, { method: 'DELETE' })).status).toBe(
      404,
    );
    expect(
      ((await (await api('/v1/inbox/counts', tokens.B)).json()) as { unread: number }).unread,
    ).toBe(1);
    expect(
      ((await (await api('/v1/inbox/counts', tokens.C)).json()) as { unread: number }).unread,
    ).toBe(1);
    // Streams: A's SSE and WS see A's messages only.
    const sse = await openSse(`${gateway.url}/v1/inbox/stream?after=0`, {
      authorization: `Bearer ${tokens.A}`,
    });
    const ws = await openWs(`${gateway.url.replace('http', 'ws')}/v1/inbox/ws?token=${tokens.A}`);
    ws.send({ type: 'subscribe', after: 0 });
    await waitFor('ws ready', () => ws.frames.some((f) => f.type === 'ready'), 5000);
    await produce(B, 'bob again');
    await produce(C, 't2 alice again');
    const a2 = await produce(A, 'alice again');
    await waitFor(
      'both streams',
      () => sse.seqs().includes(a2.seq) && ws.seqs().includes(a2.seq),
      5000,
    );
    expect(sse.seqs()).toEqual([a1.seq, a2.seq]);
    expect(ws.seqs()).toEqual([a1.seq, a2.seq]);
    // A's ack of B's id records nothing for B.
    ws.send({ type: 'ack', ids: [b1.id] });
    await new Promise((r) => setTimeout(r, 50));
    expect(statuses.records.filter((r) => r.who.subscriber === 'bob')).toEqual([]);
    await sse.close();
    await ws.close();
  });

  it('resumes SSE from Last-Event-ID with every missed message once, then live; refuses a cursor from the future', async () => {
    const who = { tenant: 't1', subscriber: 'resumer' };
    const token = await issueSubscriberToken(env.tenantSecrets, who);
    for (let i = 0; i < 5; i++) await produce(who, `m${i}`);
    const first = await openSse(`${gateway.url}/v1/inbox/stream?after=0`, {
      authorization: `Bearer ${token}`,
    });
    await waitFor('first five', () => first.seqs().length === 5, 5000);
    expect(first.frames.find((f) => f.type === 'message')?.sseId).toBe('1');
    await first.close();
    for (let i = 5; i < 8; i++) await produce(who, `m${i}`);
    const second = await openSse(`${gateway.url}/v1/inbox/stream`, {
      authorization: `Bearer ${token}`,
      'last-event-id': '5',
    });
    await produce(who, 'm8');
    await waitFor('resume + live', () => second.seqs().length === 4, 5000);
    expect(second.seqs()).toEqual([6, 7, 8, 9]);
    await second.close();
    const future = await api('/v1/inbox/stream?after=99', token);
    expect(future.status).toBe(400);
    expect(((await future.json()) as { message: string }).message).toMatch(/from the future/);
    const poll = await api('/v1/inbox/poll?after=99', token);
    expect(poll.status).toBe(400);
  });

  it('WebSocket: ack → delivered, mark read over the socket reaches every tab with counts', async () => {
    const who = { tenant: 't1', subscriber: 'tabs' };
    const token = await issueSubscriberToken(env.tenantSecrets, who);
    const item = await produce(who, 'hello');
    const tab1 = await openWs(`${gateway.url.replace('http', 'ws')}/v1/inbox/ws?token=${token}`);
    tab1.send({ type: 'subscribe', after: 0 });
    const tab2 = await openSse(`${gateway.url}/v1/inbox/stream`, {
      authorization: `Bearer ${token}`,
    });
    await waitFor('tab1 got it', () => tab1.seqs().includes(item.seq), 5000);
    tab1.send({ type: 'ack', ids: [item.id] });
    await waitFor(
      'delivered',
      () =>
        statuses.records.some(
          (r) => r.state === 'delivered' && r.ids.includes(item.id) && r.who.subscriber === 'tabs',
        ),
      5000,
    );
    tab1.send({ type: 'mark', id: 'r1', action: 'read', ids: [item.id] });
    await waitFor('tab2 state', () => tab2.frames.some((f) => f.type === 'state'), 5000);
    const state = tab2.frames.find((f) => f.type === 'state');
    expect(state).toMatchObject({ changes: [{ id: item.id, deleted: false }] });
    expect(tab2.frames.find((f) => f.type === 'counts')).toMatchObject({
      counts: { unread: 0, total: 1 },
    });
    expect(tab1.frames.find((f) => f.type === 'result')).toMatchObject({ id: 'r1', ok: true });
    expect(statuses.records.some((r) => r.state === 'read' && r.ids.includes(item.id))).toBe(true);
    await tab1.close();
    await tab2.close();
  });

  it('closes malformed (1007), oversized (1009) and flooding (4429) WebSockets with a reason, and keeps serving', async () => {
    const url = `${gateway.url.replace('http', 'ws')}/v1/inbox/ws?token=${tokens.A}`;
    const bad = await openWs(url);
    bad.send('{not json');
    expect(await bad.closed).toMatchObject({
      code: 1007,
      reason: expect.stringMatching(/not JSON/),
    });
    const unknown = await openWs(url);
    unknown.send({ type: 'launch' });
    expect((await unknown.closed).code).toBe(1007);
    const big = await openWs(url);
    big.send({ type: 'ping', pad: 'x'.repeat(5000) });
    expect((await big.closed).code).toBe(1009);
    const flood = await openWs(url);
    for (let i = 0; i < 5; i++) flood.send({ type: 'subscribe' });
    expect(await flood.closed).toMatchObject({
      code: 4429,
      reason: expect.stringMatching(/subscribe/),
    });
    const future = await openWs(url);
    future.send({ type: 'subscribe', after: 10_000 });
    expect(await future.closed).toMatchObject({
      code: 4400,
      reason: expect.stringMatching(/future/),
    });
    // Still serving.
    expect((await api('/v1/inbox/counts', tokens.A)).status).toBe(200);
    const metrics = await (await fetch(`${gateway.opsUrl}/metrics`)).text();
    for (const reason of ['frame_malformed', 'frame_too_large', 'rate_limited', 'cursor_future']) {
      expect(metrics).toMatch(
        new RegExp(
          `reason="${reason}",transport="ws"\\} [1-9]|transport="ws",reason="${reason}"\\} [1-9]|reason="${reason}"[^}]*\\} [1-9]`,
        ),
      );
    }
  });

  it('long-poll answers at once with stored messages, else waits for the next live one', async () => {
    const who = { tenant: 't1', subscriber: 'poller' };
    const token = await issueSubscriberToken(env.tenantSecrets, who);
    await produce(who, 'p1');
    const now = (await (await api('/v1/inbox/poll?after=0', token)).json()) as {
      items: { seq: number }[];
      lastSeq: number;
    };
    expect(now.items.map((i) => i.seq)).toEqual([1]);
    const waiting = api(`/v1/inbox/poll?after=${now.lastSeq}&wait=5`, token);
    await new Promise((r) => setTimeout(r, 200));
    await produce(who, 'p2');
    const later = (await (await waiting).json()) as { items: { seq: number }[]; lastSeq: number };
    expect(later).toMatchObject({ items: [{ seq: 2 }], lastSeq: 2 });
    const started = Date.now();
    const empty = (await (await api('/v1/inbox/poll?after=2&wait=1', token)).json()) as {
      items: unknown[];
    };
    expect(empty.items).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('lists with filters and cursor pagination; bad queries are 400s', async () => {
    const who = { tenant: 't1', subscriber: 'lister' };
    const token = await issueSubscriberToken(env.tenantSecrets, who);
    for (let i = 0; i < 5; i++)
      store.append(who, {
        title: `m${i}`,
        category: i % 2 ? 'odd' : 'even',
        tags: i > 2 ? ['late'] : [],
      });
    const page = async (q: string) =>
      (await (await api(`/v1/inbox/messages?${q}`, token)).json()) as {
        items: { seq: number }[];
        nextCursor: string | null;
      };
    const p1 = await page('limit=2');
    expect(p1.items.map((i) => i.seq)).toEqual([5, 4]);
    const p2 = await page(`limit=2&cursor=${p1.nextCursor}`);
    expect(p2.items.map((i) => i.seq)).toEqual([3, 2]);
    expect((await page('category=odd')).items.map((i) => i.seq)).toEqual([4, 2]);
    expect((await page('tags=late')).items.map((i) => i.seq)).toEqual([5, 4]);
    await api('/v1/inbox/mark', token, {
      method: 'POST',
      body: JSON.stringify({ action: 'read', ids: ['t1.lister-5'] }),
    });
    expect((await page('status=unread')).items.map((i) => i.seq)).toEqual([4, 3, 2, 1]);
    expect((await page('status=read')).items.map((i) => i.seq)).toEqual([5]);
    await api('/v1/inbox/mark', token, {
      method: 'POST',
      body: JSON.stringify({ action: 'archived', ids: ['t1.lister-1'] }),
    });
    expect((await page('status=archived')).items.map((i) => i.seq)).toEqual([1]);
    for (const q of ['limit=0', 'limit=abc', 'status=maybe']) {
      expect((await api(`/v1/inbox/messages?${q}`, token)).status).toBe(400);
    }
    const badMark = await api('/v1/inbox/mark', token, {
      method: 'POST',
      body: JSON.stringify({ action: 'burn', all: true }),
    });
    expect(badMark.status).toBe(400);
  });

  it('SSE: a keep-alive due while the last seq is read does not break the stream (it starts after the head)', async () => {
    // Its own gateway with a 1 s heartbeat (the shortest allowed) and a store that takes
    // 1.5 s to answer lastSeq: the session is on the heartbeat wheel for all of it, so
    // its keep-alive comes due before the head. Before the fix that keep-alive went out
    // with Node's default head, the real head threw, and the stream never went live.
    const slowStore = new FakeFeedStore();
    slowStore.beforeLastSeq = () => new Promise((resolve) => setTimeout(resolve, 1_500));
    const slow = buildGateway(
      parseGatewayEnv({ ...settings, HERALD_GATEWAY_HEARTBEAT_MS: '1000' }),
      silentLogger,
      async () => ({ store: slowStore, fanout: new FakeFanout(), statuses: new FakeStatusSink() }),
    );
    await slow.start();
    try {
      const sse = await openSse(`${slow.url}/v1/inbox/stream`, {
        authorization: `Bearer ${tokens.A!}`,
      });
      expect(sse.response.status).toBe(200);
      expect(sse.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      await waitFor('the slow session goes live', () => sse.frames.some((f) => f.type === 'ready'));
      await sse.close();
    } finally {
      await slow.stop();
    }
  });
});
