import { z } from 'zod';
import {
  HeraldError,
  databaseEnv,
  kafkaEnv,
  lifecycleEnv,
  logEnv,
  parseEnv,
  redisEnv,
  type EnvSource,
} from '@herald/core';
import { readTenantSecrets, subscriberAuthEnv } from '@herald/subscriber-auth';
import { telemetryEnv } from '@herald/telemetry';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const shape = {
  ...kafkaEnv(),
  ...databaseEnv(),
  ...redisEnv(),
  ...logEnv(),
  ...lifecycleEnv(),
  /** The ops port HERALD_METRICS_PORT (/metrics, /healthz, /readyz), apart from the client port. */
  ...telemetryEnv(),
  /** HERALD_GATEWAY_TENANT_SECRETS / _FILE: per-tenant HS256 secrets of subscriber tokens. */
  ...subscriberAuthEnv(),
  HERALD_GATEWAY_HOST: z.string().default('0.0.0.0'),
  /** What browsers and apps connect to (SSE, WebSocket, long-poll, feed REST, /demo). */
  HERALD_GATEWAY_PORT: int(0, 65535, 8090),
  /** Bytes waiting on one socket before the client counts as slow and is closed (1008 / SSE `error`). */
  HERALD_GATEWAY_MAX_BUFFER_BYTES: int(4096, 67_108_864, 262_144),
  /** Largest WebSocket frame a client may send (over it: close 1009). */
  HERALD_GATEWAY_MAX_FRAME_BYTES: int(256, 1_048_576, 16_384),
  /** SSE comment / WebSocket ping interval; a WebSocket that misses one pong is dropped. */
  HERALD_GATEWAY_HEARTBEAT_MS: int(1000, 300_000, 25_000),
  /** Longest long-poll wait in seconds (`wait=` is capped to it). */
  HERALD_GATEWAY_POLL_MAX_WAIT_S: int(0, 120, 25),
  /** Open connections this replica accepts; over it new ones get 503 (HTTP) before upgrade. */
  HERALD_GATEWAY_MAX_CONNECTIONS: int(1, 1_000_000, 50_000),
  /** Client WebSocket frames per second per connection (over it: close 4429). */
  HERALD_GATEWAY_FRAMES_PER_SECOND: int(1, 10_000, 50),
  /** `subscribe` frames per minute per WebSocket (over it: close 4429). */
  HERALD_GATEWAY_SUBSCRIBES_PER_MINUTE: int(1, 1000, 10),
  /** Messages read per store page when a client catches up. */
  HERALD_GATEWAY_PAGE_SIZE: int(10, 5000, 500),
  /** Live events held per session while it catches up (over it: read the store again). */
  HERALD_GATEWAY_MAX_PENDING: int(10, 100_000, 1000),
  /** After new messages, counts pushed at most this often per subscriber (0 = off). */
  HERALD_GATEWAY_COUNTS_DEBOUNCE_MS: int(0, 60_000, 250),
  /** Delivery/read statuses are produced to herald.status in batches, every this many ms. */
  HERALD_GATEWAY_STATUS_FLUSH_MS: int(10, 10_000, 200),
  /** Serve the demo inbox page at /demo. */
  HERALD_GATEWAY_DEMO: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
};

export type GatewayEnv = ReturnType<typeof parseGatewayEnv>;

/** Parses and freezes the gateway's settings, tenant secrets read; throws naming every bad one. */
export function parseGatewayEnv(source: EnvSource, readFile?: (path: string) => string) {
  const env = parseEnv(shape, source);
  if (env.HERALD_GATEWAY_PORT !== 0 && env.HERALD_GATEWAY_PORT === env.HERALD_METRICS_PORT) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `HERALD_GATEWAY_PORT and HERALD_METRICS_PORT are both ${env.HERALD_GATEWAY_PORT}: the gateway and its ops server need two ports`,
    ]);
  }
  const secrets = readTenantSecrets(env, readFile);
  if (secrets === undefined || secrets.tenants.length === 0) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      'HERALD_GATEWAY_TENANT_SECRETS (or _FILE) is required: {"tenant": "a secret of 32+ bytes"}; subscriber tokens are verified with it',
    ]);
  }
  return { ...env, tenantSecrets: secrets };
}
