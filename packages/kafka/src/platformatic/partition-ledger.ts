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
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Bumped each time this member gains the partition anew. */
  readonly epoch: number;
  /** The lowest offset accepted next: below it a record was taken already or committed. */
  next: bigint | undefined;
  /** Not yet due records (delay lanes), in offset order; everything after the first waits too. */
  readonly held: Taken[];
  /** True until the group's committed offset is known. */
  pending: boolean;
  /** The position at which a gap was last reported (one warning and check per gap). */
  gapAt: bigint | undefined;
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
 *   it is assigned (or, never committed, at its earliest offset), so a record fetched
 *   before it moved away never rewinds the group;
 * - a record above the position is dropped too, and the stream moved back (`seek`): the
 *   records between were never taken here, so reading on would lose them. The library
 *   leaves a never-committed partition at its own fetch position after a rejoin, and a
 *   fetch in flight during a rejoin can move a partition past the position the group
 *   reset it to. Only records gone from the log (retention) are skipped, once `gap`'s
 *   check says so (`skipDeleted`);
 * - delay lanes without pausing a partition: a record not yet due is held in memory with
 *   every later record of its partition (order kept), up to `maxHeld` records in all; past
 *   that the intake stops reading, so the library stops fetching (stream back-pressure);
 * - a chunk commits, per partition, the offset after its last record, only while the
 *   partition has been owned without a break since the record was taken. Held records
 *   come after every taken record of their partition, so a commit never passes them.
 */
export class PartitionLedger {
  readonly #releaseAt: ((topic: string, timestamp: number) => number) | undefined;
  readonly #maxHeld: number;
  readonly #log: Logger;
  readonly #seek: (topic: string, partition: number, offset: bigint) => void;
  readonly #gap: (topic: string, partition: number, expected: bigint) => void;
  readonly #partitions = new Map<string, PartitionState>();
  readonly #lookups = new Set<Promise<void>>();
  #due: Taken[] = [];
  #held = 0;
  #epochs = 0;
  #memberId: string | undefined;
  /** Times a partition's records skipped its position (the stream was then moved back). */
  gaps = 0;

  constructor(options: {
    readonly releaseAt?: (topic: string, timestamp: number) => number;
    readonly maxHeld: number;
    readonly log: Logger;
    /** Moves the stream's fetch position of a partition: its next fetch reads from `offset`. */
    readonly seek?: (topic: string, partition: number, offset: bigint) => void;
    /**
     * A partition's records skipped its position `expected`: check whether the log still
     * has it, and call `skipDeleted` when retention removed it.
     */
    readonly gap?: (topic: string, partition: number, expected: bigint) => void;
  }) {
    this.#releaseAt = options.releaseAt;
    this.#maxHeld = options.maxHeld;
    this.#log = options.log;
    this.#seek = options.seek ?? (() => undefined);
    this.#gap = options.gap ?? (() => undefined);
  }

  /**
   * A new assignment: partitions gone are forgotten with their held and queued records;
   * partitions kept keep their position; partitions gained (or all of them, when this
   * is a new member) start where `starts` resolves (the group's committed offset, or the
   * first offset to read when it has none), and the stream is moved there.
   */
  assign(
    memberId: string,
    assigned: ReadonlyArray<{ readonly topic: string; readonly partition: number }>,
    starts: (
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
        gapAt: undefined,
      };
      this.#partitions.set(key, state);
      fresh.push(state);
    }
    if (fresh.length === 0) return;
    const lookup = starts(fresh.map(({ topic, partition }) => ({ topic, partition })))
      .then((offsets) => {
        for (const state of fresh) {
          const key = `${state.topic}:${state.partition}`;
          // A later assignment may have replaced it meanwhile: that one's lookup decides.
          if (this.#partitions.get(key) !== state) continue;
          state.next = offsets.get(key);
          if (state.next !== undefined) this.#seek(state.topic, state.partition, state.next);
        }
      })
      // `starts` retries Kafka's errors itself: reaching here is a bug, and these
      // partitions then have no position to check a rejoin against.
      .catch((err: unknown) =>
        this.#log.error(
          { err, partitions: fresh.map((state) => `${state.topic}:${state.partition}`) },
          'where these partitions start is unknown; their records are taken as they come, and a rejoin may skip some: restart this app to read them from the committed offsets',
        ),
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
   */
  take(max: number, read: () => RawRecord | null, now = Date.now()): Taken[] {
    if (this.#lookups.size > 0) return [];
    this.#release(now);
    while (this.#due.length < max && this.#held < this.#maxHeld) {
      const raw = read();
      if (raw === null) break;
      this.#accept(raw, now);
    }
    return this.#due.splice(0, max);
  }

  /** When the first held record is due (ms since epoch), or undefined when none is held. */
  nextRelease(): number | undefined {
    let first: number | undefined;
    for (const state of this.#partitions.values()) {
      const at = state.held[0]?.at;
      if (at !== undefined && (first === undefined || at < first)) first = at;
    }
    return first;
  }

  /**
   * The log of a partition starts at `earliest`, past its position `expected`: the
   * records between were deleted (retention) before this group handled them. The
   * partition goes on from `earliest`, or stays where it is if it has moved meanwhile.
   */
  skipDeleted(topic: string, partition: number, expected: bigint, earliest: bigint): void {
    const key = `${topic}:${partition}`;
    const state = this.#partitions.get(key);
    if (state?.next !== expected || earliest <= expected) return;
    this.#log.warn(
      { key, from: String(expected), to: String(earliest) },
      'records deleted from the log before they were handled; going on from the earliest left',
    );
    state.next = earliest;
    this.#seek(topic, partition, earliest);
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
        // Records between were never taken here: read the partition again from its
        // position. Every record of it fetched before that is dropped the same way.
        if (state.gapAt !== state.next) {
          state.gapAt = state.next;
          this.gaps++;
          this.#log.warn(
            { key, expected: String(state.next), got: String(raw.offset) },
            'records skipped a position; reading the partition again from there',
          );
          this.#gap(state.topic, state.partition, state.next);
        }
        this.#seek(state.topic, state.partition, state.next);
        return;
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
    };
    if (state.held.length > 0 || taken.at > now) {
      state.held.push(taken);
      this.#held++;
    } else this.#due.push(taken);
  }

  /** Moves held records that are due now to the queue, per partition in order. */
  #release(now: number): void {
    if (this.#held === 0) return;
    for (const state of this.#partitions.values()) {
      while (state.held.length > 0 && state.held[0]!.at <= now) {
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
