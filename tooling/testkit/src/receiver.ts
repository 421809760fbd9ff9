import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
}

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Sets the answer for the next requests (default 204), optionally after a delay. */
  respondWith(
    status: number,
    headers?: Record<string, string>,
    body?: string,
    delayMs?: number,
  ): void;
  /** The most requests to a path that were open at once (received, not yet answered). */
  maxInFlight(path: string): number;
  close(): Promise<void>;
}

/** A local HTTP receiver on 127.0.0.1 that records every request it gets. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let answer = { status: 204, headers: {} as Record<string, string>, body: '', delayMs: 0 };
  const open = new Map<string, number>();
  const peak = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '';
    open.set(path, (open.get(path) ?? 0) + 1);
    peak.set(path, Math.max(peak.get(path) ?? 0, open.get(path)!));
    res.on('close', () => open.set(path, open.get(path)! - 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        receivedAt: Date.now(),
      });
      const { status, headers, body, delayMs } = answer;
      setTimeout(() => res.writeHead(status, headers).end(body), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respondWith(status, headers = {}, body = '', delayMs = 0) {
      answer = { status, headers, body, delayMs };
    },
    maxInFlight: (path) => peak.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
