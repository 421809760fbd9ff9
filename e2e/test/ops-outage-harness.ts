/**
 * What the outage tests share: a redis-server of the test's own on a free port (started
 * and stopped at will, the shared stack never touched) and a probe of an app's ops port.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
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

/** The settings an app under an outage test runs with: its ops port, a 2-minute outage limit. */
export function ridingOutSettings(opsPort: number): Record<string, string> {
  return {
    HERALD_METRICS_HOST: '127.0.0.1',
    HERALD_METRICS_PORT: String(opsPort),
    HERALD_DEPENDENCY_OUTAGE_MS: '120000',
    HERALD_SHUTDOWN_TIMEOUT_MS: '5000',
    HERALD_LOG_LEVEL: 'warn',
  };
}

/** An app's main.js as its own process, its output kept for the assertions and failures. */
export interface AppProcess {
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code. */
  terminate(): Promise<number | null>;
}

/** Starts `main` with only `env` (and PATH); `defer` gets a SIGKILL for a process left running. */
export function startApp(
  main: string,
  env: Record<string, string>,
  defer: (cleanup: () => void) => void,
): AppProcess {
  let output = '';
  const child = spawn(process.execPath, [main], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  defer(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return {
    child,
    output: () => output,
    terminate() {
      child.kill('SIGTERM');
      return new Promise((resolve) =>
        child.exitCode === null ? child.on('exit', resolve) : resolve(child.exitCode),
      );
    },
  };
}
