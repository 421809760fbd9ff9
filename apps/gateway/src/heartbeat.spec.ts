import { FakeFanout, FakeFeedStore } from '../test/fakes.js';
import { HeartbeatWheel } from './heartbeat.js';
import { Hub } from './hub.js';
import { Session, type SessionTransport } from './session.js';

/** A member that counts its keep-alives. */
class Counted {
  beats = 0;
  heartbeat(): void {
    this.beats++;
  }
}

/** Turns the wheel `ticks` times; returns how many keep-alives each tick sent. */
function turn(wheel: HeartbeatWheel<Counted>, ticks: number): number[] {
  return Array.from({ length: ticks }, () => wheel.tick());
}

describe('HeartbeatWheel', () => {
  it('spreads one turn over its slots: every member once, no slot more than ceil(n / slots)', () => {
    const wheel = new HeartbeatWheel<Counted>(10);
    const members = Array.from({ length: 95 }, () => new Counted());
    for (const m of members) wheel.add(m);
    const perTick = turn(wheel, 10);
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(95);
    expect(Math.max(...perTick)).toBe(10);
    expect(Math.min(...perTick)).toBe(9);
    expect(members.every((m) => m.beats === 1)).toBe(true);
    // The next turn: one more each, never two in one turn.
    turn(wheel, 10);
    expect(members.every((m) => m.beats === 2)).toBe(true);
  });

  it('keeps a burst of joins spread (a reconnect storm does not land in one slot)', () => {
    const wheel = new HeartbeatWheel<Counted>(250);
    turn(wheel, 17); // mid-turn, as when a storm arrives
    for (let i = 0; i < 10_000; i++) wheel.add(new Counted());
    const perTick = turn(wheel, 250);
    expect(Math.max(...perTick)).toBe(40);
    expect(perTick.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('visits a member that joins mid-turn within one turn, and a removed one never again', () => {
    const wheel = new HeartbeatWheel<Counted>(4);
    const early = new Counted();
    wheel.add(early);
    wheel.tick();
    const late = new Counted();
    wheel.add(late);
    turn(wheel, 4);
    expect(late.beats).toBe(1);
    wheel.remove(early);
    wheel.add(late); // twice: still one slot
    turn(wheel, 8);
    expect(early.beats).toBe(2);
    expect(late.beats).toBe(3);
    expect(wheel.size).toBe(1);
  });

  it('lets a member leave while its slot is walked', () => {
    const wheel = new HeartbeatWheel<Counted>(1);
    const a = new Counted();
    const b = new Counted();
    const leaving = { heartbeat: () => wheel.remove(b) };
    wheel.add(a);
    wheel.add(leaving as unknown as Counted);
    wheel.add(b);
    expect(wheel.tick()).toBe(2);
    expect(b.beats).toBe(0);
  });

  it('has one slot per 100 ms of the interval', () => {
    expect(HeartbeatWheel.slotsFor(25_000)).toBe(250);
    expect(HeartbeatWheel.slotsFor(1_000)).toBe(10);
    expect(HeartbeatWheel.slotsFor(40)).toBe(1);
    expect(() => new HeartbeatWheel(0)).toThrow(RangeError);
  });
});

describe('Hub with a heartbeat wheel', () => {
  it('puts each held session on the wheel and takes it off when it leaves the hub', async () => {
    const store = new FakeFeedStore();
    const wheel = new HeartbeatWheel<Session>(3);
    const hub = new Hub(store, new FakeFanout(), { countsDebounceMs: 0, heartbeat: wheel });
    const beats = new Map<Session, number>();
    const sessions = Array.from({ length: 6 }, (_, i) => {
      const transport: SessionTransport = {
        kind: i % 2 === 0 ? 'sse' : 'ws',
        send: () => undefined,
        buffered: () => 0,
        drained: async () => true,
        close: () => undefined,
        heartbeat: () => beats.set(session, (beats.get(session) ?? 0) + 1),
      };
      const session: Session = new Session(
        { tenant: 't1', subscriber: `u${i % 2}` },
        transport,
        store,
        { maxBufferBytes: 1000, pageSize: 10, maxPending: 10 },
      );
      return session;
    });
    for (const s of sessions) await hub.add(s);
    // One turn: each session once, two per tick (not all six on one tick).
    expect([wheel.tick(), wheel.tick(), wheel.tick()]).toEqual([2, 2, 2]);
    expect(sessions.map((s) => beats.get(s))).toEqual([1, 1, 1, 1, 1, 1]);
    sessions[0]!.ended();
    hub.remove(sessions[0]!);
    expect(wheel.size).toBe(5);
    wheel.tick();
    wheel.tick();
    wheel.tick();
    expect(beats.get(sessions[0]!)).toBe(1);
    expect(sessions.slice(1).map((s) => beats.get(s))).toEqual([2, 2, 2, 2, 2]);
  });

  it('takes a session off the wheel when its fan-out subscribe failed', async () => {
    const store = new FakeFeedStore();
    const fanout = new FakeFanout();
    fanout.subscribe = () => Promise.reject(new Error('redis down'));
    const wheel = new HeartbeatWheel<Session>(3);
    const hub = new Hub(store, fanout, { countsDebounceMs: 0, heartbeat: wheel });
    const session = new Session(
      { tenant: 't1', subscriber: 'u1' },
      {
        kind: 'sse',
        send: () => undefined,
        buffered: () => 0,
        drained: async () => true,
        close: () => undefined,
      },
      store,
      { maxBufferBytes: 1000, pageSize: 10, maxPending: 10 },
    );
    await expect(hub.add(session)).rejects.toThrow('redis down');
    hub.remove(session); // what the transports do when the session ends
    expect(wheel.size).toBe(0);
  });
});
