import { WebSocket } from 'ws';
import { SseParser } from '@herald/inbox-client';
import type { ServerFrame } from '../src/frames.js';

/** A test SSE client over fetch: every frame parsed, the stream closable. */
export async function openSse(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const frames: (ServerFrame & { sseId?: string })[] = [];
  let ended = false;
  const done = (async () => {
    if (!response.ok || response.body === null) return;
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        parser.push(decoder.decode(chunk as Uint8Array, { stream: true }), (event) => {
          const frame = JSON.parse(event.data) as ServerFrame;
          frames.push(event.id === undefined ? frame : { ...frame, sseId: event.id });
        });
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    response,
    frames,
    get ended() {
      return ended;
    },
    seqs: () => frames.flatMap((f) => (f.type === 'message' ? [f.seq] : [])),
    close: async () => {
      abort.abort();
      await done;
    },
  };
}

/** A test WebSocket client: frames, the close code and reason. */
export async function openWs(url: string, options: { maxPayload?: number } = {}) {
  const ws = new WebSocket(url, options);
  const frames: ServerFrame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => undefined);
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as ServerFrame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    frames,
    closed,
    send: (frame: unknown) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    seqs: () => frames.flatMap((f) => (f.type === 'message' ? [f.seq] : [])),
    close: async () => {
      ws.close();
      await closed;
    },
  };
}
