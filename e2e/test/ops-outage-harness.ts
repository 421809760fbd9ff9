/**
 * What the outage tests share: a redis-server of the test's own on a free port (started
 * and stopped at will, the shared stack never touched) and a probe of an app's ops port.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface OwnRedis {
  readonly url: string;
  start(): void;
  stop(): void;
}

/** A redis-server on 127.0.0.1:`port` with its files in `dir`, no persistence. */
export function ownRedis(dir: string, port: number): OwnRedis {
  return {
    url: `redis://127.0.0.1:${port}`,
    start() {
      execFileSync('redis-server', [
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...['--dir', dir, '--daemonize', 'yes', '--pidfile', join(dir, `redis-${port}.pid`)],
      ]);
    },
    stop() {
      try {
        execFileSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave'], { stdio: 'ignore' });
      } catch {
        // not running
      }
    },
  };
}

/** An ops endpoint's JSON body. */
export interface ReadyBody {
  status: string;
  since?: string;
  checks: Record<string, { ok: boolean; error?: string; since?: string }>;
}

/** An ops endpoint's status and body; status 0 when nothing listens (yet). */
export async function opsProbe(
  port: number,
  path: 'readyz' | 'healthz',
): Promise<{ status: number; body?: ReadyBody }> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/${path}`);
    return { status: res.status, body: (await res.json()) as ReadyBody };
  } catch {
    return { status: 0 };
  }
}
