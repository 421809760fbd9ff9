import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

// Below the ephemeral range, above the ports people give their own services by hand
// (this repo's shared stack listens on 15432, 16379, 18081 and 19092).
const lowest = 20_000;

/** Where Linux starts the local ports of outgoing connections; IANA's start elsewhere. */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    if (low > 0) return low;
  } catch {
    // not Linux: fall through
  }
  return 49_152;
}

function listenOn(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const bound = (server.address() as { port: number }).port;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * `count` distinct ports on 127.0.0.1 that nothing listens on now, for services a test
 * or script starts itself (its own Postgres, Kafka, Redis, registry), so two runs on one
 * machine never meet.
 *
 * They are taken below the kernel's ephemeral range, because those services are stopped
 * and started again on the same port (outage tests, the chaos suite), and while one is
 * down an ephemeral port can be taken by any outgoing connection on the machine, even by
 * the service's own clients retrying it: a client connecting to 127.0.0.1:P while nothing
 * listens can be given P as its local port and connect to itself. The service then cannot
 * listen on P again. No outgoing connection is given a port outside the range.
 */
export async function freePorts(count: number): Promise<number[]> {
  const span = ephemeralLow() - lowest;
  const ports = new Set<number>();
  for (let tries = 0; ports.size < count && span > 0 && tries < count * 200; tries++) {
    const candidate = lowest + Math.floor(Math.random() * span);
    if (!ports.has(candidate) && (await listenOn(candidate)) !== undefined) ports.add(candidate);
  }
  // A machine whose ephemeral range starts low: any free port, as the kernel picks it.
  while (ports.size < count) {
    const port = await listenOn(0);
    if (port !== undefined) ports.add(port);
  }
  return [...ports];
}

/** One port, as {@link freePorts}. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port!;
}
