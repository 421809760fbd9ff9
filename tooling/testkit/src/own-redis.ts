/**
 * A redis-server (Debian's) that a test or a bench starts, stops and starts again on one
 * port of its own, so its commands and CPU are only its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

export interface OwnRedis {
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** `extra`: more redis-server arguments (e.g. cluster mode, later ones override). Data lives in memory only. */
export async function ownRedis(extra: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'herald-own-redis-'));
  let server: ChildProcess | undefined;
  const stop = async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server!.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    async start() {
      server = spawn(
        'redis-server',
        [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--save',
          '',
          '--appendonly',
          'no',
          ...extra,
        ],
        { cwd: dir, stdio: 'ignore' },
      );
      const started = server;
      const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null });
      probe.on('error', () => undefined); // refused until the server listens
      try {
        for (;;) {
          // A server that could not listen (its port taken) exits: say so, never wait on it.
          if (started.exitCode !== null || started.signalCode !== null) {
            throw new Error(
              `redis-server on 127.0.0.1:${port} exited (${started.exitCode ?? started.signalCode}) before it listened: see what holds the port (ss -ltnp 'sport = :${port}') and run the test again`,
            );
          }
          try {
            await probe.connect();
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      } finally {
        probe.disconnect();
      }
    },
    stop,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
