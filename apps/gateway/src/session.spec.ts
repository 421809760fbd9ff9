import { FakeFanout, FakeFeedStore } from '../test/fakes.js';
import type { ServerFrame } from './frames.js';
import { Hub } from './hub.js';
import { Session, type SessionTransport } from './session.js';

const who = { tenant: 't1', subscriber: 'u1' };
const limits = { maxBufferBytes: 10_000, pageSize: 3, maxPending: 100 };

function transport(buffered = () => 0) {
  const frames: ServerFrame[] = [];
  const closes: string[] = [];
  const t: SessionTransport = {
    kind: 'ws',
    send: (frame) => frames.push(frame),
    buffered,
    drained: async () => true,
    close: (reason) => closes.push(reason),
  };
  return {
    t,
    frames,
    closes,
    seqs: () => frames.flatMap((f) => (f.type === 'message' ? [f.seq] : [])),
  };
}

function setup() {
  const store = new FakeFeedStore();
  const fanout = new FakeFanout();
  const hub = new Hub(store, fanout, { countsDebounceMs: 0 });
  /** What the worker does: store, then publish. */
  const produce = async (title: string, extra: { collapseKey?: string } = {}) => {
    const item = store.append(who, { title, ...extra });
    await fanout.publish({ kind: 'message', who, seq: item.seq, item });
    return item;
  };
  return { store, fanout, hub, produce };
}

describe('Session', () => {
  it('resumes with every stored message after the cursor, in order, in pages, then goes live', async () => {
    const { store, hub, produce } = setup();
    for (let i = 1; i <= 7; i++) store.append(who, { title: `m${i}` });
    const c = transport();
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    await session.resume(2);
    expect(c.seqs()).toEqual([3, 4, 5, 6, 7]);
    expect(c.frames.at(-1)).toEqual({ type: 'ready', lastSeq: 7 });
    await produce('m8');
    expect(c.seqs()).toEqual([3, 4, 5, 6, 7, 8]);
  });

  it('buffers live messages during catch-up and sends each seq exactly once, in order', async () => {
    const { store, hub, produce } = setup();
    for (let i = 1; i <= 4; i++) store.append(who, { title: `m${i}` });
    const c = transport();
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    // Two messages land while the first page is read: live before the store shows them.
    let once = true;
    store.beforeRead = async () => {
      if (!once) return;
      once = false;
      await produce('m5');
      await produce('m6');
    };
    await session.resume(0);
    await produce('m7');
    expect(c.seqs()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('goes live without a store read when the client is current, still sending what arrived meanwhile', async () => {
    const { store, hub, produce } = setup();
    store.append(who, { title: 'old' });
    const c = transport();
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    const reads = store.readAfterCalls;
    await session.startLive(1);
    expect(store.readAfterCalls).toBe(reads);
    await produce('new');
    expect(c.seqs()).toEqual([2]);
    // A message published between joining the fan-out and reading the last seq.
    const c2 = transport();
    const s2 = new Session(who, c2.t, store, limits);
    await hub.add(s2);
    await produce('meanwhile');
    await s2.startLive(2);
    expect(c2.seqs()).toEqual([3]);
  });

  it('fills a gap in the live stream from the store (a lost or too-large notice)', async () => {
    const { store, fanout, hub } = setup();
    const c = transport();
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    await session.resume(0);
    const lost = store.append(who, { title: 'lost' }); // stored, notice never arrives
    const big = store.append(who, { title: 'big' });
    await fanout.publish({ kind: 'message', who, seq: big.seq }); // no item inlined
    await new Promise((r) => setImmediate(r));
    expect(c.seqs()).toEqual([lost.seq, big.seq]);
    const next = store.append(who, { title: 'next' });
    await fanout.publish({ kind: 'message', who, seq: next.seq, item: next });
    await fanout.publish({ kind: 'message', who, seq: next.seq, item: next }); // duplicate publish
    expect(c.seqs()).toEqual([1, 2, 3]);
  });

  it('closes a slow consumer with a reason instead of buffering without bound', async () => {
    const { store, hub, produce } = setup();
    let waiting = 0;
    const c = transport(() => waiting);
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    await session.resume(0);
    waiting = 20_000;
    await produce('m1');
    expect(c.closes).toEqual(['slow']);
    expect(session.closed).toBe(true);
    await produce('m2');
    expect(c.seqs()).toEqual([1]);
  });

  it('keeps subscribers apart: a message for u2 never reaches u1', async () => {
    const { store, fanout, hub } = setup();
    const c = transport();
    const session = new Session(who, c.t, store, limits);
    await hub.add(session);
    await session.resume(0);
    const other = { tenant: 't1', subscriber: 'u2' };
    const item = store.append(other, { title: 'for u2' });
    await fanout.publish({ kind: 'message', who: other, seq: item.seq, item });
    const otherTenant = { tenant: 't2', subscriber: 'u1' };
    const item2 = store.append(otherTenant, { title: 'for t2/u1' });
    await fanout.publish({ kind: 'message', who: otherTenant, seq: item2.seq, item: item2 });
    expect(c.seqs()).toEqual([]);
  });

  it('leaves the fan-out channel when the last session of a subscriber goes', async () => {
    const { store, fanout, hub } = setup();
    const a = new Session(who, transport().t, store, limits);
    const b = new Session(who, transport().t, store, limits);
    await hub.add(a);
    await hub.add(b);
    expect(fanout.listeners.size).toBe(1);
    hub.remove(a);
    expect(hub.size).toBe(1);
    hub.remove(b);
    await new Promise((r) => setImmediate(r));
    expect(fanout.listeners.size).toBe(0);
    expect(hub.subscribers).toBe(0);
  });
});
