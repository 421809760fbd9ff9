import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { Counter } from 'prom-client';
import type { AuditWriteResult } from '@herald/store';
import type { ConsumedRecord } from '@herald/kafka';
import {
  createHeraldMetrics,
  extractTraceContext,
  messagingAttributes,
  traceSpan,
  type HeraldMetrics,
} from '@herald/telemetry';

/** The tables a write reports rows for (the `table` label of herald_auditor_rows_written_total). */
const writtenTables = [
  ['status_events', 'statusEvents'],
  ['notifications', 'notifications'],
  ['delivery_attempts', 'attempts'],
  ['events', 'events'],
] as const satisfies readonly (readonly [string, keyof AuditWriteResult])[];

/**
 * The auditor's own series, next to the shared set of `createHeraldMetrics`
 * (`herald_auditor_batch_size`, `herald_auditor_write_duration_seconds`,
 * `herald_consumer_lag_messages`, `herald_dead_lettered_total{stage="auditor"}`).
 * Labels are closed lists: notification states, table names, results.
 */
function auditorCounters(metrics: HeraldMetrics) {
  const registers = [metrics.registry];
  return {
    statusEvents: new Counter({
      name: 'herald_auditor_status_events_total',
      help: 'Status events the auditor consumed and wrote, by state.',
      labelNames: ['state'] as const,
      registers,
    }),
    rowsWritten: new Counter({
      name: 'herald_auditor_rows_written_total',
      help: 'Rows inserted or changed by the auditor, by table (replays change nothing).',
      labelNames: ['table'] as const,
      registers,
    }),
    maintenanceRuns: new Counter({
      name: 'herald_auditor_partition_maintenance_total',
      help: 'Partition maintenance runs (create ahead, retention), by result (ok, error).',
      labelNames: ['result'] as const,
      registers,
    }),
    partitionsCreated: new Counter({
      name: 'herald_auditor_partitions_created_total',
      help: 'Monthly partitions created ahead by maintenance runs.',
      registers,
    }),
    partitionsDropped: new Counter({
      name: 'herald_auditor_partitions_dropped_total',
      help: 'Monthly partitions detached and dropped by retention.',
      registers,
    }),
  };
}

export interface AuditorMetrics {
  readonly metrics: HeraldMetrics;
  readonly counters: ReturnType<typeof auditorCounters>;
  /** Counts one committed chunk: its status events by state, rows per table, dead letters. */
  recordChunk(states: readonly string[], written: AuditWriteResult, deadLettered: number): void;
}

/** The auditor's registry: the shared Herald metrics plus the auditor's counters. */
export function createAuditorMetrics(): AuditorMetrics {
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'auditor' } });
  const counters = auditorCounters(metrics);
  return {
    metrics,
    counters,
    recordChunk(states, written, deadLettered) {
      const byState = new Map<string, number>();
      for (const state of states) byState.set(state, (byState.get(state) ?? 0) + 1);
      for (const [state, n] of byState) counters.statusEvents.inc({ state }, n);
      for (const [table, field] of writtenTables) {
        if (written[field] > 0) counters.rowsWritten.inc({ table }, written[field]);
      }
      if (deadLettered > 0)
        metrics.m.deadLettered.inc({ stage: 'auditor', channel: 'none' }, deadLettered);
    },
  };
}

const tracer = () => trace.getTracer('@herald/auditor');

/**
 * Runs `fn` in one CONSUMER span `process <topic>` for a whole chunk (the auditor
 * writes a chunk in one transaction, so per-record spans would all share one
 * write). A chunk holds records of many traces: the span starts a trace of its own
 * and *links* to each record's context (the Kafka `traceparent` header, else the
 * status event's `traceparent` extension), as the messaging conventions prescribe
 * for batch processing. Links are only read when the span is sampled, so tracing
 * off costs nothing per record.
 */
export function traceChunk<T>(
  records: readonly ConsumedRecord[],
  group: string,
  traceparents: (record: ConsumedRecord) => string | undefined,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const first = records[0];
  const span = tracer().startSpan(
    `process ${first?.topic ?? 'herald.status'}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [messagingAttributes.system]: 'kafka',
        [messagingAttributes.destination]: first?.topic ?? '',
        [messagingAttributes.operationType]: 'process',
        [messagingAttributes.operationName]: 'process',
        [messagingAttributes.consumerGroup]: group,
        [messagingAttributes.partition]: String(first?.partition ?? ''),
        [messagingAttributes.batchCount]: records.length,
      },
    },
    ROOT_CONTEXT,
  );
  if (span.isRecording()) span.addLinks(recordLinks(records, traceparents));
  return context.with(trace.setSpan(ROOT_CONTEXT, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

function recordLinks(
  records: readonly ConsumedRecord[],
  traceparents: (record: ConsumedRecord) => string | undefined,
): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    const fromEvent = traceparents(record);
    const headers =
      record.headers.traceparent !== undefined || fromEvent === undefined
        ? record.headers
        : { traceparent: fromEvent };
    const spanContext = trace.getSpanContext(extractTraceContext(headers, ROOT_CONTEXT));
    if (!spanContext || !trace.isSpanContextValid(spanContext)) continue;
    const key = `${spanContext.traceId}/${spanContext.spanId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    links.push({
      context: spanContext,
      attributes: { [messagingAttributes.kafkaOffset]: Number(record.offset) },
    });
  }
  return links;
}

/** The Postgres write of a chunk, a CLIENT span under the chunk's process span. */
export function traceWrite<T>(rows: number, fn: () => Promise<T>): Promise<T> {
  return traceSpan(
    'audit write',
    { kind: 'client', attributes: { 'db.system.name': 'postgresql', 'herald.audit.rows': rows } },
    fn,
  );
}
