import type { IncomingHttpHeaders } from 'node:http';
import { request, type Dispatcher } from 'undici';

/** One HTTP call a provider makes; the dispatcher carries keep-alive and the SSRF lookup. */
export interface HttpRequest {
  readonly url: URL;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly dispatcher: Dispatcher;
}

/** What came back: a response (any status), or why none did. Never throws. */
export type HttpResult =
  | {
      readonly kind: 'response';
      readonly statusCode: number;
      readonly headers: IncomingHttpHeaders;
      /** The body as text, cut at {@link MAX_RESPONSE_BYTES}: enough for any error document. */
      readonly body: string;
    }
  | {
      readonly kind: 'error';
      readonly cause: 'timeout' | 'aborted' | 'network';
      readonly error: unknown;
    };

export const MAX_RESPONSE_BYTES = 64 * 1024;

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * Sends one request. `timeoutMs` bounds each wait: connecting (the client's agent),
 * the response headers, every gap in the body, and the whole exchange once a body
 * chunk arrives past it; so a request ends within about three times `timeoutMs` at
 * worst, well inside the idempotency lease. The body is read up to
 * {@link MAX_RESPONSE_BYTES}. undici's own timers do this, so a request costs no
 * timer and no combined AbortSignal of its own (each a measurable share of a worker's
 * CPU per delivery); the caller's signal is passed through as it is.
 * Redirects are never followed: a 3xx is returned as is, so a receiver cannot
 * bounce Herald to an address the SSRF check never saw.
 */
export async function httpSend(req: HttpRequest): Promise<HttpResult> {
  const deadline = performance.now() + req.timeoutMs;
  try {
    const res = await request(req.url, {
      method: req.method ?? 'POST',
      headers: req.headers,
      body: req.body ?? null,
      signal: req.signal,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      dispatcher: req.dispatcher,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      chunks.push(buf);
      size += buf.length;
      // An endless or huge body must not hold the worker; the prefix is all we report.
      if (size >= MAX_RESPONSE_BYTES) {
        res.body.destroy();
        break;
      }
      // A body trickled in small gaps must not outlast the idempotency lease either.
      if (performance.now() > deadline) {
        res.body.destroy();
        return { kind: 'error', cause: 'timeout', error: new Error('response body too slow') };
      }
    }
    return {
      kind: 'response',
      statusCode: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8'),
    };
  } catch (error) {
    if (req.signal.aborted) return { kind: 'error', cause: 'aborted', error };
    if (TIMEOUT_CODES.has((error as { code?: string }).code ?? ''))
      return { kind: 'error', cause: 'timeout', error };
    return { kind: 'error', cause: 'network', error };
  }
}
