// The package entry for plain Node: registers tsx (as bin/duckbird.js does), then loads the TypeScript sources.
// TypeScript-aware tools (vitest, tsx) resolve `types` / the `.ts` source directly.
import { register } from 'tsx/esm/api';

register();
const { startDuckbird, launch } = await import('./index.ts');
export { startDuckbird, launch };
