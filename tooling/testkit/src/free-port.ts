import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that nothing listens on right now, for a service a test starts
 * itself (its own Postgres, its own registry), so two runs on one machine never meet.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
