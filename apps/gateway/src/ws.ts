import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { HeraldError, isHeraldError } from '@herald/core';
import { authenticate, tokenOf } from './auth.js';
import type { GatewayContext } from './context.js';
import { closeReasons, frameJson, type CloseReason } from './frames.js';
import {
  badRequestReason,
  checkNotFuture,
  parseClientFrame,
  type ClientFrame,
} from './requests.js';
import { Session, type SessionTransport } from './session.js';

export const WS_PATH = '/v1/inbox/ws';

/** A WebSocket close reason is at most 123 bytes. */
function reasonText(message: string): string {
  const buf = Buffer.from(message);
  return buf.length <= 123 ? message : buf.subarray(0, 120).toString() + '...';
}

function wsTransport(ws: WebSocket): SessionTransport & { alive: boolean } {
  const transport = {
    kind: 'ws' as const,
    alive: true,
    send: (frame: Parameters<SessionTransport['send']>[0]) => ws.send(frameJson(frame)),
    buffered: () => ws.bufferedAmount,
    drained: async (ms: number) => {
      const until = Date.now() + ms;
      while (ws.bufferedAmount > 0 && ws.readyState === ws.OPEN && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 20));
      }
      return ws.bufferedAmount === 0 && ws.readyState === ws.OPEN;
    },
    close: (reason: CloseReason, message: string) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(frameJson({ type: 'error', code: closeReasons[reason].code, message }));
      ws.close(closeReasons[reason].ws, reasonText(message));
      // A client too slow to read the close frame is not waited for.
      setTimeout(() => ws.terminate(), 2000).unref();
    },
    heartbeat: () => {
      if (!transport.alive) {
        ws.terminate();
        return;
      }
      transport.alive = false;
      ws.ping();
    },
  };
  ws.on('pong', () => {
    transport.alive = true;
  });
  return transport;
}

