import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { deliveryFailureClasses } from '@herald/core';

/**
 * Outcomes of one delivery attempt, as the worker reports them. `sent` = the provider
 * accepted it; `retrying` = a transient failure that goes to the retry topic;
 * `failed` = permanent; `dead_lettered` = permanent or retries exhausted, in the DLQ;
 * `suppressed` = not sent on purpose (opt-out, quiet hours, duplicate).
 */
export const deliveryOutcomes = [
  'sent',
  'retrying',
  'failed',
  'dead_lettered',
  'suppressed',
] as const;
export type DeliveryOutcomeLabel = (typeof deliveryOutcomes)[number];

/** Failure classes (closed list, so the label stays bounded). `none` on success. */
export const failureClasses = [
  'none',
  // What a provider reports (DeliveryOutcome.failureClass), then the worker's own.
  ...deliveryFailureClasses,
  'circuit_open',
  'unknown',
] as const;
export type FailureClass = (typeof failureClasses)[number];

export const rateLimitDecisions = ['allowed', 'deferred', 'bypassed'] as const;
export type RateLimitDecision = (typeof rateLimitDecisions)[number];

/** Circuit breaker states and the gauge value each one is exported as. */
export const breakerStates = { closed: 0, half_open: 1, open: 2 } as const;
export type BreakerState = keyof typeof breakerStates;

