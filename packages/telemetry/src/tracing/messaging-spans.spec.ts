import { jest } from '@jest/globals';
import { context, trace } from '@opentelemetry/api';
import { injectTraceContext } from './kafka-trace-context.js';
import { traceProcess, traceSend, traceSpan } from './messaging-spans.js';
import { startTracing, type Tracing, type TracingConfig } from './start-tracing.js';

// Tracing off (no SDK, only the context manager startTracing registers then): the
// helpers start no span at all, yet behave as the API's no-op spans did: the incoming
// trace context reaches the outputs, `fn` gets a span carrying it, errors reject.
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const record = {
  topic: 't',
  partition: 0,
  offset: '7',
  group: 'g',
  key: Buffer.from('k'),
  headers: { traceparent: Buffer.from(traceparent) },
};
let tracing: Tracing;
beforeAll(() => {
  tracing = startTracing({ enabled: false } as TracingConfig);
});
afterAll(() => tracing.stop());

describe('messaging spans with tracing off', () => {
  it('passes the incoming traceparent on through process, span and send, starting no span', async () => {
    const getTracer = jest.spyOn(trace, 'getTracer');
    const seen: Record<string, unknown> = {};
    await traceProcess(record, async (span) => {
      seen.process = injectTraceContext({});
      seen.processSpan = span.spanContext().spanId;
      seen.recording = span.isRecording();
      await traceSpan('webhook send', { kind: 'client' }, (inner) => {
        seen.span = injectTraceContext({});
        seen.innerSpan = inner.spanContext().spanId;
      });
      await traceSend({ topic: 'out' }, (headers) => {
        seen.send = headers;
      });
    });
    expect(seen).toEqual({
      process: { traceparent },
      processSpan: 'b7ad6b7169203331',
      recording: false,
      span: { traceparent },
      innerSpan: 'b7ad6b7169203331',
      send: { traceparent },
    });
    expect(getTracer).not.toHaveBeenCalled();
    getTracer.mockRestore();
  });

  it('runs fn in the record context only while it runs, and rejects with its error', async () => {
    await expect(
      traceProcess(record, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(traceSpan('x', {}, async () => Promise.reject(new Error('late')))).rejects.toThrow(
      'late',
    );
    expect(trace.getSpan(context.active())).toBeUndefined();
    const { traceparent: none } = injectTraceContext<Record<string, string>>({});
    expect(none).toBeUndefined();
    await traceProcess({ ...record, headers: {} }, (span) => {
      expect(injectTraceContext({})).toEqual({});
      expect(span.isRecording()).toBe(false);
    });
  });
});
