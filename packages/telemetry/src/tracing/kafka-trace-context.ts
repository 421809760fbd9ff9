import { context as contextApi, type Context, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * Kafka record headers as kafkajs types them (a value may be a Buffer, a string, a list
 * of either, or undefined). Only the subset the helpers read and write.
 */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

// W3C trace context only, whatever global propagator the process set: `traceparent`
// (and `tracestate`) is the contract between Herald's stages (docs/ARCHITECTURE.md).
const propagator = new W3CTraceContextPropagator();

const getter: TextMapGetter<KafkaHeaders> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => {
    const value = headers[key] ?? headers[key.toLowerCase()];
    if (value === undefined) return undefined;
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

/**
 * Writes `traceparent` (and `tracestate`) for `ctx` (default: the active context) into
 * `headers` and returns them. Writes nothing when there is no valid span context.
 *
 * @example
 * await producer.send({ topic, messages: [{ key, value, headers: injectTraceContext({}) }] });
 */
export function injectTraceContext<H extends KafkaHeaders>(
  headers: H,
  ctx: Context = contextApi.active(),
): H {
  propagator.inject(ctx, headers, {
    set: (carrier, key, value) => {
      (carrier as KafkaHeaders)[key] = value;
    },
  });
  return headers;
}

/**
 * Reads `traceparent`/`tracestate` from a consumed record's headers into a context
 * (the parent of the consumer span). Headers without them give `base` unchanged.
 */
export function extractTraceContext(
  headers: KafkaHeaders | undefined,
  base: Context = contextApi.active(),
): Context {
  return headers ? propagator.extract(base, headers, getter) : base;
}
