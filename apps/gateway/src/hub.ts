import type { ServerFrame } from './frames.js';
import type { HeartbeatWheel } from './heartbeat.js';
import type { Fanout, FanoutEvent, FeedStore, SubscriberRef } from './ports.js';
import type { Session } from './session.js';

/** The key of one subscriber's sessions; NUL cannot occur in either id. */
export function subscriberKey(who: SubscriberRef): string {
  return `${who.tenant}\u0000${who.subscriber}`;
}

export interface HubOptions {
  /**
   * After a new message, the subscriber's counts are read once and pushed to all its
   * sessions, at most once per this many ms (0 = never: clients count themselves).
   */
  readonly countsDebounceMs: number;
  readonly onError?: (err: unknown) => void;
  readonly onEvent?: (event: FanoutEvent) => void;
  /** Keep-alives: every session of the hub is on it while it is held (gateway.ts turns it). */
  readonly heartbeat?: HeartbeatWheel<Session>;
}

interface Entry {
  readonly who: SubscriberRef;
  readonly sessions: Set<Session>;
  /** The fan-out subscription; resolves once listening. */
  subscribed: Promise<() => Promise<void>>;
}

/**
 * The sessions of this replica, by subscriber. The first session of a subscriber
 * subscribes to its fan-out channel, the last one leaves it; events are dispatched to
 * that subscriber's sessions only.
 */
export class Hub {
  readonly #entries = new Map<string, Entry>();
  readonly #countsDue = new Map<string, ReturnType<typeof setTimeout>>();
  #size = 0;

  constructor(
    private readonly store: FeedStore,
    private readonly fanout: Fanout,
    private readonly options: HubOptions,
  ) {}

  /** Sessions on this replica. */
  get size(): number {
    return this.#size;
  }

  get subscribers(): number {
    return this.#entries.size;
  }

  /** Adds a session; resolves once its subscriber's fan-out is listening (then read the store). */
  async add(session: Session): Promise<void> {
    const key = subscriberKey(session.who);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const created: Entry = {
        who: session.who,
        sessions: new Set(),
        subscribed: this.fanout.subscribe(session.who, (event) => this.dispatch(event)),
      };
      entry = created;
      this.#entries.set(key, created);
      created.subscribed.catch(() => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      });
    }
    if (!entry.sessions.has(session)) {
      entry.sessions.add(session);
      this.options.heartbeat?.add(session);
      this.#size++;
    }
    await entry.subscribed;
  }

  remove(session: Session): void {
    // Off the wheel even when its entry is gone (a fan-out subscribe that failed).
    this.options.heartbeat?.remove(session);
    const key = subscriberKey(session.who);
    const entry = this.#entries.get(key);
    if (entry === undefined || !entry.sessions.delete(session)) return;
    this.#size--;
    if (entry.sessions.size > 0) return;
    this.#entries.delete(key);
    entry.subscribed
      .then(
        (leave) => leave(),
        () => undefined,
      )
      .catch((err: unknown) => this.options.onError?.(err));
  }

  /** After the fan-out reconnected: every session re-reads the store past its last seq. */
  recheckAll(): void {
    for (const session of this.all()) session.recheck();
  }

  /** Every session of this replica (shutdown). */
  *all(): Iterable<Session> {
    for (const entry of this.#entries.values()) yield* entry.sessions;
  }

  /** A fan-out event, from any replica (this one included). */
  dispatch(event: FanoutEvent): void {
    this.options.onEvent?.(event);
    const entry = this.#entries.get(subscriberKey(event.who));
    if (entry === undefined) return;
    if (event.kind === 'message') {
      for (const session of entry.sessions) session.live(event.seq, event.item);
      this.#scheduleCounts(event.who);
      return;
    }
    const frames: ServerFrame[] =
      event.kind === 'state' ? [{ type: 'state', changes: event.changes }] : [];
    if (event.counts !== undefined) frames.push({ type: 'counts', counts: event.counts });
    for (const session of entry.sessions) for (const frame of frames) session.push(frame);
  }

  #scheduleCounts(who: SubscriberRef): void {
    if (this.options.countsDebounceMs <= 0) return;
    const key = subscriberKey(who);
    if (this.#countsDue.has(key)) return;
    const timer = setTimeout(() => {
      this.#countsDue.delete(key);
      if (!this.#entries.has(key)) return;
      this.store.counts(who).then(
        (counts) => {
          const frame: ServerFrame = { type: 'counts', counts };
          for (const session of this.#entries.get(key)?.sessions ?? []) session.push(frame);
        },
        (err: unknown) => this.options.onError?.(err),
      );
    }, this.options.countsDebounceMs);
    timer.unref();
    this.#countsDue.set(key, timer);
  }

  stop(): void {
    for (const timer of this.#countsDue.values()) clearTimeout(timer);
    this.#countsDue.clear();
  }
}
