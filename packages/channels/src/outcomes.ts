import {
  HeraldError,
  type DeliveryFailureClass,
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

/**
 * A failure retrying cannot fix. The reason carries the registry code so operators can
 * search for it. `failureClass` overrides the class read from the status code (e.g. a
 * provider's own error code saying the credentials were refused).
 */
export function permanent(
  provider: string,
  detail: string,
  response?: ProviderResponse,
  failureClass?: DeliveryFailureClass,
): DeliveryOutcome {
  return failed(
    'HERALD_ERR_DELIVERY_PERMANENT',
    true,
    provider,
    detail,
    undefined,
    response,
    failureClass,
  );
}

/**
 * A permanent failure that also says the address is gone for good (an unregistered
 * device token, an expired subscription), so the worker records it (`addressInvalid`)
 * and later jobs to the address are suppressed instead of sent.
 */
export function addressGone(
  provider: string,
  detail: string,
  response?: ProviderResponse,
  failureClass?: DeliveryFailureClass,
): DeliveryOutcome {
  const outcome = permanent(provider, detail, response, failureClass);
  return outcome.status === 'failed' ? { ...outcome, addressInvalid: true } : outcome;
}

/**
 * A failure that may pass later, after `retryAfterMs` when the provider said so.
 * `failureClass` overrides the class read from the response (e.g. a provider's own
 * timeout error code).
 */
export function transient(
  provider: string,
  detail: string,
  retryAfterMs?: number,
  response?: ProviderResponse,
  failureClass?: DeliveryFailureClass,
): DeliveryOutcome {
  return failed(
    'HERALD_ERR_DELIVERY_TRANSIENT',
    false,
    provider,
    detail,
    retryAfterMs,
    response,
    failureClass,
  );
}

/** No answer in time, or the caller gave up first (worker stopping): transient, class `timeout`. */
export function timedOut(provider: string, detail: string): DeliveryOutcome {
  return transient(provider, detail, undefined, undefined, 'timeout');
}

/** Registry codes saying the job's own data cannot be used (its address): class `invalid_request`. */
const INVALID_REQUEST_CODES: ReadonlySet<ErrorCode> = new Set(['HERALD_ERR_ADDRESS_INVALID']);

/** A failure raised as a HeraldError before or while sending (refused target, oversized content, config). */
export function fromHeraldError(err: HeraldError): DeliveryOutcome {
  const failureClass = INVALID_REQUEST_CODES.has(err.code)
    ? 'invalid_request'
    : err.retriable
      ? 'transient'
      : 'permanent';
  return { status: 'failed', permanent: !err.retriable, failureClass, reason: err.message };
}

/**
 * The class of a failure from what the provider answered: 429 or a `Retry-After`
 * → `rate_limited`; 401/403 → `auth`; a permanent 400/404/413/422 → `invalid_request`.
 */
export function failureClassFor(
  isPermanent: boolean,
  statusCode: number | undefined,
  retryAfterMs: number | undefined,
): DeliveryFailureClass {
  if (statusCode === 429 || (!isPermanent && retryAfterMs !== undefined)) return 'rate_limited';
  if (statusCode === 401 || statusCode === 403) return 'auth';
  if (!isPermanent) return 'transient';
  return statusCode === 400 || statusCode === 404 || statusCode === 413 || statusCode === 422
    ? 'invalid_request'
    : 'permanent';
}

function failed(
  code: ErrorCode,
  isPermanent: boolean,
  provider: string,
  detail: string,
  retryAfterMs: number | undefined,
  response: ProviderResponse | undefined,
  failureClass?: DeliveryFailureClass,
): DeliveryOutcome {
  return {
    status: 'failed',
    permanent: isPermanent,
    failureClass: failureClass ?? failureClassFor(isPermanent, response?.statusCode, retryAfterMs),
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
  const status = result.statusCode;
  if (status >= 200 && status < 300) return sent(summarize(status, result.body));
  return httpFailure(provider, result, now, `HTTP ${status}`, result.body);
}

/**
 * A non-2xx answer: 408, 425, 429 and 5xx transient with `Retry-After` honoured, the
 * rest permanent. `detail` is the reason (a provider's own error text where it has
 * one), `message` what the status summary keeps (default the same).
 */
export function httpFailure(
  provider: string,
  result: Pick<HttpResult & { kind: 'response' }, 'statusCode' | 'headers'>,
  now: Date,
  detail: string,
  message: string = detail,
): DeliveryOutcome {
  const response = summarize(result.statusCode, message);
  return isTransientStatus(result.statusCode)
    ? transient(provider, detail, parseRetryAfter(result.headers['retry-after'], now), response)
    : permanent(provider, detail, response);
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
  if (result.cause === 'timeout') return timedOut(provider, `no response within ${timeoutMs} ms`);
  if (result.cause === 'aborted')
    return timedOut(provider, 'aborted before the provider answered (worker stopping)');
  return networkError(provider, result.error);
}

/** A call that got no answer: transient; class `timeout` when the error says the socket timed out. */
export function networkError(
  provider: string,
  err: unknown,
  response?: ProviderResponse,
): DeliveryOutcome {
  return transient(
    provider,
    `network error: ${describe(err)}`,
    undefined,
    response,
    isTimeoutError(err) ? 'timeout' : undefined,
  );
}

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  // axios (the Twilio SDK's client) when its own timeout passes.
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** True when the error (or one in its cause chain) is a socket or SDK timeout, by its code or name. */
export function isTimeoutError(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const { code, name } = e as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && TIMEOUT_CODES.has(code)) return true;
    if (name === 'TimeoutError') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
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
