/**
 * The default protocol, OTLP/HTTP with protobuf bodies, and what happens without an
 * endpoint: nothing is exported, but a record's traceparent is still passed on.
 */
import { parseEnv } from '@herald/core';
import {
  injectTraceContext,
  startTracing,
  telemetryEnv,
  traceProcess,
  traceSend,
  traceSpan,
  tracingConfig,
} from '@herald/telemetry';
import { waitFor } from '@herald/testkit';
import { startOtlpReceiver } from './otlp-receiver.js';

it('passes traceparent on when tracing is off', async () => {
  const off = startTracing(tracingConfig(parseEnv(telemetryEnv(), {}), 'router'));
  expect(off.enabled).toBe(false);
  const incoming = {
    traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
  };
  const outgoing = await traceProcess(
    {
      topic: 'herald.events',
      partition: 0,
      offset: '7',
      group: 'herald-router',
      headers: incoming,
    },
    () => traceSend({ topic: 'herald.deliveries.webhook' }, (headers) => headers),
  );
  expect(outgoing.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
  expect(injectTraceContext({})).toEqual({});
  await off.stop();
});

it('exports protobuf to the OTLP endpoint by default', async () => {
  const receiver = await startOtlpReceiver();
  const tracing = startTracing(
    tracingConfig(
      parseEnv(telemetryEnv(), {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint.replace('/v1/traces', ''),
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=k1',
      }),
      'worker',
    ),
  );
  try {
    await traceSpan('render email', {}, () => 'ok');
    await tracing.flush();
    const request = await waitFor('an export', () => receiver.received[0]);
    expect(request.contentType).toBe('application/x-protobuf');
    // Protobuf keeps strings as UTF-8 bytes: the span and service names are in the body.
    expect(request.body.includes(Buffer.from('render email'))).toBe(true);
    expect(request.body.includes(Buffer.from('herald-worker'))).toBe(true);
  } finally {
    await tracing.stop();
    await receiver.stop();
  }
});
