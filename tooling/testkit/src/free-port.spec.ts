import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { freePort, freePorts } from './free-port.js';

const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number);

async function listen(port: number): Promise<() => Promise<void>> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return () => new Promise((resolve) => server.close(() => resolve()));
}

it('gives distinct ports below the ephemeral range that a server can listen on', async () => {
  const ports = await freePorts(8);
  expect(new Set(ports).size).toBe(8);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(ephemeralLow!);
    const close = await listen(port);
    await close();
  }
  expect(await freePort()).toBeLessThan(ephemeralLow!);
});

it('never gives a port something already listens on', async () => {
  // 500 listeners in a range of about 12,700 ports: 200 draws of a picker that ignored
  // them would hit one with a probability of 1 - (1 - 500/12,700)^200 > 0.9995.
  const taken = await freePorts(500);
  const closers = await Promise.all(taken.map(listen));
  try {
    const drawn = await freePorts(200);
    expect(drawn.filter((port) => taken.includes(port))).toEqual([]);
  } finally {
    await Promise.all(closers.map((close) => close()));
  }
});
