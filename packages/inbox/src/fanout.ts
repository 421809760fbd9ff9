import type { Cluster, Redis } from 'ioredis';
import type { InboxCounts, InboxMessage, MarkedMessage } from './types.js';

/**
 * One live notice about a subscriber's inbox, across replicas. Small by design: the
 * store is the source of truth, a notice only says "look" (and carries the message or
 * the changes when they are small, to save the gateway a read).
 */
export interface InboxNote {
  readonly tenant: string;
  readonly subscriber: string;
  /** The subscriber's seq the notice is about (`message`) or latest seq when it was sent. */
  readonly seq: number;
  /** `message`: a new message (seq); `state`: marks or deletes; `counts`: counts changed. */
  readonly kind: 'message' | 'state' | 'counts';
  /** The stored message, when its JSON is at most `maxInlineBytes`; else read it (readAfter). */
  readonly message?: InboxMessage;
  /** `state`: what changed. */
  readonly changes?: readonly MarkedMessage[];
  /** The counts after the change, when the publisher knows them. */
  readonly counts?: InboxCounts;
}

export type NoteHandler = (note: InboxNote) => void;

export interface InboxFanoutOptions {
  /** The connection `publish` uses (any ioredis client; shared with other work is fine). */
  readonly publisher: Redis | Cluster;
  /**
   * A connection of its own for SUBSCRIBE (a subscribed connection can do nothing else):
   * e.g. `publisher.duplicate()`. Absent in a publish-only process (the worker).
   */
  readonly subscriber?: Redis | Cluster;
  /** Namespaces the channels (tests: the run's prefix). */
  readonly keyPrefix?: string;
  /** A message larger than this (JSON bytes) is not inlined in its note. Default 4096. */
  readonly maxInlineBytes?: number;
  /** Called for a payload on an inbox channel that is not a note (never throws). */
  readonly onMalformed?: (channel: string) => void;
  /**
   * Called when the subscriber connection is back after a drop, its channels subscribed
   * again (ioredis resubscribes): notes published meanwhile are lost, so the gateway
   * catches each held client up from the store (`readAfter` its last seq, `counts`).
   */
  readonly onReconnect?: () => void;
}

/**
 * Fan-out over Redis Pub/Sub, one channel per (tenant, subscriber): measured against
 * Redis Streams and Postgres LISTEN/NOTIFY in bench/fanout-bench.mjs (docs/ARCHITECTURE.md,
 * "In-app inbox"). At-most-once: a notice lost while a gateway is disconnected is
 * recovered from the store (subscribe, then readAfter the client's last seq, then drop
 * live notes whose seq the client already has).
 */
export class InboxFanout {
  readonly #publisher: Redis | Cluster;
  readonly #subscriber: Redis | Cluster | undefined;
  readonly #prefix: string;
  readonly #maxInline: number;
  readonly #onMalformed: (channel: string) => void;
  readonly #onReconnect: () => void;
  readonly #handlers = new Map<string, Set<NoteHandler>>();
  #listening = false;

  constructor(options: InboxFanoutOptions) {
    this.#publisher = options.publisher;
    this.#subscriber = options.subscriber;
    this.#prefix = options.keyPrefix ?? '';
    this.#maxInline = options.maxInlineBytes ?? 4096;
    this.#onMalformed = options.onMalformed ?? (() => undefined);
    this.#onReconnect = options.onReconnect ?? (() => undefined);
  }

  /** The Pub/Sub channel of one subscriber's inbox. */
  channel(tenant: string, subscriber: string): string {
    return `${this.#prefix}herald:inbox:${encodeURIComponent(tenant)}:${encodeURIComponent(subscriber)}`;
  }

  /**
   * Publishes a note; drops `message` when it is over the inline limit. Returns how many
   * connections received it (Redis's answer: 0 when no gateway holds the subscriber).
   */
  async publish(note: InboxNote): Promise<number> {
    let text = JSON.stringify(note);
    if (note.message !== undefined && Buffer.byteLength(text) > this.#maxInline) {
      const { message: _dropped, ...rest } = note;
      text = JSON.stringify(rest);
    }
    return this.#publisher.publish(this.channel(note.tenant, note.subscriber), text);
  }

  /**
   * Calls `handler` for every note of the subscriber from now on. Resolves once Redis
   * confirmed the subscription (so a readAfter started afterwards misses nothing).
   * Returns the unsubscribe function; the channel is left when its last handler goes.
   */
  async subscribe(
    tenant: string,
    subscriber: string,
    handler: NoteHandler,
  ): Promise<() => Promise<void>> {
    const redis = this.#subscriber;
    if (redis === undefined)
      throw new Error('InboxFanout: subscribe needs a subscriber connection');
    this.#listen(redis);
    const channel = this.channel(tenant, subscriber);
    let set = this.#handlers.get(channel);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(channel, set);
    }
    set.add(handler);
    // Every caller awaits the SUBSCRIBE reply (Redis answers a repeated one too).
    await redis.subscribe(channel);
    let done = false;
    return async () => {
      if (done) return;
      done = true;
      const current = this.#handlers.get(channel);
      current?.delete(handler);
      if (current !== undefined && current.size === 0) {
        this.#handlers.delete(channel);
        await redis.unsubscribe(channel);
      }
    };
  }

  /** Channels with at least one handler in this process. */
  get subscriptions(): number {
    return this.#handlers.size;
  }

  #listen(redis: Redis | Cluster): void {
    if (this.#listening) return;
    this.#listening = true;
    // ioredis emits 'ready' on every (re)connection, after resubscribing; the first one
    // may already have passed (a connected client), so only a drop arms the callback.
    let dropped = false;
    redis.on('close', () => (dropped = true));
    redis.on('ready', () => {
      if (!dropped) return;
      dropped = false;
      // The PING answers after the resubscriptions sent before it: the channels are live
      // again when the callback runs (a catch-up read then misses nothing).
      redis.ping().then(
        () => this.#onReconnect(),
        () => undefined, // dropped again: the next 'ready' calls back
      );
    });
    redis.on('message', (channel: string, text: string) => {
      const handlers = this.#handlers.get(channel);
      if (handlers === undefined) return;
      let note: InboxNote;
      try {
        note = JSON.parse(text) as InboxNote;
        if (typeof note?.seq !== 'number' || typeof note.kind !== 'string') throw new Error();
      } catch {
        this.#onMalformed(channel);
        return;
      }
      for (const handler of handlers) handler(note);
    });
  }
}
