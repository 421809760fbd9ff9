import { Counter, Histogram } from 'prom-client';
import { createHeraldMetrics, type HeraldMetrics } from '@herald/telemetry';

/**
 * What became of one receipt request: the state it recorded (`delivered`, `bounced`,
 * `failed`), `ignored` (a provider status that changes no state, e.g. SES Open),
 * `confirmed` (an SNS subscription), or why it was refused.
 */
export const receiptOutcomes = [
  'delivered',
  'bounced',
  'failed',
  'ignored',
  'confirmed',
  'signature_invalid',
  'invalid',
  'unmatched',
  'unavailable',
] as const;
export type ReceiptOutcome = (typeof receiptOutcomes)[number];

// Receipt handling is a Postgres lookup and a Kafka produce: 1 ms … 5 s.
const httpBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The api's series, in the shared Herald registry. Labels are closed lists or
 * configuration: provider names come from the routes and `HERALD_API_RECEIPT_SECRETS`
 * (an unknown webhook provider is answered 404 and counted as `unknown`), routes are
 * fastify's route patterns, never the raw URL.
 */
function apiSeries(metrics: HeraldMetrics) {
  const registers = [metrics.registry];
  return {
    receipts: new Counter({
      name: 'herald_receipts_total',
      help: 'Provider receipt requests, by provider and outcome (state recorded, ignored, or why refused).',
      labelNames: ['provider', 'outcome'] as const,
      registers,
    }),
    signatureFailures: new Counter({
      name: 'herald_receipt_signature_failures_total',
      help: 'Receipt requests refused because their signature did not verify, by provider.',
      labelNames: ['provider'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'herald_http_request_duration_seconds',
      help: 'HTTP API request duration, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: httpBuckets,
      registers,
    }),
  };
}

export interface ApiMetrics {
  readonly metrics: HeraldMetrics;
  readonly series: ReturnType<typeof apiSeries>;
  receipt(provider: string, outcome: ReceiptOutcome): void;
}

export function createApiMetrics(): ApiMetrics {
  const metrics = createHeraldMetrics({ defaultLabels: { app: 'api' } });
  const series = apiSeries(metrics);
  return {
    metrics,
    series,
    receipt(provider, outcome) {
      series.receipts.inc({ provider, outcome });
      if (outcome === 'signature_invalid') series.signatureFailures.inc({ provider });
    },
  };
}
