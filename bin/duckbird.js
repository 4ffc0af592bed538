#!/usr/bin/env node
// Starts from the bundle `npm ci` built (bin/build.js) when no source file changed since; otherwise runs the
// TypeScript sources through tsx, so an edited source is never served stale and there is no build step to forget.
import { pathToFileURL } from 'node:url';
import { BUNDLE, bundleIsCurrent } from './bundle.js';

if (bundleIsCurrent()) {
  await import(pathToFileURL(BUNDLE).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
