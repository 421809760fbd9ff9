import {
  HeraldError,
  type DeliveryOutcome,
  type ErrorCode,
  type ProviderResponse,
} from '@herald/core';
import type { HttpResult } from './http/http-send.js';
import { parseRetryAfter } from './http/retry-after.js';

/** Longest provider message kept in an outcome: enough to diagnose, too short to carry a payload. */
export const MESSAGE_LIMIT = 200;

export function sent(provider: ProviderResponse): DeliveryOutcome {
  return { status: 'sent', provider };
}

/** A failure retrying cannot fix. The reason carries the registry code so operators can search for it. */
export function permanent(
  provider: string,
  detail: string,
  response?: ProviderResponse,
): DeliveryOutcome {
  return failed('HERALD_ERR_DELIVERY_PERMANENT', true, provider, detail, undefined, response);
}

/** A failure that may pass later, after `retryAfterMs` when the provider said so. */
export function transient(
  provider: string,
  detail: string,
  retryAfterMs?: number,
  response?: ProviderResponse,
): DeliveryOutcome {
  return failed('HERALD_ERR_DELIVERY_TRANSIENT', false, provider, detail, retryAfterMs, response);
}

/** A failure raised as a HeraldError before or while sending (refused target, oversized content, config). */
export function fromHeraldError(err: HeraldError): DeliveryOutcome {
  return { status: 'failed', permanent: !err.retriable, reason: err.message };
}

function failed(
  code: ErrorCode,
  isPermanent: boolean,
  provider: string,
  detail: string,
  retryAfterMs: number | undefined,
  response: ProviderResponse | undefined,
): DeliveryOutcome {
  return {
    status: 'failed',
    permanent: isPermanent,
    reason: new HeraldError(code, [`${provider}: ${detail}`]).message,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(response === undefined ? {} : { provider: response }),
  };
}

/** Status code plus the start of the body, whitespace collapsed. */
export function summarize(
  statusCode: number | undefined,
  message?: string,
  messageId?: string,
): ProviderResponse {
  const text = message?.replace(/\s+/g, ' ').trim().slice(0, MESSAGE_LIMIT);
  return {
    ...(statusCode === undefined ? {} : { statusCode }),
    ...(text ? { message: text } : {}),
    ...(messageId === undefined ? {} : { messageId }),
  };
}

/**
 * The common HTTP classification: 2xx sent; 408, 425, 429 and 5xx transient with
 * `Retry-After` honoured; every other status (including 3xx, which is never
 * followed, and 410 Gone) permanent. Providers with richer error bodies refine it.
 */
export function classifyHttp(
  provider: string,
  result: HttpResult & { kind: 'response' },
  now: Date,
): DeliveryOutcome {
  const response = summarize(result.statusCode, result.body);
  const status = result.statusCode;
  if (status >= 200 && status < 300) return sent(response);
  if (isTransientStatus(status)) {
    return transient(
      provider,
      `HTTP ${status}`,
      parseRetryAfter(result.headers['retry-after'], now),
      response,
    );
  }
  return permanent(provider, `HTTP ${status}`, response);
}

export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** No response: a HeraldError in the cause chain (SSRF at connect time) keeps its verdict; the rest is transient. */
export function classifyNoResponse(
  provider: string,
  result: HttpResult & { kind: 'error' },
  timeoutMs: number,
): DeliveryOutcome {
  const herald = findHeraldError(result.error);
  if (herald) return fromHeraldError(herald);
  if (result.cause === 'timeout') return transient(provider, `no response within ${timeoutMs} ms`);
  if (result.cause === 'aborted')
    return transient(provider, 'aborted before the provider answered (worker stopping)');
  return transient(provider, `network error: ${describe(result.error)}`);
}

export function findHeraldError(err: unknown): HeraldError | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof HeraldError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** An error's code and message, never its options object (which may hold credentials). */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
