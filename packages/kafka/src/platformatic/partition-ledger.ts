import type { ConsumedRecord, Logger, RecordHeaders } from '@herald/core';

/** A record as the platformatic stream hands it over (no deserialisers: Buffers). */
export interface RawRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Map<Buffer, Buffer>;
}

/** A record taken for handling, with the ownership it was taken under. */
export interface Taken {
  readonly record: ConsumedRecord;
  readonly key: string;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  /** The partition's ownership epoch when taken: a commit needs the same one. */
  readonly epoch: number;
  /** When it may be handled (delay lanes), ms since epoch. */
  readonly at: number;
  /**
   * The record's Kafka key as a string, with `keyOrder` only (null key: undefined, no
   * order to keep): while a chunk in flight has the key, no other chunk takes it.
   */
  readonly lane?: string | undefined;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Bumped each time this member gains the partition anew. */
  readonly epoch: number;
  /** The lowest offset accepted next: below it a record was taken already or committed. */
  next: bigint | undefined;
  /**
   * Records that wait, in offset order: not yet due (delay lanes), or (`keyOrder`) their
   * key is in a chunk still in flight; everything after the first waits too.
   */
  readonly held: Taken[];
  /** True until the group's committed offset is known. */
  pending: boolean;
}

export interface CommitOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
}

/**
 * Which partitions this member owns and where each stands, for the platformatic stage
 * loop. Pure bookkeeping (no IO), so the rules are easy to check:
 * - a record of a partition not owned is dropped (its owner reads it);
 * - a record below the partition's position is dropped: after a rebalance the library
 *   fetches again from the committed offset, and what this member already took must not
 *   run twice; a partition gained anew starts at the group's committed offset, read when
 *   it is assigned, so a record fetched before it moved away never rewinds the group;
 * - delay lanes without pausing a partition: a record not yet due is held in memory with
 *   every later record of its partition (order kept), up to `maxHeld` records in all; past
 *   that the intake stops reading, so the library stops fetching (stream back-pressure);
 * - a chunk commits, per partition, the offset after its last record, only while the
 *   partition has been owned without a break since the record was taken. Held records
 *   come after every taken record of their partition, so a commit never passes them;
 * - with `keyOrder` (a stage running several chunks at once): a record whose key a chunk
 *   in flight has is held like a record not yet due (it and every later record of its
 *   partition) until that chunk's `done`, so one key's records never run in two chunks
 *   at once and never out of order.
 */
export class PartitionLedger {
  readonly #releaseAt: ((topic: string, timestamp: number) => number) | undefined;
  readonly #maxHeld: number;
  readonly #log: Logger;
  readonly #partitions = new Map<string, PartitionState>();
  readonly #lookups = new Set<Promise<void>>();
  /** Keys of the chunks taken and not yet `done` (`keyOrder` only). */
  readonly #busy: Set<string> | undefined;
  #due: Taken[] = [];
  #held = 0;
  #epochs = 0;
  #memberId: string | undefined;
  /** Records that skipped past a partition's position (the library fetched from too far on). */
  gaps = 0;

  constructor(options: {
    readonly releaseAt?: (topic: string, timestamp: number) => number;
    readonly maxHeld: number;
    readonly log: Logger;
    /** Several chunks run at once: keep one key's records out of two chunks (see above). */
    readonly keyOrder?: boolean;
  }) {
    this.#releaseAt = options.releaseAt;
    this.#busy = options.keyOrder ? new Set() : undefined;
    this.#maxHeld = options.maxHeld;
    this.#log = options.log;
  }

