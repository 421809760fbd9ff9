/**
 * The start-up ops listener over real HTTP: it answers while an app is still trying to
 * start (/healthz 200, /readyz 503 naming the dependency and since when), the app's own
 * ops server takes the same port over once started, and hands it back when it stops.
 */
import {
  createHeraldMetrics,
  openStartupOps,
  startOpsServer,
  type StartupOps,
} from '@herald/telemetry';

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

let startup: StartupOps | undefined;
afterEach(() => startup?.close());

it('answers during start-up, then the app answers on the same port, then start-up again', async () => {
  let now = Date.parse('2026-03-01T10:00:00.000Z');
  startup = await openStartupOps({ port: 0, host: '127.0.0.1', now: () => now });

  expect(await get(`${startup.url}/healthz`)).toEqual({ status: 200, body: '{"status":"ok"}\n' });
  const starting = await get(`${startup.url}/readyz`);
  expect(starting.status).toBe(503);
  expect(JSON.parse(starting.body)).toEqual({
    status: 'unavailable',
    checks: {
      starting: { ok: false, error: 'the app is starting', since: '2026-03-01T10:00:00.000Z' },
    },
    since: '2026-03-01T10:00:00.000Z',
  });
  expect((await get(`${startup.url}/metrics`)).status).toBe(503);
  expect((await fetch(`${startup.url}/readyz`, { method: 'POST' })).status).toBe(405);

  // An attempt failed on Redis; probes a minute apart keep its first time.
  now = Date.parse('2026-03-01T10:00:05.000Z');
  startup.dependencyDown('redis', 'connect ECONNREFUSED 127.0.0.1:6390');
  await get(`${startup.url}/readyz`);
  now = Date.parse('2026-03-01T10:01:05.000Z');
  const down = await get(`${startup.url}/readyz`);
  expect(down.status).toBe(503);
  expect(JSON.parse(down.body)).toEqual({
    status: 'unavailable',
    checks: {
      redis: {
        ok: false,
        error: 'connect ECONNREFUSED 127.0.0.1:6390',
        since: '2026-03-01T10:00:05.000Z',
      },
    },
    since: '2026-03-01T10:00:05.000Z',
  });
  expect((await get(`${startup.url}/healthz`)).status).toBe(200);

  // Started: the app's ops server answers on the very same port.
  const app = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry: createHeraldMetrics({ processMetrics: false }).registry,
    checks: { redis: () => 'PONG' },
  });
  expect(app.port).toBe(startup.port);
  expect(await get(`${startup.url}/readyz`)).toEqual({
    status: 200,
    body: '{"status":"ok","checks":{"redis":{"ok":true}}}\n',
  });
  expect((await get(`${startup.url}/metrics`)).body).toContain('herald_');
  // Only one app answers there: another ops server binds a port of its own.
  const other = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    registry: createHeraldMetrics({ processMetrics: false }).registry,
  });
  expect(other.port).not.toBe(startup.port);
  await other.stop();

  // Stopped (shutting down, or a failed start undone): start-up answers again, not ready.
  await app.stop();
  expect((await get(`${startup.url}/readyz`)).status).toBe(503);
  expect((await get(`${startup.url}/healthz`)).status).toBe(200);
  await startup.close();
  await expect(fetch(`${startup.url}/healthz`)).rejects.toThrow();
});

it('is one per process', async () => {
  startup = await openStartupOps({ port: 0, host: '127.0.0.1' });
  await expect(openStartupOps({ port: 0, host: '127.0.0.1' })).rejects.toThrow(/open already/);
});
