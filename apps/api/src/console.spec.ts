import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import type { Logger } from '@herald/core';
import { registerConsole } from './console.js';

function recordingLogger(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: (_f, m) => void lines.push(`info ${m}`),
    warn: (_f, m) => void lines.push(`warn ${m}`),
    error: (_f, m) => void lines.push(`error ${m}`),
    child: () => log,
  };
  return log;
}

describe('registerConsole', () => {
  it('without a build: the server still starts, says why once, /console is 404', async () => {
    const lines: string[] = [];
    const server = Fastify();
    await registerConsole(server, recordingLogger(lines), undefined);
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    expect(lines).toEqual([expect.stringMatching(/^warn console not built .*npm run build/)]);
    expect((await fetch(`${url}/console/`)).status).toBe(404);
    await server.close();
  });

  it('with a build: index.html under /console/ with a strict CSP; /console redirects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'console-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>Herald console</title>');
    const server = Fastify();
    await registerConsole(server, recordingLogger([]), dir);
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Herald console');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const bare = await fetch(`${url}/console`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([302, '/console/']);
    await server.close();
    await rm(dir, { recursive: true });
  });
});
