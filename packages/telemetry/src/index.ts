export { createLogger, redactedPaths } from './create-logger.js';
export type { LoggerConfig } from './create-logger.js';
export { telemetryEnv, otlpProtocols, samplers } from './telemetry-env.js';
export type { OtlpProtocol, TelemetryEnv } from './telemetry-env.js';
export {
  createHeraldMetrics,
  deliveryOutcomes,
  failureClasses,
  rateLimitDecisions,
  breakerStates,
} from './metrics/herald-metrics.js';
export type {
  BreakerState,
  DeliveryOutcomeLabel,
  DeliveryRecord,
  FailureClass,
  HeraldMetricSet,
  HeraldMetrics,
  HeraldMetricsOptions,
  RateLimitDecision,
} from './metrics/herald-metrics.js';
export { talliedCounter } from './metrics/counter-tally.js';
export type { TalliedCounter } from './metrics/counter-tally.js';
export { createLagCollector, partitionLag } from './metrics/lag-collector.js';
export type {
  LagAdmin,
  LagCollector,
  LagCollectorConfig,
  PartitionLag,
} from './metrics/lag-collector.js';
export { startOpsServer, runReadinessChecks } from './ops/ops-server.js';
export type { OpsServer, OpsServerConfig, ReadinessCheck } from './ops/ops-server.js';
export { ReadinessState } from './ops/readiness-state.js';
export type { CheckResult, ReadinessCheckReport, ReadinessReport } from './ops/readiness-state.js';
export { openStartupOps, startupReadiness } from './ops/startup-ops.js';
export type { StartupOps } from './ops/startup-ops.js';
export { startTracing, tracingConfig } from './tracing/start-tracing.js';
export type { Tracing, TracingConfig } from './tracing/start-tracing.js';
export { injectTraceContext, extractTraceContext } from './tracing/kafka-trace-context.js';
export type { KafkaHeaders } from './tracing/kafka-trace-context.js';
export {
  traceSend,
  traceProcess,
  traceSpan,
  activeTraceId,
  messagingAttributes,
} from './tracing/messaging-spans.js';
export type { ConsumedMessage, ProduceTarget } from './tracing/messaging-spans.js';
