import Fastify from 'fastify';
import type { Logger } from '@herald/core';
import { appLifecycle, type Lifecycle } from '@herald/runtime';
import { startOpsServer, type OpsServer, type ReadinessCheck } from '@herald/telemetry';
import type { GatewayContext } from './context.js';
import { registerDemoRoutes } from './demo-routes.js';
import type { GatewayEnv } from './env.js';
import { createGatewayMetrics } from './gateway-telemetry.js';
import { registerHttpRoutes } from './http-routes.js';
import { HeartbeatWheel } from './heartbeat.js';
import { Hub } from './hub.js';
import { InboxService } from './inbox-service.js';
import type { Fanout, FeedStore, StatusSink } from './ports.js';
import type { Session } from './session.js';
import { createWsServer } from './ws.js';

/** The gateway's IO, opened inside its lifecycle (so each is closed in reverse on stop). */
export interface GatewayAdapters {
  readonly store: FeedStore;
  readonly fanout: Fanout;
  readonly statuses: StatusSink;
  /** /readyz checks of the adapters (postgres, redis, kafka). */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
}
export type OpenAdapters = (life: Lifecycle, log: Logger) => Promise<GatewayAdapters>;

export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The client address once started (http://host:port). */
  readonly url: string;
  readonly opsUrl: string;
  /** Sessions open on this replica (tests, bench). */
  readonly connections: number;
  /** Every session re-reads the store past its last seq (after a fan-out outage). */
  recheck(): void;
}

/**
 * Herald's in-app gateway: subscribers' live inbox over SSE, WebSocket and
 * long-poll, the feed REST API, and the demo page. It keeps connections, not state:
 * messages come from the inbox store (Postgres) and the fan-out, so any replica
 * serves any subscriber and a reconnect may land anywhere.
 */
export function buildGateway(
  env: GatewayEnv,
  logger: Logger,
  openAdapters: OpenAdapters,
  options: { now?: () => Date } = {},
): Gateway {
  const log = logger.child({ component: 'gateway' });
  const metrics = createGatewayMetrics();
  let url = '';
  let ops: OpsServer | undefined;
  let hub: Hub | undefined;
  let checks: Record<string, ReadinessCheck> = {};

  const { start, stop } = appLifecycle(async (life) => {
    ops = await life.use(
      () =>
        startOpsServer({
          port: env.HERALD_METRICS_PORT,
          host: env.HERALD_METRICS_HOST,
          registry: metrics.metrics.registry,
          logger: log,
          checks: {
            adapters: async () => {
              for (const check of Object.values(checks)) await check();
            },
            // Ready means clients can connect: not before the client port listens.
            listener: () => {
              if (url === '') throw new Error('the client port is not listening yet');
            },
          },
        }),
      (server) => server.stop(),
    );
    const adapters = await openAdapters(life, log);
    checks = { ...adapters.checks };
    // Keep-alives a slot at a time (heartbeat.ts): all at once stalled the event loop.
    const heartbeat = new HeartbeatWheel<Session>(
      HeartbeatWheel.slotsFor(env.HERALD_GATEWAY_HEARTBEAT_MS),
    );
    const liveHub = new Hub(adapters.store, adapters.fanout, {
      countsDebounceMs: env.HERALD_GATEWAY_COUNTS_DEBOUNCE_MS,
      heartbeat,
      onError: (err) => log.warn({ err }, 'fan-out or counts push failed'),
      onEvent: (event) => {
        metrics.series.fanoutEvents.inc({ kind: event.kind });
        if (event.kind === 'message' && event.item !== undefined) {
          const age = (Date.now() - Date.parse(event.item.createdAt)) / 1000;
          if (age >= 0 && age < 3600)
            metrics.series.deliveryLatency.observe({ transport: 'live' }, age);
        }
      },
    });
    hub = liveHub;
    const ctx: GatewayContext = {
      store: adapters.store,
      hub: liveHub,
      service: new InboxService(adapters.store, adapters.fanout, adapters.statuses),
      statuses: adapters.statuses,
      secrets: env.tenantSecrets,
      metrics,
      log,
      limits: {
        maxBufferBytes: env.HERALD_GATEWAY_MAX_BUFFER_BYTES,
        pageSize: env.HERALD_GATEWAY_PAGE_SIZE,
        maxPending: env.HERALD_GATEWAY_MAX_PENDING,
        pollMaxWaitSeconds: env.HERALD_GATEWAY_POLL_MAX_WAIT_S,
        maxConnections: env.HERALD_GATEWAY_MAX_CONNECTIONS,
        framesPerSecond: env.HERALD_GATEWAY_FRAMES_PER_SECOND,
        subscribesPerMinute: env.HERALD_GATEWAY_SUBSCRIBES_PER_MINUTE,
      },
      now: options.now ?? (() => new Date()),
    };
    const server = await life.use(
      () => Fastify({ logger: false, bodyLimit: 65_536, trustProxy: true }),
      async (fastify) => {
        // Tell every client why before the listener goes: they reconnect elsewhere.
        for (const session of liveHub.all())
          session.close('shutdown', 'the gateway is shutting down; reconnect');
        liveHub.stop();
        await fastify.close();
      },
    );
    server.addHook('onResponse', (req, reply, done) => {
      metrics.series.httpDuration.observe(
        {
          method: req.method,
          route: req.routeOptions.url ?? 'unmatched',
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
      done();
    });
    registerHttpRoutes(server, ctx);
    if (env.HERALD_GATEWAY_DEMO) registerDemoRoutes(server);
    const ws = createWsServer(ctx, env.HERALD_GATEWAY_MAX_FRAME_BYTES);
    server.server.on('upgrade', ws.upgrade);
    // One timer for every connection's keep-alive, not one per connection; each turn
    // visits one slot, so a connection gets one keep-alive per interval.
    const beat = setInterval(
      () => heartbeat.tick(),
      env.HERALD_GATEWAY_HEARTBEAT_MS / heartbeat.slotCount,
    );
    beat.unref();
    life.defer(() => clearInterval(beat));
    url = await server.listen({ host: env.HERALD_GATEWAY_HOST, port: env.HERALD_GATEWAY_PORT });
    log.info({ url }, 'gateway listening');
  });

  return {
    start,
    stop,
    get url() {
      return url;
    },
    get opsUrl() {
      return ops?.url ?? '';
    },
    get connections() {
      return hub?.size ?? 0;
    },
    recheck() {
      hub?.recheckAll();
    },
  };
}
