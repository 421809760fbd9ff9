import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** One HTTP call a provider makes; the dispatcher carries keep-alive and the SSRF lookup. */
export interface HttpRequest {
  readonly url: URL;
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly signal: AbortSignal;
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
 * timer and no combined AbortSignal of its own; the caller's signal is passed through.
 * Redirects are never followed: a 3xx is returned as is, so a receiver cannot
 * bounce Herald to an address the SSRF check never saw.
 *
 * Goes through `dispatcher.dispatch` with {@link CollectHandler} rather than undici's
 * `request()`, which builds a Readable body stream, an AsyncResource and a promise
 * chain per request: a measurable share of a worker's CPU per delivery (docs/benchmarks.md,
 * round 4 "HTTP send path").
 */
export function httpSend(
  req: HttpRequest,
  dispatcher: Dispatcher,
  timeoutMs: number,
): Promise<HttpResult> {
  return new Promise((resolve) => {
    const { signal, url } = req;
    if (signal.aborted) {
      resolve({ kind: 'error', cause: 'aborted', error: signal.reason });
      return;
    }
    const handler = new CollectHandler(signal, performance.now() + timeoutMs, resolve);
    // dispatch() reports a bad request (e.g. an invalid header) through the handler.
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.search === '' ? url.pathname : `${url.pathname}${url.search}`,
        method: req.method ?? 'POST',
        headers: req.headers,
        body: req.body ?? null,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      },
      handler,
    );
  });
}

/** Why CollectHandler stopped reading: its own decisions, told apart from undici's errors. */
const BODY_FULL = new Error('response body over the size cap');
const BODY_TOO_SLOW = 'response body too slow';

/**
 * The requests in flight under each caller signal, behind one 'abort' listener per
 * signal. The worker passes one long-lived signal to every send, and an EventTarget
 * walks its whole listener list on each add and remove: a listener per request would
 * cost time in proportion to the requests in flight, on every request.
 */
const inFlight = new WeakMap<AbortSignal, Set<CollectHandler>>();

function inFlightOn(signal: AbortSignal): Set<CollectHandler> {
  let handlers = inFlight.get(signal);
  if (handlers === undefined) {
    const created = new Set<CollectHandler>();
    inFlight.set(signal, created);
    signal.addEventListener('abort', () => {
      for (const handler of created) handler.abort();
    });
    handlers = created;
  }
  return handlers;
}

/**
 * Collects one response into a bounded Buffer and settles once: the response, or the
 * error classified as timeout / aborted (the caller's signal) / network.
 */
class CollectHandler implements Dispatcher.DispatchHandler {
  readonly #signal: AbortSignal;
  readonly #deadline: number;
  #resolve: ((result: HttpResult) => void) | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  #statusCode = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  readonly #siblings: Set<CollectHandler>;

  constructor(signal: AbortSignal, deadline: number, resolve: (result: HttpResult) => void) {
    this.#signal = signal;
    this.#deadline = deadline;
    this.#resolve = resolve;
    this.#siblings = inFlightOn(signal);
    this.#siblings.add(this);
  }

  /** The caller's signal fired. Before the request reached a socket there is no controller yet: onRequestStart aborts. */
  abort(): void {
    this.#controller?.abort(this.#signal.reason as Error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#signal.aborted) controller.abort(this.#signal.reason as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx informational answers come before the real one.
    if (statusCode < 200) return;
    this.#statusCode = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#resolve === undefined) return;
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    // An endless or huge body must not hold the worker; the prefix is all we report.
    if (this.#size >= MAX_RESPONSE_BYTES) {
      this.#respond();
      controller.abort(BODY_FULL);
      return;
    }
    // A body trickled in small gaps must not outlast the idempotency lease either.
    if (performance.now() > this.#deadline) {
      const error = new Error(BODY_TOO_SLOW);
      this.#settle({ kind: 'error', cause: 'timeout', error });
      controller.abort(error);
    }
  }

  onResponseEnd(): void {
    this.#respond();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#signal.aborted) this.#settle({ kind: 'error', cause: 'aborted', error });
    else if (TIMEOUT_CODES.has((error as { code?: string }).code ?? ''))
      this.#settle({ kind: 'error', cause: 'timeout', error });
    else this.#settle({ kind: 'error', cause: 'network', error });
  }

  #respond(): void {
    const chunks = this.#chunks;
    const body =
      chunks.length === 0
        ? ''
        : (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size))
            .subarray(0, MAX_RESPONSE_BYTES)
            .toString('utf8');
    this.#settle({ kind: 'response', statusCode: this.#statusCode, headers: this.#headers, body });
  }

  /** The first outcome wins: an abort after the cap or the deadline reports nothing more. */
  #settle(result: HttpResult): void {
    const resolve = this.#resolve;
    if (resolve === undefined) return;
    this.#resolve = undefined;
    this.#chunks = [];
    this.#siblings.delete(this);
    resolve(result);
  }
}
