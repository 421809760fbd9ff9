import http from 'node:http';
import { WebSocket } from 'ws';

/** One client connection of the load: SSE or WebSocket, one subscriber's tab. */
export interface Conn {
  readonly index: number;
  readonly subscriber: number;
  readonly kind: 'sse' | 'ws';
  lastSeq: number;
  received: number;
  gaps: number;
  duplicates: number;
  ready: boolean;
  closeReason?: string;
  close(): void;
}

export interface LoadOptions {
  readonly port: number;
  /** Token of subscriber i (Herald); the baseline ignores it. */
  readonly token: (subscriber: number) => string;
  /** Loopback source addresses to spread client ports over (127.0.0.2 …). */
  readonly localAddresses: readonly string[];
}

/**
 * The load: many SSE and WebSocket connections in this one process, each checking
 * its own stream (every seq once, in order, no gap) and recording store→client
 * latency from `item.data.t` (Date.now() when the producer started storing it).
 */
export class LoadClients {
  readonly conns: Conn[] = [];
  /** Latencies (ms) while `recording`. */
  latencies: number[] = [];
  /**
   * When each (subscriber, seq) was committed to the store (the producer is in this
   * process): latency is measured from there. Without an entry, `item.data.t` (the
   * baseline makes its messages itself).
   */
  readonly committedAt = new Map<number, number>();
  recording = false;
  delivered = 0;
  /** Called for every recorded delivery (BENCH_TRACE: per-stage times, trace.ts). */
  onDelivery: ((key: number, at: number, ms: number) => void) | undefined;
  /** Called for every keep-alive a client receives (SSE comment, WebSocket ping). */
  onHeartbeat: ((at: number) => void) | undefined;
  #next = 0;

  constructor(private readonly options: LoadOptions) {}

  #onFrame(conn: Conn, text: string): void {
    let frame: { type: string; seq?: number; item?: { data?: { t?: number } } };
    try {
      frame = JSON.parse(text) as typeof frame;
    } catch {
      return;
    }
    if (frame.type === 'ready') {
      conn.ready = true;
      return;
    }
    if (frame.type === 'error') {
      conn.closeReason = text;
      return;
    }
    if (frame.type !== 'message' || frame.seq === undefined) return;
    const seq = frame.seq;
    if (seq <= conn.lastSeq) conn.duplicates++;
    else {
      if (seq !== conn.lastSeq + 1) conn.gaps++;
      conn.lastSeq = seq;
    }
    conn.received++;
    this.delivered++;
    if (this.recording) {
      const key = conn.subscriber * 1_000_000 + seq;
      const t = this.committedAt.get(key) ?? frame.item?.data?.t;
      if (typeof t === 'number') {
        const now = Date.now();
        this.latencies.push(now - t);
        this.onDelivery?.(key, now, now - t);
      }
    }
  }

  /** Opens one connection resuming after `after`; resolves when the server said `ready`. */
  open(subscriber: number, kind: 'sse' | 'ws', after: number, reuse?: Conn): Promise<Conn> {
    const index = reuse?.index ?? this.conns.length;
    const localAddress =
      this.options.localAddresses[this.#next++ % this.options.localAddresses.length]!;
    const token = this.options.token(subscriber);
    const conn: Conn = reuse ?? {
      index,
      subscriber,
      kind,
      lastSeq: after,
      received: 0,
      gaps: 0,
      duplicates: 0,
      ready: false,
      close: () => undefined,
    };
    conn.ready = false;
    conn.lastSeq = after;
    if (reuse === undefined) this.conns.push(conn);
    return new Promise<Conn>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection ${index} not ready in 60 s`)),
        60_000,
      );
      const done = () => {
        clearTimeout(timer);
        resolve(conn);
      };
      const watchReady = () => {
        if (conn.ready) done();
        else setTimeout(watchReady, 20);
      };
      if (kind === 'ws') {
        const ws = new WebSocket(`ws://127.0.0.1:${this.options.port}/v1/inbox/ws?token=${token}`, {
          localAddress,
          perMessageDeflate: false,
        });
        ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', after })));
        ws.on('message', (data) => {
          this.#onFrame(conn, data.toString());
          if (conn.ready) done();
        });
        ws.on('ping', () => this.onHeartbeat?.(Date.now()));
        ws.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        conn.close = () => ws.terminate();
        return;
      }
      const req = http.get(
        {
          host: '127.0.0.1',
          port: this.options.port,
          path: '/v1/inbox/stream',
          localAddress,
          agent: false,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            'last-event-id': String(after),
          },
        },
        (res) => {
          if (res.statusCode !== 200) {
            clearTimeout(timer);
            reject(new Error(`SSE answered ${res.statusCode}`));
            res.resume();
            return;
          }
          res.setEncoding('utf8');
          let buffer = '';
          res.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const at = block.indexOf('data: ');
              if (at >= 0) this.#onFrame(conn, block.slice(at + 6));
              else if (block.startsWith(':')) this.onHeartbeat?.(Date.now());
            }
          });
          res.on('error', () => undefined);
          watchReady();
        },
      );
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      conn.close = () => req.destroy();
    });
  }

  /** Connections that could not be opened even after retries (reported, not fatal). */
  failed = 0;
  firstError: string | undefined;

  /**
   * Runs `open` for every spec, at most `concurrency` at once; a connection that fails
   * or is not ready in time is closed and tried again (three times), then counted.
   */
  async openMany(
    specs: readonly { subscriber: number; kind: 'sse' | 'ws'; after: number; reuse?: Conn }[],
    concurrency: number,
  ): Promise<void> {
    let i = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (i < specs.length) {
          const spec = specs[i++]!;
          let reuse = spec.reuse;
          for (let attempt = 1; ; attempt++) {
            // A new connection is pushed at this index synchronously by open().
            const index = this.conns.length;
            try {
              await this.open(spec.subscriber, spec.kind, reuse?.lastSeq ?? spec.after, reuse);
              break;
            } catch (err) {
              reuse ??= this.conns[index];
              reuse?.close();
              if (attempt === 3) {
                this.failed++;
                this.firstError ??= String(err);
                break;
              }
            }
          }
        }
      }),
    );
  }

  closeAll(): void {
    for (const conn of this.conns) conn.close();
  }
}
