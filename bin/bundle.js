// Where the install-time bundle of src/ lives, and whether it is still current. Shared by build.js (npm's prepare
// script) and duckbird.js (the CLI).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const SRC = join(import.meta.dirname, '../src');
export const BUNDLE = join(import.meta.dirname, '../node_modules/.cache/duckbird/main.mjs');

/** The newest modification time of any file under `dir`. */
export function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when the bundle exists and no source file changed after it was built. */
export function bundleIsCurrent() {
  try {
    return statSync(BUNDLE).mtimeMs >= newestMtime(SRC);
  } catch {
    return false;
  }
}
