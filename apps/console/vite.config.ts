import { defineConfig } from 'vite';

/**
 * The console is a static single-page app: `vite build` writes dist/, which apps/api
 * serves under /console/. Preact through Oxc's automatic JSX runtime (no plugin
 * needed); `base` makes every asset URL absolute under /console/.
 */
export default defineConfig({
  root: 'src',
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: true },
});
