import type { ChannelName } from '../channels.js';
import type { ProviderResponse } from '../status/status-event.js';
import type { DeliveryJob } from './delivery-job.js';

/**
 * Why a send failed, as the provider that saw it classifies it (never guessed from
 * the reason's text): `rate_limited` (429 or a `Retry-After`), `auth` (401/403),
 * `timeout` (no answer in time, or the caller aborted), `invalid_request` (the
 * provider refused the request as malformed: 400/404/413/422), else `permanent`
 * or `transient`. Metrics label failures with it.
 */
export const deliveryFailureClasses = [
  'transient',
  'permanent',
  'rate_limited',
  'timeout',
  'invalid_request',
  'auth',
] as const;
export type DeliveryFailureClass = (typeof deliveryFailureClasses)[number];

/**
 * What a provider reports for one send. A failure is classified by the provider,
 * which knows its API: `permanent` (invalid address, unknown token, 4xx validation)
 * goes to the dead-letter queue, anything else may be retried, after `retryAfterMs`
 * when the provider said so (429 / 503 `Retry-After`).
 */
export type DeliveryOutcome =
  | { readonly status: 'sent'; readonly provider: ProviderResponse }
  | {
      readonly status: 'failed';
      readonly permanent: boolean;
      /** Set by the provider where the failure happened (see {@link DeliveryFailureClass}). */
      readonly failureClass: DeliveryFailureClass;
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly provider?: ProviderResponse;
      /**
       * The provider said the address itself is gone (APNs 410 / BadDeviceToken, Web Push
       * 404/410, FCM UNREGISTERED): the worker marks it so later jobs to it are suppressed.
       */
      readonly addressInvalid?: true;
    };

/** The message rendered for the job's channel (subject/body, Block Kit, ...), if any. */
export type RenderedContent = Readonly<Record<string, unknown>>;

/**
 * The port every channel adapter implements: only what the worker calls. Adapters
 * never throw for a failed send; they return a classified outcome.
 */
export interface DeliveryProvider {
  /** Provider name for metrics and status, e.g. `webhook`, `ses`, `twilio`. */
  readonly name: string;
  readonly channel: ChannelName;
  send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome>;
  healthCheck(signal: AbortSignal): Promise<{ readonly ok: boolean; readonly detail?: string }>;
  /** Releases pooled connections (keep-alive sockets, SMTP pools); idempotent. Absent when there is nothing to release. */
  close?(): Promise<void>;
}