/** A fixed one-second (frames) and one-minute (subscribes) window per connection. */
class FrameBudget {
  #second = 0;
  #frames = 0;
  #minute = 0;
  #subscribes = 0;
  constructor(
    private readonly perSecond: number,
    private readonly subscribesPerMinute: number,
  ) {}
  /** Undefined when allowed, else what was exceeded. */
  take(now: number, subscribe: boolean): string | undefined {
    const s = Math.floor(now / 1000);
    if (s !== this.#second) {
      this.#second = s;
      this.#frames = 0;
    }
    if (++this.#frames > this.perSecond) return `frames|${this.perSecond} per second`;
    if (!subscribe) return undefined;
    const m = Math.floor(now / 60_000);
    if (m !== this.#minute) {
      this.#minute = m;
      this.#subscribes = 0;
    }
    if (++this.#subscribes > this.subscribesPerMinute) {
      return `subscribe frames|${this.subscribesPerMinute} per minute`;
    }
    return undefined;
  }
}

/**
 * The WebSocket endpoint (`ws` library, no per-message deflate: it costs ~300 KiB per
 * connection with zlib contexts). Auth at the upgrade (`?token=` or a Bearer header);
 * a refused token still completes the handshake, so the browser sees close 4401 and
 * the reason instead of an opaque 1006.
 */
export function createWsServer(ctx: GatewayContext, maxPayload: number) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    perMessageDeflate: false,
    clientTracking: false,
  });

  function refuseConnection(ws: WebSocket, reason: CloseReason, message: string) {
    ws.send(frameJson({ type: 'error', code: closeReasons[reason].code, message }));
    ws.close(closeReasons[reason].ws, reasonText(message));
  }

  function onConnection(ws: WebSocket, req: IncomingMessage): void {
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes by itself (1009 too large, 1007 bad UTF-8, 1002 protocol); count it.
      const reason =
        err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'frame_too_large' : 'frame_malformed';
      ctx.metrics.refuse('ws', reason);
    });
    ctx.metrics.series.connections.inc({ transport: 'ws' });
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      ctx.metrics.series.connections.dec({ transport: 'ws' });
    };
    ws.on('close', uncount);
    const budget = new FrameBudget(ctx.limits.framesPerSecond, ctx.limits.subscribesPerMinute);
    let session: Session | undefined;
    let subscribed = false;
    // Frames are handled one after the other, after authentication: a client may send
    // `subscribe` the moment the socket opens, before the token is verified.
    let chain: Promise<unknown> = authenticate(
      ctx.secrets,
      tokenOf(req.headers, req.url),
      ctx.now(),
    ).then((auth) => {
      if (!auth.ok) {
        ctx.metrics.refuse('ws', auth.reason);
        refuseConnection(
          ws,
          auth.reason === 'token_expired' ? 'expired' : 'unauthorized',
          auth.message,
        );
        return;
      }
      const who = auth.identity;
      session = new Session(who, wsTransport(ws), ctx.store, ctx.limits, {
        sent: () => ctx.metrics.series.messages.inc({ transport: 'ws' }),
        ended: (s, reason) => {
          ctx.hub.remove(s);
          if (reason === 'slow') ctx.metrics.refuse('ws', 'slow_consumer');
        },
      });
      const own = session;
      ws.on('close', () => own.ended());
      if (ws.readyState !== ws.OPEN) own.ended();
    });

    async function handle(frame: ClientFrame): Promise<void> {
      const s = session;
      if (s === undefined || s.closed) return;
      const who = s.who;
      switch (frame.type) {
        case 'subscribe': {
          if (subscribed) {
            s.push({
              type: 'error',
              code: 'already_subscribed',
              message:
                'this connection is subscribed already; reconnect to resume from another seq',
            });
            return;
          }
          subscribed = true;
          await ctx.hub.add(s);
          const last = await ctx.store.lastSeq(who);
          if (frame.after !== undefined) checkNotFuture(frame.after, last, 'after');
          await (frame.after === undefined || frame.after === last
            ? s.startLive(last)
            : s.resume(frame.after));
          return;
        }
        case 'ack':
          ctx.statuses.record(
            who,
            frame.ids.map((id) => ({ id })),
            'delivered',
          );
          return;
        case 'mark': {
          const target =
            frame.all === true ? 'all' : frame.ids !== undefined ? frame.ids : undefined;
          if (target === undefined) {
            throw new HeraldError('HERALD_ERR_GATEWAY_REQUEST_INVALID', [
              'mark needs "ids" or "all": true',
            ]);
          }
          const result = await ctx.service.mark(who, frame.action, target);
          if (frame.id !== undefined)
            s.push({ type: 'result', id: frame.id, ok: true, body: result });
          return;
        }
        case 'counts': {
          const counts = await ctx.store.counts(who);
          s.push(
            frame.id === undefined
              ? { type: 'counts', counts }
              : { type: 'result', id: frame.id, ok: true, body: counts },
          );
          return;
        }
        case 'ping':
          return;
      }
    }

    function closeWith(reason: CloseReason, message: string): void {
      if (session !== undefined) session.close(reason, message);
      else refuseConnection(ws, reason, message);
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      let frame: ClientFrame;
      try {
        if (isBinary) {
          throw new HeraldError('HERALD_ERR_GATEWAY_REQUEST_INVALID', [
            'binary frames are not accepted; send JSON text',
          ]);
        }
        frame = parseClientFrame(data.toString());
      } catch (err) {
        ctx.metrics.refuse('ws', 'frame_malformed');
        closeWith('malformed', isHeraldError(err) ? err.message : 'malformed frame');
        return;
      }
      const over = budget.take(Date.now(), frame.type === 'subscribe');
      if (over !== undefined) {
        const [what, limit] = over.split('|');
        ctx.metrics.refuse('ws', 'rate_limited');
        closeWith(
          'rateLimited',
          new HeraldError('HERALD_ERR_GATEWAY_RATE_LIMITED', [what, limit]).message,
        );
        return;
      }
      chain = chain
        .then(() => handle(frame))
        .catch((err: unknown) => {
          const bad = badRequestReason(err);
          if (bad !== undefined) {
            ctx.metrics.refuse('ws', bad);
            closeWith('invalid', (err as Error).message);
            return;
          }
          ctx.log.warn({ err }, 'WebSocket frame failed');
          ctx.metrics.refuse('ws', 'unavailable');
          closeWith('unavailable', 'the inbox store is unavailable; reconnect later');
        });
    });
  }

  return {
    wss,
    /** The HTTP server's `upgrade` handler. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const path = req.url?.split('?')[0];
      if (path !== WS_PATH) {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
        return;
      }
      if (ctx.hub.size >= ctx.limits.maxConnections) {
        ctx.metrics.refuse('ws', 'connection_limit');
        socket.end(
          'HTTP/1.1 503 Service Unavailable\r\nretry-after: 5\r\nconnection: close\r\n\r\n',
        );
        return;
      }
      socket.on('error', () => socket.destroy());
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req));
    },
  };
}
