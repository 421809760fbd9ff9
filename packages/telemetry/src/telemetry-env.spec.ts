import { parseEnv } from '@herald/core';
import { telemetryEnv } from './telemetry-env.js';
import { tracingConfig } from './tracing/start-tracing.js';

describe('telemetryEnv', () => {
  it('defaults: ops server on 9464, tracing off', () => {
    const env = parseEnv(telemetryEnv(), {});
    expect(env.HERALD_METRICS_PORT).toBe(9464);
    expect(env.HERALD_METRICS_HOST).toBe('0.0.0.0');
    const config = tracingConfig(env, 'router');
    expect(config).toMatchObject({
      serviceName: 'herald-router',
      enabled: false,
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
    });
  });

  it('reads the standard OTEL_* variables with the per-signal ones winning', () => {
    const env = parseEnv(telemetryEnv(), {
      OTEL_SERVICE_NAME: 'orders-notifier',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-tenant=a',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=b',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,k8s.pod.name=w-1',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(tracingConfig(env, 'worker')).toEqual({
      serviceName: 'orders-notifier',
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/json',
      headers: { authorization: 'Bearer abc', 'x-tenant': 'b' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      resourceAttributes: { 'deployment.environment.name': 'prod', 'k8s.pod.name': 'w-1' },
      enabled: true,
    });
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom',
    };
    expect(tracingConfig(parseEnv(telemetryEnv(), both), 'x').endpoint).toBe(
      'http://b:4318/custom',
    );
    const disabled = parseEnv(telemetryEnv(), { ...both, OTEL_SDK_DISABLED: 'true' });
    expect(tracingConfig(disabled, 'x').enabled).toBe(false);
  });

  it('names the bad setting and the fix', () => {
    expect(() =>
      parseEnv(telemetryEnv(), {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        HERALD_METRICS_PORT: '70000',
        OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
      }),
    ).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json \(gRPC is not supported; use port 4318\)/,
    );
    expect(() => parseEnv(telemetryEnv(), { HERALD_METRICS_PORT: '70000' })).toThrow(
      /HERALD_METRICS_PORT/,
    );
    expect(() => parseEnv(telemetryEnv(), { OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(
      /OTEL_EXPORTER_OTLP_HEADERS: expected key=value pairs/,
    );
  });
});
