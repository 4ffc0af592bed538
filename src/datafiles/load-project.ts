// Finds and parses a Tinybird project on disk: `*.datasource` / `*.pipe` anywhere under the project dir (the
// CLI's datasources/, endpoints/, pipes/, materializations/, copies/, sinks/ or a flat layout) and sample rows in
// `fixtures/<datasource>.ndjson|csv` (spec §9.5). The only datafiles module that touches the file system.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { DatafileError } from '../errors.ts';
import { parseDatasource } from './parse-datasource.ts';
import { parsePipe } from './parse-pipe.ts';
import type { Vars } from './substitute-vars.ts';
import type { DatasourceFile, Fixture, PipeFile, Project } from './types.ts';

interface Found {
  readonly datafiles: string[];
  readonly fixtures: string[];
}

async function walk(dir: string, found: Found, inFixtures: boolean): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) await walk(full, found, e.name === 'fixtures');
    else if (e.isFile() && /\.(datasource|pipe)$/.test(e.name)) found.datafiles.push(full);
    else if (e.isFile() && inFixtures && /\.(ndjson|csv)$/.test(e.name)) found.fixtures.push(full);
  }
}

const slash = (p: string): string => p.split(sep).join('/');

/**
 * Parses every datafile under `dir`. A file that does not parse, or whose name (file base name) is already taken
 * by another datasource or pipe, is reported in `errors` as `file:line: message` (path relative to `dir`) and
 * left out; the others still load. `env` feeds `$VAR` substitution.
 */
export async function loadProject(dir: string, env: Vars = {}): Promise<Project> {
  const found: Found = { datafiles: [], fixtures: [] };
  await walk(dir, found, false);
  const rel = (p: string): string => slash(relative(dir, p));
  // Datasources first so that a pipe named like a datasource is the one reported; code-point order so the
  // result does not depend on the locale.
  const order = (p: string): string => `${p.endsWith('.datasource') ? 0 : 1}${rel(p)}`;
  const byOrder = (a: string, b: string): number => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0);
  found.datafiles.sort(byOrder);
  found.fixtures.sort(byOrder);

  const datasources: DatasourceFile[] = [];
  const pipes: PipeFile[] = [];
  const errors: string[] = [];
  const owner = new Map<string, string>();

  for (const file of found.datafiles) {
    const path = rel(file);
    const text = await readFile(file, 'utf8');
    // Includes are relative to the including datafile, as in the classic CLI.
    const options = { env, readInclude: (p: string) => readFileSync(join(dirname(file), p), 'utf8') };
    try {
      const parsed = file.endsWith('.datasource') ? parseDatasource(text, path, options) : parsePipe(text, path, options);
      const other = owner.get(parsed.name);
      if (other !== undefined) throw new DatafileError(path, 1, `Duplicate name ${parsed.name}: already defined in ${other}`);
      owner.set(parsed.name, path);
      if (parsed.kind === 'datasource') datasources.push(parsed);
      else pipes.push(parsed);
    } catch (e) {
      errors.push(e instanceof DatafileError ? e.message : `${path}:1: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const fixtures: Fixture[] = found.fixtures.map((f) => {
    const name = f.slice(f.lastIndexOf(sep) + 1);
    const format = name.endsWith('.csv') ? 'csv' : 'ndjson';
    return { datasource: name.slice(0, -(format.length + 1)), path: f, format };
  });

  return { dir, datasources, pipes, fixtures, errors };
}
