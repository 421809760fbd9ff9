import {
  context as contextApi,
  INVALID_SPAN_CONTEXT,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  extractTraceContext,
  injectTraceContext,
  type KafkaHeaders,
} from './kafka-trace-context.js';

/**
 * Attribute names from the OpenTelemetry messaging semantic conventions (v1.27+),
 * written out so an incubating-entry-point rename cannot change them silently.
 */
export const messagingAttributes = Object.freeze({
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  consumerGroup: 'messaging.consumer.group.name',
  partition: 'messaging.destination.partition.id',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  kafkaKey: 'messaging.kafka.message.key',
  kafkaOffset: 'messaging.kafka.offset',
  kafkaTombstone: 'messaging.kafka.message.tombstone',
});

const tracerName = '@herald/telemetry';
const tracer = () => trace.getTracer(tracerName);

/**
 * True when no tracer provider is registered (tracing off: `startTracing` started no
 * SDK). Every span would then be the API's no-op, which only carries its parent's span
 * context; the helpers below skip making it (its attributes, and a context switch per
 * record and per send: ~2.5 µs a call, see docs/benchmarks.md, "Round 3: per-record
 * costs") and run `fn` in the parent's context with an equal no-op span instead.
 */
function noTracerProvider(): boolean {
  const provider = trace.getTracerProvider();
  return (
    provider instanceof ProxyTracerProvider && provider.getDelegateTracer(tracerName) === undefined
  );
}

const invalidSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
/** What the no-op tracer would have started under `ctx`: a span with the parent's context. */
const noopSpanUnder = (ctx: Context): Span => {
  const parent = trace.getSpanContext(ctx);
  return parent && trace.isSpanContextValid(parent) ? trace.wrapSpanContext(parent) : invalidSpan;
};

/** `runInSpan` without a span to end: `fn` runs now, a throw becomes a rejection. */
async function runPlain<T>(fn: () => Promise<T> | T): Promise<T> {
  return fn();
}

export interface ProduceTarget {
  readonly topic: string;
  /** The record key, when it is not sensitive (Herald's keys are ids and recipient refs). */
  readonly key?: string | undefined;
  /** A CloudEvent id or notification id: an attribute, never a metric label. */
  readonly messageId?: string | undefined;
  readonly messageCount?: number | undefined;
  readonly attributes?: Attributes | undefined;
}

export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly group: string;
  readonly key?: Buffer | string | null | undefined;
  readonly headers?: KafkaHeaders | undefined;
  readonly messageId?: string | undefined;
  readonly attributes?: Attributes | undefined;
}

async function runInSpan<T>(span: Span, fn: (span: Span) => Promise<T> | T): Promise<T> {
  try {
    const result = await fn(span);
    return result;
  } catch (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * Runs `fn` in a PRODUCER span `send <topic>` and hands it the headers to put on the
 * record(s): `traceparent` of that span, so the consumer's span becomes its child.
 *
 * @example
 * await traceSend({ topic, key: job.recipient.ref, messageId: job.notificationId }, (headers) =>
 *   producer.send({ topic, acks: -1, messages: [{ key, value, headers }] }),
 * );
 */
export function traceSend<T>(
  target: ProduceTarget,
  fn: (headers: Record<string, string>, span: Span) => Promise<T> | T,
): Promise<T> {
  if (noTracerProvider()) {
    const active = contextApi.active();
    return runPlain(() =>
      fn(injectTraceContext<Record<string, string>>({}, active), noopSpanUnder(active)),
    );
  }
  const span = tracer().startSpan(`send ${target.topic}`, {
    kind: SpanKind.PRODUCER,
    attributes: {
      [messagingAttributes.system]: 'kafka',
      [messagingAttributes.destination]: target.topic,
      [messagingAttributes.operationType]: 'send',
      [messagingAttributes.operationName]: 'send',
      ...(target.key !== undefined ? { [messagingAttributes.kafkaKey]: target.key } : {}),
      ...(target.messageId !== undefined
        ? { [messagingAttributes.messageId]: target.messageId }
        : {}),
      ...(target.messageCount !== undefined
        ? { [messagingAttributes.batchCount]: target.messageCount }
        : {}),
      ...target.attributes,
    },
  });
  const ctx = trace.setSpan(contextApi.active(), span);
  return contextApi.with(ctx, () =>
    runInSpan(span, (s) => fn(injectTraceContext<Record<string, string>>({}, ctx), s)),
  );
}

/**
 * Runs `fn` in a CONSUMER span `process <topic>`, child of the `traceparent` the record
 * carries, with the messaging attributes of the record. Spans and `traceSend` calls made
 * inside `fn` are its children, so one event is one trace across every Kafka hop.
 *
 * @example
 * await traceProcess({ topic, partition, offset: message.offset, group, key: message.key,
 *   headers: message.headers }, () => handle(message));
 */
export function traceProcess<T>(
  message: ConsumedMessage,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  // A record without traceparent starts a new trace: the consumer loop's own context
  // (whatever was active when it started) is not the record's parent.
  const parent = extractTraceContext(message.headers, ROOT_CONTEXT);
  if (noTracerProvider()) {
    const span = noopSpanUnder(parent);
    return contextApi.with(parent, () => runPlain(() => fn(span)));
  }
  const key = message.key == null ? undefined : message.key.toString();
  const span = tracer().startSpan(
    `process ${message.topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        [messagingAttributes.system]: 'kafka',
        [messagingAttributes.destination]: message.topic,
        [messagingAttributes.operationType]: 'process',
        [messagingAttributes.operationName]: 'process',
        [messagingAttributes.consumerGroup]: message.group,
        [messagingAttributes.partition]: String(message.partition),
        [messagingAttributes.kafkaOffset]: Number(message.offset),
        ...(key !== undefined ? { [messagingAttributes.kafkaKey]: key } : {}),
        ...(message.messageId !== undefined
          ? { [messagingAttributes.messageId]: message.messageId }
          : {}),
        ...message.attributes,
      },
    },
    parent,
  );
  return contextApi.with(trace.setSpan(parent, span), () => runInSpan(span, fn));
}

/**
 * Runs `fn` in an INTERNAL or CLIENT span, child of the active one: a provider call
 * (`kind: 'client'`), a render, a batch write.
 */
export function traceSpan<T>(
  name: string,
  options: { readonly kind?: 'internal' | 'client'; readonly attributes?: Attributes },
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  if (noTracerProvider()) {
    const span = noopSpanUnder(contextApi.active());
    return runPlain(() => fn(span));
  }
  const span = tracer().startSpan(name, {
    kind: options.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
    ...(options.attributes ? { attributes: options.attributes } : {}),
  });
  return contextApi.with(trace.setSpan(contextApi.active(), span), () => runInSpan(span, fn));
}

/** The active trace id (32 hex digits), for log lines; undefined outside a span. */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpan(contextApi.active())?.spanContext();
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
