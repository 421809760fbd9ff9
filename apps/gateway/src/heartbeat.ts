/** Anything that sends a keep-alive (a session: SSE comment, WebSocket ping). */
export interface Beating {
  heartbeat(): void;
}

/** How often the wheel turns: small enough that one slot is a few ms of writes. */
export const HEARTBEAT_TICK_MS = 100;

/**
 * Keep-alives spread over the heartbeat interval instead of sent all at once.
 *
 * Walking every connection on one timer wrote 19,800 keep-alives (and read back 9,900
 * pongs) in one go every interval: a ~0.75–2 s stall of the event loop, which every
 * message stored meanwhile waited out. That stall was the gateway's p99 at 5,000/s
 * (docs/inbox.md, "Benchmark"). Here the interval is cut into `slots` ticks; a member
 * gets a slot round-robin when it joins and is visited once per turn, so each tick
 * writes about size / slots keep-alives and each member still gets one per interval
 * (its first within one interval of joining).
 */
export class HeartbeatWheel<T extends Beating> {
  readonly #slots: Set<T>[];
  readonly #slotOf = new Map<T, Set<T>>();
  /** The slot the next member joins (round-robin keeps slots within one of each other). */
  #join = 0;
  /** The slot the next tick visits. */
  #turn = 0;

  constructor(readonly slotCount: number) {
    if (!Number.isInteger(slotCount) || slotCount < 1)
      throw new RangeError(
        `HeartbeatWheel: slotCount must be a positive integer, got ${slotCount}`,
      );
    this.#slots = Array.from({ length: slotCount }, () => new Set<T>());
  }

  /** Slots for an interval: one per HEARTBEAT_TICK_MS (at least one). */
  static slotsFor(intervalMs: number): number {
    return Math.max(1, Math.round(intervalMs / HEARTBEAT_TICK_MS));
  }

  get size(): number {
    return this.#slotOf.size;
  }

  add(member: T): void {
    if (this.#slotOf.has(member)) return;
    const slot = this.#slots[this.#join]!;
    this.#join = (this.#join + 1) % this.slotCount;
    slot.add(member);
    this.#slotOf.set(member, slot);
  }

  remove(member: T): void {
    this.#slotOf.get(member)?.delete(member);
    this.#slotOf.delete(member);
  }

  /** Sends the keep-alive of the slot whose turn it is; returns how many were sent. */
  tick(): number {
    const slot = this.#slots[this.#turn]!;
    this.#turn = (this.#turn + 1) % this.slotCount;
    // A Set may lose members while it is walked (a session closed by its heartbeat).
    let sent = 0;
    for (const member of slot) {
      member.heartbeat();
      sent++;
    }
    return sent;
  }
}
