import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { extractTraceContext, injectTraceContext } from './kafka-trace-context.js';

const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

describe('Kafka trace context', () => {
  it('writes a W3C traceparent header and reads it back from Buffers', () => {
    const ctx = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    const headers = injectTraceContext<Record<string, string>>({}, ctx);
    expect(headers).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const consumed = { traceparent: Buffer.from(headers.traceparent!), other: undefined };
    const back = trace.getSpanContext(extractTraceContext(consumed, ROOT_CONTEXT));
    expect(back).toMatchObject({ ...spanContext, isRemote: true });
  });

  it('keeps tracestate, and leaves the context alone without headers', () => {
    const headers = {
      traceparent: ['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00'],
      tracestate: 'vendor=x',
    };
    const ctx = extractTraceContext(headers, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)?.traceState?.get('vendor')).toBe('x');
    expect(injectTraceContext({}, ctx)).toMatchObject({ tracestate: 'vendor=x' });
    expect(extractTraceContext(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    expect(
      trace.getSpanContext(extractTraceContext({ traceparent: 'garbage' }, ROOT_CONTEXT)),
    ).toBe(undefined);
    expect(injectTraceContext({}, ROOT_CONTEXT)).toEqual({});
  });
});
