import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '@herald/core';

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
}

export interface OpsServer {
  readonly port: number;
  /** `http://host:port`, for tests and logs. */
  readonly url: string;
  /** Closes the listener. Idempotent. */
  stop(): Promise<void>;
}

export interface ReadinessReport {
  readonly status: 'ok' | 'unavailable';
  readonly checks: Record<string, { readonly ok: boolean; readonly error?: string }>;
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

/** Runs every check at once; ready only when all pass. */
export async function runReadinessChecks(
  checks: Readonly<Record<string, ReadinessCheck>>,
  timeoutMs = 2000,
): Promise<ReadinessReport> {
  const names = Object.keys(checks);
  const results = await Promise.allSettled(names.map((n) => runCheck(checks[n]!, timeoutMs)));
  const report: ReadinessReport['checks'] = {};
  results.forEach((r, i) => {
    report[names[i]!] =
      r.status === 'fulfilled'
        ? { ok: true }
        : { ok: false, error: String((r.reason as Error)?.message ?? r.reason) };
  });
  const ok = results.every((r) => r.status === 'fulfilled');
  return { status: ok ? 'ok' : 'unavailable', checks: report };
}

/**
 * Serves `/metrics` (Prometheus text format), `/healthz` (the process answers: 200)
 * and `/readyz` (200 when every check passes, else 503 with each check's error) on
 * its own port, away from any public API. Resolves once listening.
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
  const server: Server = createServer((req, res) => {
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
      void runReadinessChecks(checks, timeoutMs).then((report) => {
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
  });
  // Probes and scrapes are short; do not let an idle keep-alive socket delay stop().
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host && config.host !== '0.0.0.0' ? config.host : '127.0.0.1';
  log?.info({ port }, 'ops server listening');
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
