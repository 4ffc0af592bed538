#!/usr/bin/env node
// Bundles src/main.ts into one ES module (npm runs this as the `prepare` script, so `npm ci` leaves a fresh bundle).
// Starting from it skips compiling ~100 TypeScript files at every start (about a second on a small machine).
// esbuild comes with tsx; without it duckbird still runs, through tsx.
import { BUNDLE } from './bundle.js';
import { join } from 'node:path';

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('duckbird: esbuild is not installed; the CLI will compile the TypeScript sources at each start');
  process.exit(0);
}
await esbuild.build({
  entryPoints: [join(import.meta.dirname, '../src/main.ts')],
  outfile: BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
