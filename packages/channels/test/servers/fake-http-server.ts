import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A request a fake provider received, as it came over the wire. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** Remote port: requests sharing it came over one keep-alive connection. */
  readonly remotePort: number;
}

/**
 * How the fake answers the next requests. `ok` is the provider's success; the
 * others use the provider's documented error documents for that case.
 */
export type Scenario = 'ok' | 'permanent' | 'transient' | 'rate-limited' | 'hang';

/** What every fake provider server offers a test. */
export interface FakeServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Answers every following request per `scenario` until changed. */
  scenario(scenario: Scenario): void;
  close(): Promise<void>;
}

export interface Reply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Objects are sent as JSON. */
  readonly body?: unknown;
}

/** The provider-specific part: given the request and the current scenario, the reply (or `hang`). */
export type ReplyFor = (req: RecordedRequest, scenario: Scenario) => Reply | 'hang';

/**
 * Starts an HTTP server on 127.0.0.1 with an ephemeral port. Hung requests are
 * held until `close()`, which drops every connection so tests never leak sockets.
 */
export async function startFakeHttpServer(
  replyFor: ReplyFor,
  tls?: { readonly key: string; readonly cert: string },
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let current: Scenario = 'ok';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(recorded);
      let reply: Reply | 'hang';
      try {
        reply = replyFor(recorded, current);
      } catch (err) {
        reply = { status: 500, body: { error: String(err) } };
      }
      if (reply === 'hang') return;
      const isJson = reply.body !== undefined && typeof reply.body !== 'string';
      const payload =
        reply.body === undefined ? '' : isJson ? JSON.stringify(reply.body) : String(reply.body);
      res.writeHead(reply.status, {
        ...(isJson ? { 'content-type': 'application/json' } : {}),
        ...reply.headers,
      });
      res.end(payload);
    });
  };
  const server = tls === undefined ? createServer(handler) : createTlsServer(tls, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    requests,
    scenario: (s) => {
      current = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The value of a header as a single string. */
export function header(req: RecordedRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
