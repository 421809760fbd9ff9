// The name of the Herald app a preload runs in, from the script node was started with:
// <checkout>/apps/<app>/dist/main.js → <app>. Shared by the e2e bench's preloads.
import { basename, dirname } from 'node:path';

export const appName = () => basename(dirname(dirname(process.argv[1] ?? 'unknown/unknown/x')));
