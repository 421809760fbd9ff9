import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '@herald/core';
import { closeOps, listenOps } from './listen.js';
import { ReadinessState, type CheckResult } from './readiness-state.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The ops listener runMain opens before an app's first start attempt. It lives for the
 * whole process: while start-up is retried (a dependency away) it answers /healthz 200
 * and /readyz 503 naming the dependency and since when; once the app has started, the
 * app's `startOpsServer` takes it over (same port, same host) and answers instead, and
 * hands it back when it stops. One per process.
 */
export interface StartupOps {
  readonly port: number;
  readonly url: string;
  /** A start attempt failed on `dependency`: /readyz names it, with `error`, and since when. */
  dependencyDown(dependency: string, error: string): void;
  /** Closes the listener (whoever answers on it). Idempotent. */
  close(): Promise<void>;
}

interface Held {
  readonly configuredPort: number;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  app?: Handler;
}

/** The process's start-up listener, while open. */
let held: Held | undefined;

/**
 * For `startOpsServer`: answers on the start-up listener when one is open on the same
 * configured port and host and no other server answers on it; else undefined (bind a
 * listener of your own).
 */
export function adoptHeldListener(
  port: number,
  host: string,
  handle: Handler,
): { port: number; url: string; release: () => Promise<void> } | undefined {
  const h = held;
  if (h === undefined || h.app !== undefined || h.configuredPort !== port || h.host !== host)
    return undefined;
  h.app = handle;
  return {
    port: h.port,
    url: h.url,
    release: async () => {
      if (h.app === handle) h.app = undefined;
    },
  };
}

const STARTING = 'starting';

export async function openStartupOps(config: {
  /** HERALD_METRICS_PORT; 0 picks a free port (tests). */
  readonly port: number;
  /** HERALD_METRICS_HOST; default 0.0.0.0, as startOpsServer's. */
  readonly host?: string;
  readonly logger?: Logger;
  /** The clock of /readyz's `since` (tests). */
  readonly now?: () => number;
}): Promise<StartupOps> {
  if (held !== undefined) throw new Error('the start-up ops listener is open already');
  const host = config.host ?? '0.0.0.0';
  const state = new ReadinessState(config.now);
  // Nothing known down yet: the first attempt is under way.
  let down: Record<string, CheckResult> = {
    [STARTING]: { ok: false, error: 'the app is starting' },
  };
  state.observe(down);
  const own: Handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD')
      send(405, 'text/plain', 'method not allowed\n');
    else if (path === '/healthz') send(200, 'application/json', '{"status":"ok"}\n');
    else if (path === '/readyz')
      send(503, 'application/json', `${JSON.stringify(state.observe(down))}\n`);
    else if (path === '/metrics')
      send(503, 'text/plain', 'not started yet: metrics are served once the app has started\n');
    else send(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
  };
  const server = createServer((req, res) => (entry.app ?? own)(req, res));
  const { port, url } = await listenOps(server, config.port, host);
  const entry: Held = { configuredPort: config.port, host, port, url };
  held = entry;
  config.logger
    ?.child({ component: 'ops-server' })
    .info({ port }, 'ops server listening (start-up)');
  let closing: Promise<void> | undefined;
  return {
    port,
    url,
    dependencyDown(dependency, error) {
      down = { [dependency]: { ok: false, error } };
    },
    close: () =>
      (closing ??= closeOps(server).finally(() => {
        if (held === entry) held = undefined;
      })),
  };
}

/**
 * The two start-up fields of runMain's `Built` from an app's parsed settings: the
 * start-up ops listener on HERALD_METRICS_PORT / _HOST, and the dependency settings
 * /readyz names a failed attempt after (hosts and ports only are read from them).
 *
 * @example
 * return { app, logger, dependencyOutageMs: env.HERALD_DEPENDENCY_OUTAGE_MS, ...startupReadiness(env, logger) };
 */
export function startupReadiness(
  env: {
    readonly HERALD_METRICS_PORT: number;
    readonly HERALD_METRICS_HOST: string;
    readonly KAFKA_BROKERS?: readonly string[];
    readonly DATABASE_URL?: string | undefined;
    readonly REDIS_URL?: string | undefined;
  },
  logger: Logger,
): {
  startupOps: () => Promise<StartupOps>;
  dependencies: Record<string, string | undefined>;
} {
  return {
    startupOps: () =>
      openStartupOps({ port: env.HERALD_METRICS_PORT, host: env.HERALD_METRICS_HOST, logger }),
    dependencies: {
      kafka: env.KAFKA_BROKERS?.join(','),
      postgres: env.DATABASE_URL,
      redis: env.REDIS_URL,
    },
  };
}
