// Swapping the served project while the process runs: `duckbird dev` (file watching) and deploys (deploy.ts) both
// compute a ProjectChange against the project being served and apply it at once. A file that does not parse or
// whose templates do not validate keeps its last good version serving; a data source whose schema changed has its
// stored rows migrated (storage alterDatasource, spec §9.2 FORWARD_QUERY), or keeps its last good version when they
// cannot be, with the reason as `file:line: message`.
import { watch, type FSWatcher } from 'node:fs';
import type { DatasourceFile, PipeFile, Project } from '../datafiles/types.ts';
import { loadProject } from '../datafiles/load-project.ts';
import type { Duckbird } from './duckbird.ts';
import { validateProject } from './validate-project.ts';
import { loadFixtures } from './fixtures.ts';
import { isApiDatasource } from './datasources.ts';
import { SchemaMigrationError } from '../storage/schema-migration.ts';

export interface ProjectChange {
  /** What to serve after the change: the new files, with the last good version of each broken or refused one. */
  readonly project: Project;
  readonly newDatasources: readonly string[];
  readonly changedDatasources: readonly string[];
  /** Of the changed ones, those whose columns or engine changed: their stored rows are migrated (migrateDatasources). */
  readonly migratedDatasources: readonly string[];
  readonly deletedDatasources: readonly string[];
  readonly newPipes: readonly string[];
  readonly changedPipes: readonly string[];
  readonly deletedPipes: readonly string[];
  /** `file:line: message` for every file left out or refused. */
  readonly errors: readonly string[];
}

const errorPath = (message: string): string => /^(.*?):\d+: /.exec(message)?.[1] ?? '';

/** Columns and engine: what the stored rows depend on. A FORWARD_QUERY alone changes nothing (spec §9.2). */
const schemaOf = (ds: DatasourceFile): string => JSON.stringify([ds.columns, ds.engine]);

export interface PlanOptions {
  /** Drop data sources that hold rows (deploy's `allow_destructive_operations=true`). */
  readonly destructive: boolean;
  /** Rows stored per data source, to tell whether dropping it loses data. */
  readonly rows: (name: string) => number;
}

/**
 * Compares `next` (freshly loaded, maybe with errors) with `current` (being served). Files named in `next.errors`
 * and pipes whose templates do not validate keep their current version; the errors say why.
 */
export function planChange(current: Project, next: Project, opts: PlanOptions): ProjectChange {
  const errors = [...next.errors];
  const broken = new Set(next.errors.map(errorPath));

  const datasources: DatasourceFile[] = [];
  const newDs: string[] = [];
  const changedDs: string[] = [];
  const migratedDs: string[] = [];
  const nextDsNames = new Set(next.datasources.map((d) => d.name));
  for (const ds of next.datasources) {
    const old = current.datasources.find((d) => d.name === ds.name);
    if (!old) {
      newDs.push(ds.name);
      datasources.push(ds);
    } else if (schemaOf(old) !== schemaOf(ds)) {
      changedDs.push(ds.name);
      migratedDs.push(ds.name);
      datasources.push(ds);
    } else {
      if (old.text !== ds.text) changedDs.push(ds.name);
      datasources.push(ds);
    }
  }
  const deletedDs: string[] = [];
  for (const old of current.datasources) {
    if (nextDsNames.has(old.name)) continue;
    // Data sources created through the Data Sources API live in the data dir, not in the project folder.
    if (broken.has(old.path) || isApiDatasource(old)) {
      datasources.push(old);
    } else if (opts.rows(old.name) > 0 && !opts.destructive) {
      errors.push(`${old.path}:1: data source ${old.name} holds ${opts.rows(old.name)} rows and is kept: removing it would delete them`);
      datasources.push(old);
    } else deletedDs.push(old.name);
  }

  const pipes: PipeFile[] = [];
  const newPipes: string[] = [];
  const changedPipes: string[] = [];
  const nextPipeNames = new Set<string>();
  for (const pipe of next.pipes) {
    const old = current.pipes.find((p) => p.name === pipe.name);
    const problems = validateProject({ ...next, pipes: [pipe] });
    if (problems.length > 0) {
      errors.push(...problems);
      if (old) {
        pipes.push(old);
        nextPipeNames.add(old.name);
      }
      continue;
    }
    nextPipeNames.add(pipe.name);
    pipes.push(pipe);
    if (!old) newPipes.push(pipe.name);
    else if (old.text !== pipe.text) changedPipes.push(pipe.name);
  }
  const deletedPipes: string[] = [];
  for (const old of current.pipes) {
    if (nextPipeNames.has(old.name)) continue;
    if (broken.has(old.path)) pipes.push(old);
    else deletedPipes.push(old.name);
  }

  return {
    project: { ...next, datasources, pipes, errors },
    newDatasources: newDs,
    changedDatasources: changedDs,
    migratedDatasources: migratedDs,
    deletedDatasources: deletedDs,
    newPipes,
    changedPipes,
    deletedPipes,
    errors,
  };
}

