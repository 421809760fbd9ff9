import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpClient } from '../src/http/http-client.js';
import { MAX_RESPONSE_BYTES, type HttpResult } from '../src/http/http-send.js';

// What httpSend promises every provider, pinned at the HttpClient level: a bounded,
// never-throwing exchange whatever the receiver does (see http-send.ts).

const clients: HttpClient[] = [];
const servers: Server[] = [];

function client(timeoutMs = 2_000): HttpClient {
  const c = new HttpClient({ timeoutMs, guard: false });
  clients.push(c);
  return c;
}

async function serve(handler: RequestListener): Promise<URL> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?x=1`);
}

function post(c: HttpClient, url: URL, signal: AbortSignal, headers = {}): Promise<HttpResult> {
  return c.send({
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: '{}',
    signal,
  });
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('httpSend', () => {
  it('sends method, path with query, headers and body; reads status, headers and the whole body', async () => {
    let seen = { method: '', url: '', header: '', body: '' };
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen = { method: req.method!, url: req.url!, header: String(req.headers['x-a']), body };
        // Several chunks, one of them splitting a two-byte character.
        res.writeHead(201, { 'retry-after': '7' });
        const bytes = Buffer.from('héllo wörld');
        res.write(bytes.subarray(0, 2));
        setTimeout(() => res.end(bytes.subarray(2)), 10);
      });
    });
    const result = await post(client(), url, AbortSignal.timeout(5_000), { 'x-a': 'b' });
    expect(seen).toEqual({ method: 'POST', url: '/hook?x=1', header: 'b', body: '{}' });
    expect(result).toMatchObject({
      kind: 'response',
      statusCode: 201,
      headers: { 'retry-after': '7' },
      body: 'héllo wörld',
    });
  });

  it('skips 1xx informational answers and reports the final one', async () => {
    const url = await serve((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' }, () => res.writeHead(202).end('ok'));
    });
    const result = await post(client(), url, AbortSignal.timeout(5_000));
    expect(result).toMatchObject({ kind: 'response', statusCode: 202, body: 'ok' });
  });

  it('cuts an endless body at MAX_RESPONSE_BYTES and answers with that prefix, not a timeout', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(500);
      const chunk = 'x'.repeat(16 * 1024);
      const pump = (): void => {
        while (res.write(chunk));
        res.once('drain', pump);
      };
      pump();
    });
    const started = Date.now();
    const result = await post(client(1_000), url, AbortSignal.timeout(5_000));
    expect(result.kind === 'response' && result.body).toBe('x'.repeat(MAX_RESPONSE_BYTES));
    expect(result).toMatchObject({ statusCode: 500 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports a caller abort while the body streams as aborted', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await post(client(), url, controller.signal);
    expect(result).toMatchObject({ kind: 'error', cause: 'aborted' });
  });

  it('aborts every request in flight under one shared signal, and then no other', async () => {
    // The worker hands one long-lived signal to all its sends (the stage's stop signal).
    const url = await serve((req, res) => {
      if (req.url!.includes('fast')) res.writeHead(204).end();
      // Others hang until aborted.
    });
    const c = client();
    const controller = new AbortController();
    const done = await post(c, new URL('/fast', url), controller.signal);
    const hanging = Array.from({ length: 5 }, () => post(c, url, controller.signal));
    setTimeout(() => controller.abort(), 100);
    const results = await Promise.all(hanging);
    expect(done).toMatchObject({ kind: 'response', statusCode: 204 });
    expect(results.map((r) => r.kind === 'error' && r.cause)).toEqual(Array(5).fill('aborted'));
    const after = await post(c, new URL('/fast', url), AbortSignal.timeout(5_000));
    expect(after).toMatchObject({ kind: 'response', statusCode: 204 });
  });

  it('sends nothing for an already aborted signal', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.end();
    });
    const result = await post(client(), url, AbortSignal.abort());
    expect(result).toMatchObject({ kind: 'error', cause: 'aborted' });
    expect(requests).toBe(0);
  });

  it('returns a header undici refuses as a network error instead of throwing', async () => {
    const url = await serve((_req, res) => res.end());
    const result = await post(client(), url, AbortSignal.timeout(5_000), { 'x-bad': 'a\r\nb' });
    expect(result).toMatchObject({ kind: 'error', cause: 'network' });
    expect(String((result as { error: unknown }).error)).toMatch(/invalid x-bad header/);
  });

  it('reuses keep-alive connections: a response read to its end frees its socket', async () => {
    const ports = new Set<number>();
    const url = await serve((req, res) => {
      ports.add(req.socket.remotePort!);
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    const c = client();
    for (let i = 0; i < 10; i++) {
      expect(await post(c, url, AbortSignal.timeout(5_000))).toMatchObject({ statusCode: 204 });
    }
    // The pool may open a second socket while the first is being released, never one per request.
    expect(ports.size).toBeLessThanOrEqual(2);
  });
});
