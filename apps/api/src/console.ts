import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@herald/core';

/**
 * Where the console's build output is: apps/console's dist/ (`npm run build` builds it
 * before the api, which depends on it), or undefined when it was not built.
 */
export function consoleDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@herald/console/package.json');
    const dir = join(dirname(pkg), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

// The console loads only its own files and calls only this origin's /v1: anything else
// (an injected script, a key sent elsewhere) is refused by the browser.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The web console under /console/: static files only (it has no backend of its own;
 * every screen calls /v1 with the user's key). Without a build the api starts anyway,
 * says so once, and /console answers 404.
 */
export async function registerConsole(
  server: FastifyInstance,
  log: Logger,
  dir: string | undefined,
): Promise<void> {
  if (!dir) {
    log.warn(
      {},
      'console not built (apps/console/dist missing): /console is off; run `npm run build` to serve it',
    );
    return;
  }
  await server.register(async (scope) => {
    scope.addHook('onSend', async (_req, reply) => {
      void reply.header('content-security-policy', CSP);
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'no-referrer');
    });
    scope.get('/console', (_req, reply) => reply.redirect('/console/'));
    await scope.register(fastifyStatic, { root: dir, prefix: '/console/', index: 'index.html' });
  });
  log.info({ dir }, 'console served at /console/');
}
