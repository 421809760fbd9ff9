import { messageFrame, type CloseReason, type ServerFrame } from './frames.js';
import type { FeedStore, InboxItem, SubscriberRef } from './ports.js';

/** What a session needs from its transport (SSE response, WebSocket, long-poll reply). */
export interface SessionTransport {
  readonly kind: 'sse' | 'ws' | 'poll';
  send(frame: ServerFrame): void;
  /** Bytes written but not yet flushed to the socket. */
  buffered(): number;
  /** Resolves true once the socket drained, false after `ms`. */
  drained(ms: number): Promise<boolean>;
  close(reason: CloseReason, message: string): void;
  /** Keep-alive (SSE comment, WebSocket ping); one timer for all sessions calls it. */
  heartbeat?(): void;
}

export interface SessionLimits {
  /** Over this many buffered bytes the client is too slow: closed with a reason. */
  readonly maxBufferBytes: number;
  /** Catch-up page size (readAfter). */
  readonly pageSize: number;
  /** Live events held while catching up; over it the session re-reads the store instead. */
  readonly maxPending: number;
}

export interface SessionHooks {
  /** A message reached the socket (the `delivered` status for transports without acks). */
  sent?(session: Session, item: InboxItem, live: boolean): void;
  /** The session ended (closed by either side). */
  ended?(session: Session, reason: CloseReason | 'client'): void;
}

/**
 * One connection of one subscriber. `resume(after)` sends every stored message with
 * seq > after (pages from the store), then the live messages that arrived meanwhile,
 * then goes live; `live(seq, item)` is called by the hub for each fan-out message.
 * Exactly once and in order: a message is sent only when its seq is above the last
 * one sent; a live seq that skips one (a fan-out notice lost, two workers publishing
 * out of order, a message too large to inline) sends the session back to the store,
 * which fills the gap (a collapsed-away seq simply is not there).
 */
export class Session {
  lastSeq = 0;
  #catchingUp = true;
  #pending: { seq: number; item?: InboxItem }[] = [];
  #overflowed = false;
  #closed = false;
  #onePage = false;

  constructor(
    readonly who: SubscriberRef,
    readonly transport: SessionTransport,
    private readonly store: FeedStore,
    private readonly limits: SessionLimits,
    private readonly hooks: SessionHooks = {},
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  /** Catches up from `after` (checked by the caller), then goes live. */
  resume(after: number): Promise<void> {
    this.lastSeq = after;
    return this.#catchUp();
  }

  /**
   * Live from `last`, the subscriber's latest seq read after the session joined the
   * fan-out: nothing can be stored past it unseen (it would arrive live), so there is
   * no store page to read. What arrived meanwhile is sent (or fills its gap) as usual.
   */
  startLive(last: number): Promise<void> {
    this.lastSeq = last;
    if (this.#pending.length === 0 && !this.#overflowed) {
      this.#catchingUp = false;
      this.transport.send({ type: 'ready', lastSeq: last });
      return Promise.resolve();
    }
    return this.#catchUp();
  }

  /**
   * Long-poll: reads one page after `after`; after a full page the session stays in
   * catch-up (the client asks again with the new cursor), else it goes live.
   */
  resumeOnePage(after: number): Promise<void> {
    this.lastSeq = after;
    this.#onePage = true;
    return this.#catchUp();
  }

  async #catchUp(): Promise<void> {
    this.#catchingUp = true;
    for (;;) {
      // Store pages first; live messages arriving meanwhile wait in #pending.
      for (;;) {
        const page = await this.store.readAfter(this.who, this.lastSeq, this.limits.pageSize);
        if (this.#closed) return;
        for (const item of page.items) this.#send(item, false);
        if (this.#closed) return;
        if (!page.hasMore) break;
        if (this.#onePage) return;
        if (this.transport.buffered() > this.limits.maxBufferBytes / 2) {
          // A far-behind client is paced by its socket, not by our memory.
          if (!(await this.transport.drained(5000))) {
            if (!this.#closed) this.#slow();
            return;
          }
        }
      }
      // Pending overflowed, or holds a seq we never got the message of: read again.
      const pending = this.#pending.sort((a, b) => a.seq - b.seq);
      let needsStore = this.#overflowed;
      let expected = this.lastSeq;
      for (const p of pending) {
        if (p.seq <= expected) continue;
        if (p.seq !== expected + 1 || p.item === undefined) needsStore = true;
        expected = p.seq;
      }
      if (!needsStore) {
        this.#pending = [];
        this.#catchingUp = false;
        for (const p of pending) if (p.item !== undefined) this.#send(p.item, true);
        break;
      }
      this.#overflowed = false;
      this.#pending = [];
    }
    if (!this.#closed) this.transport.send({ type: 'ready', lastSeq: this.lastSeq });
  }

  /** A message from the fan-out; `item` absent when it was too large to carry. */
  live(seq: number, item: InboxItem | undefined): void {
    if (this.#closed || seq <= this.lastSeq) return;
    if (this.#catchingUp) {
      if (this.#pending.length >= this.limits.maxPending) this.#overflowed = true;
      else this.#pending.push(item === undefined ? { seq } : { seq, item });
      return;
    }
    if (seq === this.lastSeq + 1 && item !== undefined) {
      this.#send(item, true);
      return;
    }
    this.#pending.push(item === undefined ? { seq } : { seq, item });
    this.#catchUp().catch(() =>
      this.close('unavailable', 'the inbox store is unavailable; reconnect'),
    );
  }

  /**
   * Reads the store for anything newer than the last seq sent: the fan-out was away
   * (Redis reconnected) and notices may have been lost meanwhile.
   */
  recheck(): void {
    if (this.#closed || this.#catchingUp) return;
    this.#catchUp().catch(() =>
      this.close('unavailable', 'the inbox store is unavailable; reconnect'),
    );
  }

  /** Any other frame (counts, state changes): no ordering against messages needed. */
  push(frame: ServerFrame): void {
    if (this.#closed) return;
    this.transport.send(frame);
    this.#checkBuffer();
  }

  #send(item: InboxItem, live: boolean): void {
    if (item.seq <= this.lastSeq) return;
    this.lastSeq = item.seq;
    this.transport.send(messageFrame(item));
    this.hooks.sent?.(this, item, live);
    this.#checkBuffer();
  }

  #checkBuffer(): void {
    if (!this.#closed && this.transport.buffered() > this.limits.maxBufferBytes) this.#slow();
  }

  #slow(): void {
    this.close(
      'slow',
      `slow consumer: ${this.transport.buffered()} bytes waiting, over the ${this.limits.maxBufferBytes}-byte buffer; reconnect with the last seq`,
    );
  }

  heartbeat(): void {
    if (!this.#closed) this.transport.heartbeat?.();
  }

  /** Closes from our side with a reason (sent to the client first). */
  close(reason: CloseReason, message: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.transport.close(reason, message);
    this.hooks.ended?.(this, reason);
  }

  /** The client went away. */
  ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.hooks.ended?.(this, 'client');
  }
}