// Provider calls: 5 ms … 30 s. Event → delivery: 10 ms … 10 min (retries and
// deferrals included).
const deliveryBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const latencyBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const batchBuckets = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000];
const writeBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function build(registry: Registry) {
  const registers = [registry];
  return {
    deliveries: new Counter({
      name: 'herald_deliveries_total',
      help: 'Delivery attempts by channel, provider, outcome and failure class.',
      labelNames: ['channel', 'provider', 'outcome', 'failure_class'] as const,
      registers,
    }),
    deliveryDuration: new Histogram({
      name: 'herald_delivery_duration_seconds',
      help: 'Duration of one provider call (render excluded), by channel, provider and outcome.',
      labelNames: ['channel', 'provider', 'outcome'] as const,
      buckets: deliveryBuckets,
      registers,
    }),
    eventToDelivery: new Histogram({
      name: 'herald_event_to_delivery_seconds',
      help: 'Time from the event (CloudEvent time, else Kafka timestamp) to the provider accepting the message.',
      labelNames: ['channel'] as const,
      buckets: latencyBuckets,
      registers,
    }),
    retries: new Counter({
      name: 'herald_delivery_retries_total',
      help: 'Deliveries scheduled for another attempt, by channel and provider.',
      labelNames: ['channel', 'provider'] as const,
      registers,
    }),
    deadLettered: new Counter({
      name: 'herald_dead_lettered_total',
      help: 'Records written to herald.dlq, by stage and channel ("none" outside the worker).',
      labelNames: ['stage', 'channel'] as const,
      registers,
    }),
    dlqMessages: new Gauge({
      name: 'herald_dlq_messages',
      help: 'Records in herald.dlq not yet replayed (end offset minus the replay group, else the retained records).',
      labelNames: ['topic'] as const,
      registers,
    }),
    rateLimitDecisions: new Counter({
      name: 'herald_ratelimit_decisions_total',
      help: 'Rate-limit decisions by channel and decision (allowed, deferred, bypassed).',
      labelNames: ['channel', 'decision'] as const,
      registers,
    }),
    breakerState: new Gauge({
      name: 'herald_circuit_breaker_state',
      help: 'Circuit breaker state per provider endpoint: 0 closed, 1 half-open, 2 open.',
      labelNames: ['channel', 'provider', 'endpoint'] as const,
      registers,
    }),
    breakerTransitions: new Counter({
      name: 'herald_circuit_breaker_transitions_total',
      help: 'Circuit breaker state changes, by the state entered.',
      labelNames: ['channel', 'provider', 'endpoint', 'state'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'herald_consumer_lag_messages',
      help: 'Records not yet committed by a consumer group, per topic and partition.',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers,
    }),
    auditorBatchSize: new Histogram({
      name: 'herald_auditor_batch_size',
      help: 'Status events per auditor insert batch.',
      buckets: batchBuckets,
      registers,
    }),
    auditorWriteDuration: new Histogram({
      name: 'herald_auditor_write_duration_seconds',
      help: 'Duration of one auditor batch write to Postgres, by result.',
      labelNames: ['result'] as const,
      buckets: writeBuckets,
      registers,
    }),
    // The names dashboards for other notification systems already use.
    notificationsDelivered: new Counter({
      name: 'notifications_delivered_total',
      help: 'Notifications accepted by a provider, by channel (same as herald_deliveries_total{outcome="sent"}).',
      labelNames: ['channel'] as const,
      registers,
    }),
    notificationDeliveryDuration: new Histogram({
      name: 'notification_delivery_duration_seconds',
      help: 'Provider call duration of sent notifications, by channel (same as herald_delivery_duration_seconds{outcome="sent"}).',
      labelNames: ['channel'] as const,
      buckets: deliveryBuckets,
      registers,
    }),
    notificationRetries: new Counter({
      name: 'notification_retries_total',
      help: 'Notification retries, by channel (same as herald_delivery_retries_total).',
      labelNames: ['channel'] as const,
      registers,
    }),
  };
}

export type HeraldMetricSet = ReturnType<typeof build>;

/** One delivery attempt as the worker saw it; the metrics it feeds are updated together. */
export interface DeliveryRecord {
  readonly channel: string;
  readonly provider: string;
  readonly outcome: DeliveryOutcomeLabel;
  readonly failureClass?: FailureClass;
  /** Provider call duration. */
  readonly durationSeconds?: number;
  /** When the event happened (for the event → delivery latency of sent messages). */
  readonly eventTime?: Date;
  /** Defaults to the current time; tests pass one. */
  readonly now?: Date;
}

export interface HeraldMetrics {
  /** The registry to serve on /metrics (pass it to `startOpsServer`). */
  readonly registry: Registry;
  /** The raw prom-client instruments, for the counters with no helper below. */
  readonly m: HeraldMetricSet;
  /** Counts one delivery attempt everywhere it shows: Herald's names and the ecosystem's. */
  recordDelivery(record: DeliveryRecord): void;
  /** Records a circuit breaker state (sets the gauge; counts a transition when it changed). */
  recordBreakerState(
    labels: { channel: string; provider: string; endpoint: string },
    state: BreakerState,
  ): void;
  /** Times an auditor batch write; the returned promise is `write`'s. */
  timeAuditorWrite<T>(batchSize: number, write: () => Promise<T>): Promise<T>;
}

export interface HeraldMetricsOptions {
  /** Registry to register in; a new one by default (several apps in one test process). */
  readonly registry?: Registry;
  /** Node.js process metrics (`process_*`, `nodejs_*`); default true. */
  readonly processMetrics?: boolean;
  /** Labels on every series, e.g. `{ app: 'worker' }`. */
  readonly defaultLabels?: Record<string, string>;
}

/**
 * How often the event-loop lag metrics sample the loop, in ms. prom-client's default (10)
 * is a timer that wakes an idle app 100 times a second: ~6 ms of CPU a second per process
 * on the bench machine, against ~1 ms at 100 (docs/benchmarks.md, round 10). A stall longer
 * than this still shows in `nodejs_eventloop_lag_*` (the sample due inside it fires late).
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * Creates every Herald metric in one registry. Label values are closed lists or
 * configuration (channel, provider, rule id, topic): never a recipient, an event id or
 * a tenant, which would make the series count grow with the traffic.
 *
 * @example
 * const metrics = createHeraldMetrics({ defaultLabels: { app: 'worker' } });
 * metrics.recordDelivery({ channel: 'webhook', provider: 'webhook', outcome: 'sent',
 *   durationSeconds: 0.12, eventTime: new Date(event.time) });
 */
export function createHeraldMetrics(options: HeraldMetricsOptions = {}): HeraldMetrics {
  const registry = options.registry ?? new Registry();
  if (options.defaultLabels) registry.setDefaultLabels(options.defaultLabels);
  if (options.processMetrics ?? true)
    collectDefaultMetrics({
      register: registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  const m = build(registry);
  const breakerStatesSeen = new Map<string, BreakerState>();
  return {
    registry,
    m,
    recordDelivery(record) {
      const { channel, provider, outcome } = record;
      const failureClass = record.failureClass ?? (outcome === 'sent' ? 'none' : 'unknown');
      m.deliveries.inc({ channel, provider, outcome, failure_class: failureClass });
      if (record.durationSeconds !== undefined) {
        m.deliveryDuration.observe({ channel, provider, outcome }, record.durationSeconds);
      }
      if (outcome === 'sent') {
        m.notificationsDelivered.inc({ channel });
        if (record.durationSeconds !== undefined)
          m.notificationDeliveryDuration.observe({ channel }, record.durationSeconds);
        if (record.eventTime !== undefined) {
          const now = (record.now ?? new Date()).getTime();
          const seconds = Math.max(0, (now - record.eventTime.getTime()) / 1000);
          m.eventToDelivery.observe({ channel }, seconds);
        }
      } else if (outcome === 'retrying') {
        m.retries.inc({ channel, provider });
        m.notificationRetries.inc({ channel });
      } else if (outcome === 'dead_lettered') {
        m.deadLettered.inc({ stage: 'worker', channel });
      }
    },
    recordBreakerState(labels, state) {
      const key = `${labels.channel}\u0000${labels.provider}\u0000${labels.endpoint}`;
      m.breakerState.set(labels, breakerStates[state]);
      const previous = breakerStatesSeen.get(key);
      if (previous !== undefined && previous !== state) {
        m.breakerTransitions.inc({ ...labels, state });
      }
      breakerStatesSeen.set(key, state);
    },
    async timeAuditorWrite(batchSize, write) {
      m.auditorBatchSize.observe(batchSize);
      const end = m.auditorWriteDuration.startTimer();
      try {
        const result = await write();
        end({ result: 'ok' });
        return result;
      } catch (err) {
        end({ result: 'error' });
        throw err;
      }
    },
  };
}
