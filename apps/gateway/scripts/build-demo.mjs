// Bundles @herald/inbox-client (its built ESM) into one browser file for the demo
// page, dist/inbox-client.js. esbuild: one call, no config, ~50 ms.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../../../packages/inbox-client/dist/index.js', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  outfile: new URL('../dist/inbox-client.js', import.meta.url).pathname,
  logLevel: 'warning',
});
