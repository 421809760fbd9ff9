import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Listens on `port` (0: a free one) and `host`; resolves with the port and the URL a
 * local client uses (`0.0.0.0` is reached as 127.0.0.1). Probes and scrapes are short,
 * so an idle keep-alive socket is not kept long enough to delay a stop.
 */
export async function listenOps(
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; url: string }> {
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const local = host !== '0.0.0.0' ? host : '127.0.0.1';
  return { port: bound, url: `http://${local.includes(':') ? `[${local}]` : local}:${bound}` };
}

/** Closes the listener and every open connection; resolves once closed. */
export function closeOps(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
