import type {
  ChannelName,
  OutputMessage,
  DeliveryFailureClass,
  DeliveryJob,
  DeliveryOutcome,
  Logger,
  RenderedContent,
  TopicNames,
} from '@herald/core';
import type { AcquireResult } from '../idempotency-store.js';
import type { RetryPolicy } from '../retry-policy.js';
import type { BreakerRegistry } from '../circuit-breaker.js';

// The pipeline is Herald's delivery algorithm with its IO passed in: Kafka records in and
// out, Redis (leases, rate limits), providers, templates, tracing and metrics are ports the
// worker wires to the real adapters and the unit specs to fakes.

// The stage contract (records in, messages out) is core's.
export type { ConsumedRecord, OutputMessage } from '@herald/core';

/** What the rate limiter says about one job. */
export type RateVerdict =
  | { readonly action: 'allow'; readonly bypassed?: boolean }
  | { readonly action: 'defer'; readonly until: number; readonly reason: string }
  | { readonly action: 'drop'; readonly reason: string };

export interface RateLimitPort {
  /** A verdict, or its promise when Redis must be asked (plain when no policy applies: no await). */
  check(job: DeliveryJob, providerName: string): RateVerdict | Promise<RateVerdict>;
}

/** The providers of the channels served (a `ChannelRouter` from `@herald/channels`). */
export interface SendPort {
  providerFor(job: DeliveryJob): { readonly name: string } | undefined;
  /** The channel's providers in failover order; absent or empty: `providerFor` alone. */
  providersFor?(job: DeliveryJob): readonly { readonly name: string }[];
  /** Sends through `providerName` (one of `providersFor`), else the channel's first provider. */
  send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
    providerName?: string,
  ): Promise<DeliveryOutcome>;
}

/** Renders a job's template (`renderForJob` over the live registry); failures are permanent. */
export type RenderPort = (
  job: DeliveryJob,
) =>
  | { readonly status: 'rendered'; readonly content: RenderedContent | undefined }
  | Extract<DeliveryOutcome, { status: 'failed' }>;

/** Send leases and sent marks per notification (an `IdempotencyStore` over Redis). */
export interface LeasePort {
  acquire(notificationId: string, owner: string): Promise<AcquireResult>;
  acquireMany(
    requests: readonly { readonly notificationId: string; readonly owner: string }[],
  ): Promise<AcquireResult[]>;
  completeMany(
    marks: readonly { readonly notificationId: string; readonly summary: string }[],
  ): Promise<void>;
  release(notificationId: string, owner: string): Promise<void>;
}

/** Trace context for outputs and a client span around each send (`@herald/telemetry`). */
export interface TracePort {
  /** The active span's context as Kafka headers (empty when tracing is off); a new object each call. */
  headers(): Record<string, string>;
  /** Runs `send` in a client span named `name`. */
  span<T>(
    name: string,
    attributes: Readonly<Record<string, string>>,
    send: (span: { setAttribute(name: string, value: string): void }) => Promise<T>,
  ): Promise<T>;
}

/** One delivery attempt for the metrics (`HeraldMetrics.recordDelivery`'s record). */
export interface DeliveryMetric {
  readonly channel: string;
  readonly provider: string;
  readonly outcome: 'sent' | 'retrying' | 'dead_lettered' | 'suppressed';
  readonly failureClass: DeliveryFailureClass | 'none';
  readonly durationSeconds?: number;
  readonly eventTime: Date;
  readonly now: Date;
}

export interface MetricsPort {
  recordDelivery(record: DeliveryMetric): void;
  rateLimitDecision(channel: string, decision: 'allowed' | 'deferred' | 'bypassed'): void;
}

/** A provider's mark on an address (migrations/0009): why it is not used any more. */
export interface AddressMarkInfo {
  readonly reason: string;
  readonly provider: string;
}

/**
 * Addresses a provider said are gone (an `AddressStateStore` over Postgres, cached). Never
 * throws: a store that cannot be reached reads as "not marked" (the job is sent, as
 * before the mark existed) and a mark that cannot be written is logged and lost (the
 * next refusal writes it again).
 */
export interface AddressStatePort {
  /**
   * The mark on the job's (tenant, channel, address), undefined when there is none; a
   * plain value when it is known without IO (a cache hit), else a promise.
   */
  invalid(job: DeliveryJob): AddressMarkInfo | undefined | Promise<AddressMarkInfo | undefined>;
  markInvalid(job: DeliveryJob, mark: AddressMarkInfo): Promise<void>;
}

/** The size a message takes as a Kafka record and whether it fits the producer's limit. */
export type RecordSizePort = (message: OutputMessage) => {
  readonly fits: boolean;
  readonly bytes: number;
};

/**
 * Whether a notification was `delivered` (a provider receipt), for the fallback that
 * waits for one (`fallback.after`): the auditor's projection in Postgres.
 */
export interface ReceiptPort {
  wasDelivered(notificationId: string): Promise<boolean>;
}

/**
 * Digests and cancellation (issue 16), over Postgres (`DigestStore`, `CancelStore` of
 * `@herald/store`, wired by the worker). Absent without a database: jobs that need it
 * are dead-lettered with `HERALD_ERR_WORKFLOW_NO_STORE`.
 */
export interface WorkflowPort {
  /** Appends a `job.digest` job to its open digest (idempotent per notification id). */
  collect(job: DeliveryJob): Promise<{ readonly digestId: string }>;
  /** The one decision for this attempt of a job with a `cancelKey`, taken or read back. */
  decideCancel(
    job: DeliveryJob,
  ): Promise<
    { readonly decision: 'send' } | { readonly decision: 'cancelled'; readonly eventId: string }
  >;
}

export interface PipelineDeps {
  readonly topics: TopicNames;
  readonly channels: SendPort;
  /** Absent when the worker has no template source (no DATABASE_URL). */
  readonly render?: RenderPort;
  readonly metrics?: MetricsPort;
  readonly tracing?: TracePort;
  readonly retryPolicies: Readonly<Record<ChannelName, RetryPolicy>>;
  readonly breakers: BreakerRegistry;
  /** Absent without Redis: no leases, a redelivered job may be sent twice. */
  readonly idempotency?: LeasePort;
  readonly rateLimiter?: RateLimitPort;
  /** Absent without Postgres: a fallback waiting for a receipt is sent without asking. */
  readonly receipts?: ReceiptPort;
  /** Absent without a database: addresses are never marked, every job is sent. */
  readonly addressStates?: AddressStatePort;
  readonly workflow?: WorkflowPort;
  /**
   * Publish the legacy `sending` status in front of each send's outcome (the
   * outcome's `attemptStartedAt` says the same; HERALD_WORKER_SENDING_STATUS). Off by
   * default: a third fewer status records per delivery.
   */
  readonly sendingStatus?: boolean;
  readonly instanceId: string;
  /** Tries before a record that crashes the handler is dead-lettered. */
  readonly poisonMaxTries: number;
  /** The largest record the worker may produce (HERALD_KAFKA_MAX_RECORD_BYTES), for messages. */
  readonly maxRecordBytes: number;
  /** Measures outputs against `maxRecordBytes` (`checkRecordSize` of `@herald/kafka`). */
  readonly recordSize: RecordSizePort;
  readonly log: Logger;
  readonly now: () => Date;
  readonly random: () => number;
}
