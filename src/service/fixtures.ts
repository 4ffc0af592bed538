// Sample rows from `fixtures/<ds>.ndjson` go in through the same ingest path as events (spec §9.5), only into data
// sources that are still empty, so a restart never loads them twice.
import { readFile } from 'node:fs/promises';
import type { Project } from '../datafiles/types.ts';
import type { Duckbird } from './duckbird.ts';

export async function loadFixtures(app: Duckbird, project: Project): Promise<void> {
  for (const f of project.fixtures) {
    if (f.format !== 'ndjson') continue;
    if (!app.storage.has(f.datasource) || app.storage.stats(f.datasource).rows > 0) continue;
    await app.ingest(f.datasource, await readFile(f.path, 'utf8'), true);
  }
}
