import { Counter } from 'prom-client';
import type { ConsumedRecord, Logger } from '@herald/core';
import type { RecordSpan, RoutingMetrics } from '@herald/routing';
import {
  createHeraldMetrics,
  createLagCollector,
  injectTraceContext,
  talliedCounter,
  startOpsServer,
  traceProcess,
  type HeraldMetrics,
  type LagAdmin,
  type LagCollector,
  type OpsServer,
  type ReadinessCheck,
} from '@herald/telemetry';

/**
 * The router's own counters, next to the shared set of `createHeraldMetrics`: they are
 * the router's vocabulary (rule expressions, suppression reasons), so they live here.
 * Labels are closed lists (suppression reasons, error codes) or configuration (rule
 * id, channel). The ones counted per record or job are tallied (telemetry's
 * `talliedCounter`: a Map per record, prom-client's label hashing once per read).
 */
function routerCounters(metrics: HeraldMetrics) {
  const registers = [metrics.registry];
  return {
    eventsConsumed: talliedCounter({
      name: 'herald_events_consumed_total',
      help: 'Events read from herald.events by the router, by encoding.',
      labelNames: ['mode'] as const,
      registers,
    }),
    eventsRejected: talliedCounter({
      name: 'herald_events_rejected_total',
      help: 'Events sent to herald.events.rejected, by error code.',
      labelNames: ['reason'] as const,
      registers,
    }),
    rulesMatched: talliedCounter({
      name: 'herald_rules_matched_total',
      help: 'Rule matches, by rule id (bounded by the rule set, not by traffic).',
      labelNames: ['rule'] as const,
      registers,
    }),
    jobsPlanned: talliedCounter({
      name: 'herald_jobs_planned_total',
      help: 'Delivery jobs planned by the router, by channel.',
      labelNames: ['channel'] as const,
      registers,
    }),
    ruleEvaluationErrors: new Counter({
      name: 'herald_rule_evaluation_errors_total',
      help: 'Rule expressions that failed at run time (counted as no match), by rule and field.',
      labelNames: ['rule', 'field'] as const,
      registers,
    }),
    suppressed: talliedCounter({
      name: 'herald_router_suppressed_total',
      help: 'Delivery candidates the router did not plan, by channel and suppression reason.',
      labelNames: ['channel', 'reason'] as const,
      registers,
    }),
    deferred: talliedCounter({
      name: 'herald_router_deferred_total',
      help: 'Jobs planned with a not-before time (quiet hours), by channel and reason.',
      labelNames: ['channel', 'reason'] as const,
      registers,
    }),
  };
}

export type RouterCounters = ReturnType<typeof routerCounters>;

export interface RouterMetrics {
  readonly metrics: HeraldMetrics;
  readonly counters: RouterCounters;
}

/** The router's registry: the shared Herald metrics plus the router's counters. */
export function createRouterMetrics(): RouterMetrics {
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'router' } });
  return { metrics, counters: routerCounters(metrics) };
}

/** The routing algorithm's metrics port over the router's counters. */
export function routingMetrics(counters: RouterCounters): RoutingMetrics {
  return {
    consumed: (mode) => counters.eventsConsumed.add(mode),
    rejected: (code) => counters.eventsRejected.add(code),
    matched: (rule) => counters.rulesMatched.add(rule),
    planned: (channel) => counters.jobsPlanned.add(channel),
    deferred: (channel, reason) => counters.deferred.add(channel, reason),
    suppressed: (channel, reason) => counters.suppressed.add(channel, reason),
  };
}

export interface RouterOps {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts the lag collector (the router's group on herald.events) and the ops server
 * (/metrics, /healthz, /readyz). Stopping reverses both.
 */
export async function startRouterOps(config: {
  readonly port: number;
  readonly host: string;
  readonly lagIntervalMs: number;
  readonly metrics: HeraldMetrics;
  readonly admin: LagAdmin;
  readonly group: string;
  readonly topic: string;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
  readonly logger: Logger;
}): Promise<RouterOps> {
  const lag: LagCollector = createLagCollector({
    admin: config.admin,
    metrics: config.metrics,
    logger: config.logger,
    intervalMs: config.lagIntervalMs,
    groups: [{ group: config.group, topics: [config.topic] }],
  });
  lag.start();
  let ops: OpsServer;
  try {
    ops = await startOpsServer({
      port: config.port,
      host: config.host,
      registry: config.metrics.registry,
      logger: config.logger,
      checks: config.checks,
    });
  } catch (err) {
    lag.stop();
    throw err;
  }
  return {
    url: ops.url,
    stop: async () => {
      lag.stop();
      await ops.stop();
    },
  };
}

/**
 * Opens a CONSUMER span for one record, child of the producer's `traceparent`, and
 * keeps it open until `end()`: the router handles a chunk in phases (decode, dedupe,
 * match, load recipients, plan), so one record's work is not a single callback.
 * With tracing off the span is a no-op that still carries the incoming context, so the
 * outputs keep the producer's `traceparent`.
 */
export function openProcessSpan(record: ConsumedRecord, group: string): RecordSpan {
  let headers: Record<string, string> | undefined;
  let setEventId: (id: string) => void = () => undefined;
  let finish!: (err?: unknown) => void;
  const done = traceProcess(
    {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      group,
      key: record.key,
      headers: record.headers,
    },
    // Runs synchronously inside the new span's context: the injected traceparent is its own.
    (span) => {
      const injected = injectTraceContext<Record<string, string>>({});
      headers = Object.keys(injected).length > 0 ? injected : undefined;
      setEventId = (id) => span.setAttribute('messaging.message.id', id);
      return new Promise<void>((resolve, reject) => {
        finish = (err) => (err === undefined ? resolve() : reject(err as Error));
      });
    },
  );
  // The rejection is recorded on the span; the chunk's own error is handled by the caller.
  done.catch(() => undefined);
  return {
    get headers() {
      return headers;
    },
    setEventId: (id) => setEventId(id),
    end: (err) => finish(err),
  };
}
