import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from '@herald/core';
import { ReadinessState, type CheckResult, type ReadinessReport } from './readiness-state.js';
import { closeOps, listenOps } from './listen.js';
import { adoptHeldListener } from './startup-ops.js';

/**
 * One readiness check: resolves (anything but `false`) when ready; `false` or a throw
 * means not ready, and the error's message is shown on /readyz.
 */
export type ReadinessCheck = () => unknown;

export interface OpsServerConfig {
  /** HERALD_METRICS_PORT; 0 picks a free port (tests). */
  readonly port: number;
  /** HERALD_METRICS_HOST; default 0.0.0.0 so the kubelet and Prometheus reach it. */
  readonly host?: string;
  readonly registry: Registry;
  /** Named checks run on every /readyz, e.g. `{ kafka: …, postgres: …, consumerGroup: … }`. */
  readonly checks?: Readonly<Record<string, ReadinessCheck>>;
  /** Per-check deadline; a slower check counts as not ready. Default 2000 ms. */
  readonly checkTimeoutMs?: number;
  readonly logger?: Logger;
  /** The clock of /readyz's `since` (tests). */
  readonly now?: () => number;
}

export interface OpsServer {
  readonly port: number;
  /** `http://host:port`, for tests and logs. */
  readonly url: string;
  /** Closes the listener. Idempotent. */
  stop(): Promise<void>;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(check), deadline]);
    if (result === false) throw new Error('not ready');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every check at once; ready only when all pass. `state` remembers since when each
 * failing check fails (one per server; a fresh one knows only this round).
 */
export async function runReadinessChecks(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs = 2000,
  state = new ReadinessState(),
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((n) => runCheck(checks[n]!, timeoutMs)));
  const round: Record<string, CheckResult> = {};
  results.forEach((r, i) => {
    round[names[i]!] =
      r.status === 'fulfilled'
        ? { ok: true }
        : { ok: false, error: String((r.reason as Error)?.message ?? r.reason) };
  });
  return state.observe(round);
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (the process answers: 200)
 * and `/readyz` (200 when every check passes, else 503 with each check's error and
 * since when it fails) on its own port, away from any public API. Resolves once
 * listening. When runMain opened the port before start-up (`openStartupOps`), the
 * server takes that listener over instead of binding again, and gives it back on stop.
 *
 * @example
 * const ops = await startOpsServer({
 *   port: env.HERALD_METRICS_PORT, registry: metrics.registry,
 *   checks: { kafka: () => admin.describeCluster(), consumerGroup: group.check },
 * });
 * // in stop(): await ops.stop();
 */
export async function startOpsServer(config: OpsServerConfig): Promise<OpsServer> {
  const checks = config.checks ?? {};
  const timeoutMs = config.checkTimeoutMs ?? 2000;
  const log = config.logger?.child({ component: 'ops-server' });
  const state = new ReadinessState(config.now);
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain', 'method not allowed\n');
      return;
    }
    if (path === '/healthz') {
      send(200, 'application/json', '{"status":"ok"}\n');
    } else if (path === '/readyz') {
      void runReadinessChecks(checks, timeoutMs, state).then((report) => {
        if (report.status !== 'ok') log?.warn({ checks: report.checks }, 'not ready');
        send(report.status === 'ok' ? 200 : 503, 'application/json', `${JSON.stringify(report)}\n`);
      });
    } else if (path === '/metrics') {
      config.registry.metrics().then(
        (text) => send(200, config.registry.contentType, text),
        (err: unknown) => {
          log?.error({ err }, 'metrics collection failed');
          send(500, 'text/plain', 'metrics collection failed\n');
        },
      );
    } else {
      send(404, 'text/plain', 'not found: try /metrics, /healthz or /readyz\n');
    }
  };
  const held = adoptHeldListener(config.port, config.host ?? '0.0.0.0', handle);
  if (held !== undefined) {
    log?.info({ port: held.port }, 'ops server took over the start-up listener');
    return { port: held.port, url: held.url, stop: held.release };
  }
  const server: Server = createServer(handle);
  const { port, url } = await listenOps(server, config.port, config.host ?? '0.0.0.0');
  log?.info({ port }, 'ops server listening');
  let stopping: Promise<void> | undefined;
  return { port, url, stop: () => (stopping ??= closeOps(server)) };
}
