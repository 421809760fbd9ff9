import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { NodeSDK, resources, tracing } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { OtlpProtocol, TelemetryEnv, samplers } from '../telemetry-env.js';

export interface TracingConfig {
  /** `service.name` of every span: herald-router, herald-worker, … */
  readonly serviceName: string;
  readonly serviceVersion?: string;
  /** Full URL of the OTLP traces endpoint; tracing is off when unset. */
  readonly endpoint?: string | undefined;
  readonly protocol: OtlpProtocol;
  readonly headers: Readonly<Record<string, string>>;
  readonly sampler: (typeof samplers)[number];
  /** Ratio for the `traceidratio` samplers (default 1). */
  readonly samplerRatio?: number | undefined;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly enabled: boolean;
}

/**
 * Maps the standard `OTEL_*` settings (parsed by `telemetryEnv()`) to a tracing
 * config, with the OpenTelemetry precedence: the per-signal `TRACES_` variables win,
 * and a base endpoint gets `/v1/traces` appended.
 */
export function tracingConfig(env: TelemetryEnv, app: string): TracingConfig {
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const endpoint =
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/traces`);
  return {
    serviceName: env.OTEL_SERVICE_NAME ?? `herald-${app}`,
    endpoint,
    protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: { ...env.OTEL_EXPORTER_OTLP_HEADERS, ...env.OTEL_EXPORTER_OTLP_TRACES_HEADERS },
    sampler: env.OTEL_TRACES_SAMPLER,
    samplerRatio: env.OTEL_TRACES_SAMPLER_ARG,
    resourceAttributes: env.OTEL_RESOURCE_ATTRIBUTES,
    enabled: !env.OTEL_SDK_DISABLED && endpoint !== undefined,
  };
}

function createSampler(name: TracingConfig['sampler'], ratio = 1): tracing.Sampler {
  const ratioSampler = new tracing.TraceIdRatioBasedSampler(ratio);
  switch (name) {
    case 'always_on':
      return new tracing.AlwaysOnSampler();
    case 'always_off':
      return new tracing.AlwaysOffSampler();
    case 'traceidratio':
      return ratioSampler;
    case 'parentbased_always_off':
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new tracing.ParentBasedSampler({ root: ratioSampler });
    default:
      return new tracing.ParentBasedSampler({ root: new tracing.AlwaysOnSampler() });
  }
}

export interface Tracing {
  /** Whether spans are exported (false: the API is a no-op, trace context still flows). */
  readonly enabled: boolean;
  /** Exports what is buffered; call before a test reads its receiver. */
  flush(): Promise<void>;
  /** Flushes and stops the exporter. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK (global tracer provider, W3C trace context,
 * async-local context) exporting over OTLP/HTTP. With no endpoint, or
 * `OTEL_SDK_DISABLED=true`, nothing is started and the helpers stay no-ops, except
 * that an incoming `traceparent` is still passed on to the outputs.
 * Call it first in `main.ts`, before building the app, and `stop()` last.
 *
 * @example
 * const tracing = startTracing(tracingConfig(env, 'worker'));
 * // … run the app …
 * await tracing.stop();
 */
export function startTracing(config: TracingConfig): Tracing {
  if (!config.enabled || config.endpoint === undefined) {
    // No SDK, but a context manager all the same: without one the active context is
    // always empty, and an incoming traceparent would not reach the outputs.
    const manager = new AsyncLocalStorageContextManager().enable();
    const registered = context.setGlobalContextManager(manager);
    return {
      enabled: false,
      flush: async () => {},
      stop: async () => {
        if (registered) context.disable();
      },
    };
  }
  const exporterConfig = { url: config.endpoint, headers: { ...config.headers } };
  const exporter =
    config.protocol === 'http/json'
      ? new OtlpHttpJsonExporter(exporterConfig)
      : new OtlpProtobufExporter(exporterConfig);
  const processor = new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      ...(config.serviceVersion ? { 'service.version': config.serviceVersion } : {}),
    }),
    spanProcessors: [processor],
    sampler: createSampler(config.sampler, config.samplerRatio),
    instrumentations: [],
    // Traces only: metrics are Prometheus (prom-client), logs are pino on stdout. Empty
    // lists, because leaving them out makes the SDK export both over OTLP by default.
    metricReaders: [],
    logRecordProcessors: [],
    // Resource detectors read the host and process; Kubernetes sets what matters
    // through OTEL_RESOURCE_ATTRIBUTES (the chart does).
    autoDetectResources: false,
  });
  sdk.start();
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    flush: () => processor.forceFlush(),
    stop: () => (stopping ??= sdk.shutdown()),
  };
}