  /**
   * A new assignment: partitions gone are forgotten with their held and queued records;
   * partitions kept keep their position; partitions gained (or all of them, when this
   * is a new member) start at the committed offset `committed` resolves. Keys of chunks
   * still in flight stay busy (their sends run on) until those chunks are `done`.
   */
  assign(
    memberId: string,
    assigned: ReadonlyArray<{ readonly topic: string; readonly partition: number }>,
    committed: (
      fresh: ReadonlyArray<{ topic: string; partition: number }>,
    ) => Promise<ReadonlyMap<string, bigint>>,
  ): void {
    const keys = new Set(assigned.map(({ topic, partition }) => `${topic}:${partition}`));
    const newMember = memberId !== this.#memberId;
    this.#memberId = memberId;
    for (const [key, state] of this.#partitions) {
      if (newMember || !keys.has(key)) {
        this.#held -= state.held.length;
        this.#partitions.delete(key);
      }
    }
    this.#due = this.#due.filter((taken) => this.owned(taken));
    const fresh: PartitionState[] = [];
    for (const { topic, partition } of assigned) {
      const key = `${topic}:${partition}`;
      if (this.#partitions.has(key)) continue;
      const state = {
        topic,
        partition,
        epoch: ++this.#epochs,
        next: undefined,
        held: [],
        pending: true,
      };
      this.#partitions.set(key, state);
      fresh.push(state);
    }
    if (fresh.length === 0) return;
    const lookup = committed(fresh.map(({ topic, partition }) => ({ topic, partition })))
      .then((offsets) => {
        for (const state of fresh) state.next = offsets.get(`${state.topic}:${state.partition}`);
      })
      .catch((err: unknown) =>
        this.#log.warn({ err }, 'committed offsets unknown; taking records as they come'),
      )
      .finally(() => {
        for (const state of fresh) state.pending = false;
        this.#lookups.delete(lookup);
      });
    this.#lookups.add(lookup);
  }

  /** Resolves once the committed offsets of every gained partition are known. */
  async ready(): Promise<void> {
    while (this.#lookups.size > 0) await Promise.all(this.#lookups);
  }

  /**
   * Up to `max` due records across partitions, in the order they arrived, reading more
   * with `read` (null: nothing buffered) while fewer are due and the hold has room.
   * With `keyOrder` their keys are busy until `done(chunk)`.
   */
  take(max: number, read: () => RawRecord | null, now = Date.now()): Taken[] {
    if (this.#lookups.size > 0) return [];
    this.#release(now);
    while (this.#due.length < max && this.#held < this.#maxHeld) {
      const raw = read();
      if (raw === null) break;
      this.#accept(raw, now);
    }
    if (this.#busy === undefined) return this.#due.splice(0, max);
    const chunk = this.#takeFree(max, this.#busy);
    for (const taken of chunk) if (taken.lane !== undefined) this.#busy.add(taken.lane);
    return chunk;
  }

  /** A chunk taken with `keyOrder` is over (handled or given up): its keys may be taken again. */
  done(chunk: readonly Taken[]): void {
    const busy = this.#busy;
    if (busy === undefined) return;
    for (const taken of chunk) if (taken.lane !== undefined) busy.delete(taken.lane);
  }

  /**
   * The chunk of `#due` whose keys no chunk in flight has. A record with a busy key is
   * held with every later record of its partition, ahead of what the partition held
   * already (those came after it); the rest beyond `max` stays queued. Due records of a
   * partition thus always come before its held ones, as `#release` expects.
   */
  #takeFree(max: number, busy: ReadonlySet<string>): Taken[] {
    if (busy.size === 0) return this.#due.splice(0, max);
    const chunk: Taken[] = [];
    const rest: Taken[] = [];
    let parked: Map<PartitionState, Taken[]> | undefined;
    for (const taken of this.#due) {
      const state = this.#partitions.get(taken.key)!;
      const waiting = parked?.get(state);
      if (waiting) waiting.push(taken);
      else if (taken.lane !== undefined && busy.has(taken.lane))
        (parked ??= new Map()).set(state, [taken]);
      else if (chunk.length < max) chunk.push(taken);
      else rest.push(taken);
    }
    this.#due = rest;
    if (parked) {
      for (const [state, list] of parked) {
        state.held.unshift(...list);
        this.#held += list.length;
      }
    }
    return chunk;
  }

  /**
   * When the first held record is due (ms since epoch), or undefined when none is held.
   * A partition whose first held record waits for a busy key has no time: `done` frees it.
   */
  nextRelease(): number | undefined {
    let first: number | undefined;
    for (const state of this.#partitions.values()) {
      const head = state.held[0];
      if (head === undefined || this.#waitsForKey(head)) continue;
      if (first === undefined || head.at < first) first = head.at;
    }
    return first;
  }

  /** True while `taken`'s partition has been owned without a break since it was taken. */
  owned(taken: Taken): boolean {
    return this.#partitions.get(taken.key)?.epoch === taken.epoch;
  }

  /** True when none of the chunk's partitions is still owned: its work no longer matters. */
  allStale(chunk: readonly Taken[]): boolean {
    return chunk.every((taken) => !this.owned(taken));
  }

  /** The offsets a finished chunk commits: per owned partition, the one after its last record. */
  commitOffsets(chunk: readonly Taken[]): CommitOffset[] {
    const last = new Map<string, Taken>();
    for (const taken of chunk) if (this.owned(taken)) last.set(taken.key, taken);
    return [...last.values()].map((taken) => ({
      topic: taken.record.topic,
      partition: taken.record.partition,
      offset: taken.offset + 1n,
      leaderEpoch: taken.leaderEpoch,
    }));
  }

  #accept(raw: RawRecord, now: number): void {
    const key = `${raw.topic}:${raw.partition}`;
    const state = this.#partitions.get(key);
    if (!state) return;
    if (state.next !== undefined) {
      if (raw.offset < state.next) return;
      if (raw.offset > state.next) {
        this.gaps++;
        this.#log.warn(
          { key, expected: String(state.next), got: String(raw.offset) },
          'records skipped a position',
        );
      }
    }
    state.next = raw.offset + 1n;
    const timestamp = Number(raw.timestamp);
    const taken: Taken = {
      record: {
        topic: raw.topic,
        partition: raw.partition,
        offset: String(raw.offset),
        key: raw.key,
        value: raw.value,
        headers: headersOf(raw.headers),
        timestamp,
      },
      key,
      offset: raw.offset,
      leaderEpoch: raw.leaderEpoch,
      epoch: state.epoch,
      at: this.#releaseAt ? this.#releaseAt(raw.topic, timestamp) : 0,
      // latin1: one char per byte, so any key maps to its own string, and no UTF-8 decode.
      // A keyless record comes with an undefined key (not null, whatever the type says).
      lane: this.#busy === undefined || !raw.key ? undefined : raw.key.toString('latin1'),
    };
    if (state.held.length > 0 || taken.at > now) {
      state.held.push(taken);
      this.#held++;
    } else this.#due.push(taken);
  }

  /** True when `taken` waits for a chunk in flight that has its key. */
  #waitsForKey(taken: Taken): boolean {
    return taken.lane !== undefined && this.#busy !== undefined && this.#busy.has(taken.lane);
  }

  /** Moves held records that are due now (and whose key is free) to the queue, per partition in order. */
  #release(now: number): void {
    if (this.#held === 0) return;
    for (const state of this.#partitions.values()) {
      while (
        state.held.length > 0 &&
        state.held[0]!.at <= now &&
        !this.#waitsForKey(state.held[0]!)
      ) {
        this.#due.push(state.held.shift()!);
        this.#held--;
      }
    }
  }
}

/** Kafka headers as kafkajs hands them over: a name to a Buffer (or several, repeated). */
function headersOf(map: Map<Buffer, Buffer>): RecordHeaders {
  const headers: RecordHeaders = {};
  for (const [name, value] of map) {
    const key = name.toString();
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else headers[key] = [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
}
