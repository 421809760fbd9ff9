import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

const assets: Record<string, { file: URL; type: string }> = {
  '/demo': {
    file: new URL('../demo/index.html', import.meta.url),
    type: 'text/html; charset=utf-8',
  },
  '/demo/inbox-client.js': {
    file: new URL('../dist/inbox-client.js', import.meta.url),
    type: 'text/javascript; charset=utf-8',
  },
};

/**
 * The demo inbox page: plain HTML and the inbox-client bundle (built by
 * `npm run build`, esbuild). Token from `?token=` (printed by `npm run demo`).
 */
export function registerDemoRoutes(server: FastifyInstance): void {
  for (const [path, asset] of Object.entries(assets)) {
    server.get(path, async (_req, reply) => {
      try {
        const body = await readFile(asset.file);
        return reply
          .header('content-type', asset.type)
          .header('cache-control', 'no-cache')
          .send(body);
      } catch {
        return reply
          .code(404)
          .send({ message: 'demo assets are not built: npm run build -w @herald/gateway' });
      }
    });
  }
}
