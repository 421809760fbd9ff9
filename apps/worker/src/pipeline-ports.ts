import type { MetricsPort, RecordSizePort, TracePort } from '@herald/delivery';
import { checkRecordSize } from '@herald/kafka';
import { injectTraceContext, traceSpan, type HeraldMetrics } from '@herald/telemetry';

// The delivery pipeline's IO ports over the real adapters (OpenTelemetry, prom-client,
// the Kafka record-size rule).

export const tracingPort: TracePort = {
  headers: () => injectTraceContext<Record<string, string>>({}),
  span: (name, attributes, send) => traceSpan(name, { kind: 'client', attributes }, send),
};

export function metricsPort(metrics: HeraldMetrics): MetricsPort {
  return {
    recordDelivery: (record) => metrics.recordDelivery(record),
    rateLimitDecision: (channel, decision) =>
      metrics.m.rateLimitDecisions.inc({ channel, decision }),
  };
}

export const recordSizePort =
  (maxRecordBytes: number): RecordSizePort =>
  (message) =>
    checkRecordSize(message, maxRecordBytes);
