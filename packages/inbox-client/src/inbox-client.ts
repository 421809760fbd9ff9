import { SseParser } from './sse-reader.js';
import type {
  FeedPage,
  FeedQuery,
  InboxCounts,
  InboxItem,
  MarkAction,
  ServerFrame,
  StateChange,
} from './types.js';

/** The constructor of a WHATWG-style WebSocket (the browser's, Node 22's, or `ws`). */
export type WebSocketLike = new (url: string) => {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

export interface InboxClientOptions {
  /** The gateway, e.g. https://inbox.example.com. */
  readonly url: string;
  /** A subscriber token, or a function that fetches a fresh one (called again on expiry). */
  readonly token: string | (() => Promise<string>);
  /** `sse` (default) or `ws`. */
  readonly transport?: 'sse' | 'ws';
  /** Resume from this seq on the first connect (default: live from now). */
  readonly after?: number;
  /** WebSocket implementation (default globalThis.WebSocket). */
  readonly WebSocket?: WebSocketLike;
  readonly fetch?: typeof fetch;
  /** Reconnect back-off bounds in ms (default 500 … 10 000, with jitter). */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export interface InboxClientEvents {
  message: (item: InboxItem) => void;
  counts: (counts: InboxCounts) => void;
  state: (change: { changes: readonly StateChange[] }) => void;
  /** Connected and caught up (`ready`), or reconnecting after `error`. */
  status: (status: 'connecting' | 'live' | 'reconnecting' | 'closed') => void;
  /** Why the gateway closed the stream (code and message), before a reconnect. */
  error: (error: { code: string; message: string }) => void;
}

type Listeners = { [K in keyof InboxClientEvents]: Set<InboxClientEvents[K]> };

/** Close codes after which reconnecting with the same token cannot help. */
const AUTH_CODES = new Set([
  'HERALD_ERR_GATEWAY_TOKEN_INVALID',
  'HERALD_ERR_GATEWAY_TOKEN_EXPIRED',
]);

/**
 * A subscriber's live inbox. `connect()` opens the stream and keeps it open:
 * after any drop it reconnects with back-off and resumes from the last seq it saw
 * (`Last-Event-ID` / `subscribe.after`), so every message arrives once and in order;
 * seqs at or below the last one are dropped here too.
 *
 * @example
 * const inbox = new InboxClient({ url, token });
 * inbox.on('message', (m) => render(m));
 * inbox.connect();
 */
export class InboxClient {
  lastSeq: number;
  readonly #options: InboxClientOptions;
  readonly #listeners: Listeners = {
    message: new Set(),
    counts: new Set(),
    state: new Set(),
    status: new Set(),
    error: new Set(),
  };
  #token: string | undefined;
  #closed = true;
  #attempt = 0;
  #abort: AbortController | undefined;
  #socket: InstanceType<WebSocketLike> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resumable: boolean;

  constructor(options: InboxClientOptions) {
    this.#options = options;
    this.lastSeq = options.after ?? 0;
    this.#resumable = options.after !== undefined;
    if (typeof options.token === 'string') this.#token = options.token;
  }

  on<K extends keyof InboxClientEvents>(event: K, listener: InboxClientEvents[K]): () => void {
    (this.#listeners[event] as Set<InboxClientEvents[K]>).add(listener);
    return () => (this.#listeners[event] as Set<InboxClientEvents[K]>).delete(listener);
  }

  #emit<K extends keyof InboxClientEvents>(event: K, ...args: Parameters<InboxClientEvents[K]>) {
    for (const listener of this.#listeners[event]) (listener as (...a: unknown[]) => void)(...args);
  }

  async #currentToken(refresh = false): Promise<string> {
    if (typeof this.#options.token === 'string') return this.#options.token;
    if (this.#token === undefined || refresh) this.#token = await this.#options.token();
    return this.#token;
  }

  get #fetch(): typeof fetch {
    return this.#options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  #base(): string {
    return this.#options.url.replace(/\/$/, '');
  }

  /**
   * Opens the live stream (idempotent). `after`: resume after this seq, e.g. the
   * `latestSeq` of the feed page just shown, so nothing falls between page and stream.
   */
  connect(after?: number): void {
    if (!this.#closed) return;
    if (after !== undefined) {
      this.lastSeq = after;
      this.#resumable = true;
    }
    this.#closed = false;
    this.#open();
  }

  /** Closes for good (no reconnect). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#socket?.close(1000, 'client closed');
    this.#emit('status', 'closed');
  }

  #open(): void {
    this.#emit('status', this.#attempt === 0 ? 'connecting' : 'reconnecting');
    const run = (this.#options.transport ?? 'sse') === 'ws' ? this.#openWs() : this.#openSse();
    run.catch((err: unknown) => this.#dropped({ code: 'network', message: String(err) }));
  }

  #frame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'message':
        if (frame.seq <= this.lastSeq && this.#resumable) return;
        this.lastSeq = frame.seq;
        this.#resumable = true;
        this.#emit('message', frame.item);
        return;
      case 'ready':
        this.lastSeq = Math.max(this.lastSeq, frame.lastSeq);
        this.#resumable = true;
        this.#attempt = 0;
        this.#emit('status', 'live');
        return;
      case 'counts':
        this.#emit('counts', frame.counts);
        return;
      case 'state':
        this.#emit('state', { changes: frame.changes });
        return;
      case 'error':
        this.#lastError = frame;
        this.#emit('error', { code: frame.code, message: frame.message });
        return;
      default:
        return;
    }
  }

  #lastError: { code: string; message: string } | undefined;

  async #openSse(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    const token = await this.#currentToken(this.#refreshToken);
    this.#refreshToken = false;
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      accept: 'text/event-stream',
    };
    if (this.#resumable) headers['last-event-id'] = String(this.lastSeq);
    const response = await this.#fetch(`${this.#base()}/v1/inbox/stream`, {
      headers,
      signal: abort.signal,
    });
    if (!response.ok || response.body === null) {
      const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      this.#dropped({
        code: body.code ?? `http_${response.status}`,
        message: body.message ?? response.statusText,
      });
      return;
    }
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    this.#lastError = undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }), (event) => {
          try {
            this.#frame(JSON.parse(event.data) as ServerFrame);
          } catch {
            // A frame we cannot read is skipped; the seq check keeps order.
          }
        });
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      throw err;
    }
    this.#dropped(this.#lastError ?? { code: 'closed', message: 'the stream ended' });
  }

  async #openWs(): Promise<void> {
    const Impl = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketLike }).WebSocket;
    if (Impl === undefined) throw new Error('no WebSocket implementation: pass options.WebSocket');
    const token = await this.#currentToken(this.#refreshToken);
    this.#refreshToken = false;
    const wsUrl = `${this.#base().replace(/^http/, 'ws')}/v1/inbox/ws?token=${encodeURIComponent(token)}`;
    const socket = new Impl(wsUrl);
    this.#socket = socket;
    this.#lastError = undefined;
    socket.onopen = () => {
      socket.send(
        JSON.stringify(
          this.#resumable ? { type: 'subscribe', after: this.lastSeq } : { type: 'subscribe' },
        ),
      );
    };
    socket.onmessage = (ev) => {
      try {
        const frame = JSON.parse(String(ev.data)) as ServerFrame;
        this.#frame(frame);
        if (frame.type === 'message')
          socket.send(JSON.stringify({ type: 'ack', ids: [frame.item.id] }));
      } catch {
        // ignored, as for SSE
      }
    };
    socket.onerror = () => undefined;
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return;
      this.#dropped(this.#lastError ?? { code: `ws_${ev.code}`, message: ev.reason });
    };
  }

  #refreshToken = false;

  #dropped(error: { code: string; message: string }): void {
    if (this.#closed) return;
    if (AUTH_CODES.has(error.code) || error.code === 'http_401' || error.code === 'ws_4401') {
      if (typeof this.#options.token === 'string') {
        // The same token cannot work again.
        this.#emit('error', error);
        this.close();
        return;
      }
      this.#refreshToken = true;
    }
    this.#attempt++;
    const min = this.#options.minBackoffMs ?? 500;
    const max = this.#options.maxBackoffMs ?? 10_000;
    const delay =
      Math.min(max, min * 2 ** Math.min(this.#attempt - 1, 10)) * (0.5 + Math.random() / 2);
    this.#timer = setTimeout(() => this.#open(), delay);
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await this.#currentToken();
    const response = await this.#fetch(`${this.#base()}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T & { code?: string; message?: string };
    if (!response.ok)
      throw new InboxError(response.status, json.code ?? 'error', json.message ?? '');
    return json;
  }

  /** One page of the feed, newest first. */
  list(query: FeedQuery = {}): Promise<FeedPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      params.set(key, Array.isArray(value) ? value.join(',') : String(value));
    }
    const qs = params.toString();
    return this.#call('GET', `/v1/inbox/messages${qs ? `?${qs}` : ''}`);
  }

  counts(): Promise<InboxCounts> {
    return this.#call('GET', '/v1/inbox/counts');
  }

  /** Marks messages (`ids`) or every message (`'all'`); every open tab hears of it. */
  mark(
    action: MarkAction,
    ids: readonly string[] | 'all',
  ): Promise<{ changed: number; counts: InboxCounts }> {
    return this.#call(
      'POST',
      '/v1/inbox/mark',
      ids === 'all' ? { action, all: true } : { action, ids },
    );
  }

  remove(ids: readonly string[]): Promise<{ deleted: number; counts: InboxCounts }> {
    return this.#call('POST', '/v1/inbox/delete', { ids });
  }
}

/** A refused feed call: HTTP status, Herald error code, message. */
export class InboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'InboxError';
  }
}
