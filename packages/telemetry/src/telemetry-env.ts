import { z } from 'zod';
import { flag } from '@herald/core';

/** OTLP over HTTP; gRPC is not bundled (one dependency less, and collectors accept both). */
export const otlpProtocols = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof otlpProtocols)[number];

const protocol = z.enum(otlpProtocols, {
  message: 'expected http/protobuf or http/json (gRPC is not supported; use port 4318)',
});

const url = z.url({ message: 'expected an http(s) URL, e.g. http://otel-collector:4318' });

/** `key1=value1,key2=value2` (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
const keyValueList = z
  .string()
  .transform((text, ctx) => {
    const out: Record<string, string> = {};
    for (const pair of text.split(',').map((p) => p.trim())) {
      if (pair === '') continue;
      const at = pair.indexOf('=');
      if (at <= 0) {
        ctx.addIssue({ code: 'custom', message: 'expected key=value pairs separated by commas' });
        return z.NEVER;
      }
      out[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(
        pair.slice(at + 1).trim(),
      );
    }
    return out;
  })
  .default({});

export const samplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/**
 * Settings for metrics, health and tracing, to compose into an app's `src/env.ts`.
 * The `OTEL_*` names and meanings are the OpenTelemetry SDK's standard ones; tracing
 * is off until an OTLP endpoint is set.
 *
 * @example
 * const shape = { ...kafkaEnv(), ...logEnv(), ...telemetryEnv() };
 * const env = parseEnv(shape, process.env);
 * const tracing = startTracing(tracingConfig(env, 'router'));
 */
export function telemetryEnv() {
  return {
    /** Port of the ops server: /metrics, /healthz, /readyz. 0 picks a free port (tests). */
    HERALD_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
    /** Address the ops server listens on. */
    HERALD_METRICS_HOST: z.string().min(1).default('0.0.0.0'),
    /** How often, at most, consumer lag is read from Kafka (a scrape in between reuses it). */
    HERALD_LAG_INTERVAL_MS: z.coerce.number().int().min(0).default(10_000),
    OTEL_SDK_DISABLED: flag(false),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
    OTEL_RESOURCE_ATTRIBUTES: keyValueList,
    /** Base URL; `/v1/traces` is appended. */
    OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
    /** Full URL of the traces endpoint, used as is. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol.default('http/protobuf'),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
    OTEL_EXPORTER_OTLP_HEADERS: keyValueList,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValueList,
    OTEL_TRACES_SAMPLER: z
      .enum(samplers, { message: `expected one of ${samplers.join(', ')}` })
      .default('parentbased_always_on'),
    OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  };
}

/** The parsed result of `telemetryEnv()`: what an app's frozen env contains. */
export interface TelemetryEnv {
  readonly HERALD_METRICS_PORT: number;
  readonly HERALD_METRICS_HOST: string;
  readonly HERALD_LAG_INTERVAL_MS: number;
  readonly OTEL_SDK_DISABLED: boolean;
  readonly OTEL_SERVICE_NAME?: string | undefined;
  readonly OTEL_RESOURCE_ATTRIBUTES: Readonly<Record<string, string>>;
  readonly OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string | undefined;
  readonly OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol;
  readonly OTEL_EXPORTER_OTLP_TRACES_PROTOCOL?: OtlpProtocol | undefined;
  readonly OTEL_EXPORTER_OTLP_HEADERS: Readonly<Record<string, string>>;
  readonly OTEL_EXPORTER_OTLP_TRACES_HEADERS: Readonly<Record<string, string>>;
  readonly OTEL_TRACES_SAMPLER: (typeof samplers)[number];
  readonly OTEL_TRACES_SAMPLER_ARG?: number | undefined;
}
