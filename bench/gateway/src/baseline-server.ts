/**
 * The baseline: a bare broadcast server speaking the gateway's frames on the same
 * paths (SSE and `ws`), with no auth, no storage and no fan-out. Messages are made
 * here at the rate asked (POST /publish?count=&rate=&subscribers=), round-robin over
 * subscribers, each to every connection of its subscriber. `GET /mem` answers the
 * process's memory. Run as a child process by main.ts: `node baseline-server.js`.
 */
import http from 'node:http';
import type { ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

type Sink = { sse?: ServerResponse; ws?: WebSocket };
const bySubscriber = new Map<number, Set<Sink>>();
const seqs = new Map<number, number>();

function subscriberOf(url: string | undefined, headers: http.IncomingHttpHeaders): number {
  const token =
    new URLSearchParams(url?.split('?')[1] ?? '').get('token') ??
    String(headers.authorization ?? '').slice(7);
  return Number(token.split('.')[0]);
}

function add(subscriber: number, sink: Sink): () => void {
  let set = bySubscriber.get(subscriber);
  if (!set) bySubscriber.set(subscriber, (set = new Set()));
  set.add(sink);
  return () => set.delete(sink);
}

const server = http.createServer((req, res) => {
  const path = req.url?.split('?')[0];
  if (path === '/mem') {
    res.end(JSON.stringify(process.memoryUsage()));
    return;
  }
  if (path === '/publish') {
    const q = new URLSearchParams(req.url!.split('?')[1]);
    const count = Number(q.get('count'));
    const rate = Number(q.get('rate'));
    const subscribers = Number(q.get('subscribers'));
    const started = Date.now();
    let sent = 0;
    const tick = () => {
      const due = Math.min(count, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const s = sent % subscribers;
        const seq = (seqs.get(s) ?? 0) + 1;
        seqs.set(s, seq);
        const frame = JSON.stringify({
          type: 'message',
          seq,
          item: {
            id: `${s}-${seq}`,
            seq,
            title: 'bench',
            body: '',
            tags: [],
            data: { t: Date.now() },
          },
        });
        const sse = `id: ${seq}\nevent: message\ndata: ${frame}\n\n`;
        for (const sink of bySubscriber.get(s) ?? []) {
          if (sink.sse) sink.sse.write(sse);
          else sink.ws!.send(frame);
        }
      }
      if (sent < count) setTimeout(tick, 2);
      else res.end(JSON.stringify({ sent }));
    };
    tick();
    return;
  }
  if (path === '/v1/inbox/stream') {
    const subscriber = subscriberOf(req.url, req.headers);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const last = seqs.get(subscriber) ?? 0;
    res.write(`event: ready\ndata: {"type":"ready","lastSeq":${last}}\n\n`);
    const remove = add(subscriber, { sse: res });
    req.on('close', remove);
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  clientTracking: false,
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => {
    const subscriber = subscriberOf(req.url, req.headers);
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'ready', lastSeq: seqs.get(subscriber) ?? 0 }));
      const remove = add(subscriber, { ws });
      ws.on('close', remove);
    });
    ws.on('error', () => undefined);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  console.log(`baseline listening ${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
