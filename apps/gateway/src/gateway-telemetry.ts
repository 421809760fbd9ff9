import { Counter, Gauge, Histogram } from 'prom-client';
import { createHeraldMetrics, type HeraldMetrics } from '@herald/telemetry';

export const transports = ['sse', 'ws', 'poll', 'rest'] as const;
export type TransportName = (typeof transports)[number];

/** Why a request or connection was refused or closed by the gateway (a closed list). */
export const refusalReasons = [
  'token_missing',
  'token_invalid',
  'token_expired',
  'cursor_future',
  'bad_request',
  'frame_malformed',
  'frame_too_large',
  'rate_limited',
  'slow_consumer',
  'connection_limit',
  'unavailable',
] as const;
export type RefusalReason = (typeof refusalReasons)[number];

// Store → socket: well under 100 ms is the target; the tail matters.
const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function gatewaySeries(metrics: HeraldMetrics) {
  const registers = [metrics.registry];
  return {
    connections: new Gauge({
      name: 'herald_gateway_connections',
      help: 'Open streaming connections (SSE, WebSocket) and waiting long-polls, by transport.',
      labelNames: ['transport'] as const,
      registers,
    }),
    refusals: new Counter({
      name: 'herald_gateway_refusals_total',
      help: 'Requests, frames and connections refused or closed by the gateway, by transport and reason.',
      labelNames: ['transport', 'reason'] as const,
      registers,
    }),
    messages: new Counter({
      name: 'herald_gateway_messages_sent_total',
      help: 'Inbox messages written to client sockets, by transport (catch-up and live).',
      labelNames: ['transport'] as const,
      registers,
    }),
    fanoutEvents: new Counter({
      name: 'herald_gateway_fanout_events_total',
      help: 'Fan-out events received from any replica, by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'herald_gateway_delivery_latency_seconds',
      help: "From the message's store time to its write on a live socket.",
      labelNames: ['transport'] as const,
      buckets: latencyBuckets,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'Gateway REST request duration, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}

export interface GatewayMetrics {
  readonly metrics: HeraldMetrics;
  readonly series: ReturnType<typeof gatewaySeries>;
  refuse(transport: TransportName, reason: RefusalReason): void;
}

export function createGatewayMetrics(): GatewayMetrics {
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'gateway' } });
  const series = gatewaySeries(metrics);
  return {
    metrics,
    series,
    refuse(transport, reason) {
      series.refusals.inc({ transport, reason });
    },
  };
}