export function planOptions(app: Duckbird, destructive = false): PlanOptions {
  return {
    destructive,
    rows: (name) => (app.storage.has(name) ? app.storage.stats(name).rows : 0),
  };
}

/**
 * Creates the new data sources and loads their fixtures, serves the new project and its datafile tokens, then drops
 * the removed data sources: no request sees a pipe whose data source is missing or not yet filled.
 */
export async function applyChange(app: Duckbird, change: ProjectChange): Promise<string[]> {
  for (const name of change.newDatasources) await app.storage.addDatasource(change.project.datasources.find((d) => d.name === name)!);
  // Before the fixtures, so their rows flow through the views; a new view is populated from what is stored.
  const viewErrors = await app.applyViews(change.project);
  if (change.newDatasources.length > 0 && app.config.fixtures) {
    const fixtures = change.project.fixtures.filter((f) => change.newDatasources.includes(f.datasource));
    await loadFixtures(app, { ...change.project, fixtures });
  }
  app.replaceProject(change.project);
  // TOKEN lines take effect with the files that hold them, as at start (spec §6.3).
  await app.tokens.syncDatafileTokens(change.project);
  for (const name of change.deletedDatasources) await app.storage.dropDatasource(name);
  return viewErrors;
}

export function describeChange(c: ProjectChange): string[] {
  const out: string[] = [];
  for (const n of c.newDatasources) out.push(`data source ${n} created`);
  for (const n of c.changedDatasources) out.push(`data source ${n} ${c.migratedDatasources.includes(n) ? 'migrated to its new schema' : 'updated'}`);
  for (const n of c.deletedDatasources) out.push(`data source ${n} dropped`);
  for (const n of c.newPipes) out.push(`pipe ${n} created`);
  for (const n of c.changedPipes) out.push(`pipe ${n} updated`);
  for (const n of c.deletedPipes) out.push(`pipe ${n} removed`);
  return out;
}

/** Reloads the project folder into `app` once: the changes applied and the problems found. */
export async function reloadProject(app: Duckbird, dir: string, env: Readonly<Record<string, string | undefined>>): Promise<ProjectChange> {
  const next = await loadProject(dir, env);
  const change = await migrateDatasources(app, planChange(app.project, next, planOptions(app)));
  const viewErrors = await applyChange(app, change);
  return { ...change, errors: [...change.errors, ...viewErrors] };
}

/**
 * Migrates the stored rows of every data source whose schema changed (before the project that reads them is served).
 * One that cannot be migrated keeps its last good version: it is put back in the returned change, with its error as
 * `file:line: message`. With `dryRun` (deploy --check) nothing changes; the errors are the same.
 */
export async function migrateDatasources(app: Duckbird, change: ProjectChange, opts: { dryRun?: boolean } = {}): Promise<ProjectChange> {
  const refused = new Map<string, string>();
  for (const name of change.migratedDatasources) {
    const next = change.project.datasources.find((d) => d.name === name)!;
    try {
      await app.storage.alterDatasource(next, { dryRun: opts.dryRun });
    } catch (e) {
      if (!(e instanceof SchemaMigrationError)) throw e;
      refused.set(name, `${next.path}:${e.line}: ${e.message}`);
    }
  }
  if (refused.size === 0) return change;
  const errors = [...change.errors, ...refused.values()];
  const keep = (n: string) => !refused.has(n);
  return {
    ...change,
    project: {
      ...change.project,
      datasources: change.project.datasources.map((d) => (refused.has(d.name) ? (app.project.datasources.find((o) => o.name === d.name) ?? d) : d)),
      errors,
    },
    changedDatasources: change.changedDatasources.filter(keep),
    migratedDatasources: change.migratedDatasources.filter(keep),
    errors,
  };
}

export interface ProjectWatcher {
  /** Resolves when the reloads started so far are done (tests wait on it). */
  settled(): Promise<void>;
  close(): void;
}

/**
 * Watches `dir` (recursively) and reloads ~100 ms after the last change, one reload at a time. `log` gets one line
 * per change applied and one `file:line: message` per problem; problems that stay are not repeated.
 */
export function watchProject(
  app: Duckbird,
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
  log: (line: string) => void,
  debounceMs = 100,
): ProjectWatcher {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let shown = new Set<string>();
  const run = () => {
    running = running.then(async () => {
      try {
        const change = await reloadProject(app, dir, env);
        for (const line of describeChange(change)) log(`reloaded: ${line}`);
        const now = new Set(change.errors);
        for (const e of now) if (!shown.has(e)) log(e);
        if (now.size === 0 && shown.size > 0) log('reloaded: every datafile is valid again');
        shown = now;
      } catch (e) {
        log(`reload failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    });
  };
  const watcher: FSWatcher = watch(dir, { recursive: true }, (_event, file) => {
    if (file && !/\.(datasource|pipe|ndjson|csv|incl)$/.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(run, debounceMs);
  });
  return {
    async settled() {
      await running;
    },
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
