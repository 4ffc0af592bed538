// Deploys and builds from the `tinybird` CLI (clients.md §2.2–2.3, spec §7.3): the uploaded datafiles replace the
// served project at once (no staging: a deployment is live when the answer arrives) and are kept in
// `<data>/_deployment/`, which a restart serves instead of the project folder.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { loadProject } from '../datafiles/load-project.ts';
import { BadRequestError } from '../errors.ts';
import type { Duckbird } from './duckbird.ts';
import { applyChange, migrateDatasources, planChange, planOptions, type ProjectChange } from './project-reload.ts';

export const DEPLOYMENT_DIR = '_deployment';
/** Inside the deployment folder; a dot file, so loadProject skips it. */
const RECORD_FILE = '.deployment.json';

export interface UploadedFile {
  readonly filename: string;
  readonly text: string;
}

export interface DeployError {
  readonly filename: string;
  readonly error: string;
}

export interface DeployOutcome {
  readonly result: 'success' | 'failed' | 'no_changes';
  readonly id: string;
  readonly createdAt: string;
  readonly change: ProjectChange;
  readonly errors: readonly DeployError[];
}

export interface DeploymentRecord {
  readonly id: string;
  readonly created_at: string;
}

const DATAFILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.(datasource|pipe|connection)$/;

function toErrors(messages: readonly string[]): DeployError[] {
  return messages.map((m) => {
    const match = /^(.*?):(\d+): ([\s\S]*)$/.exec(m);
    // The CLI prints `filename: error`, so the error carries only the line.
    return match ? { filename: match[1]!, error: match[2] === '1' ? match[3]! : `line ${match[2]}: ${match[3]}` } : { filename: '', error: m };
  });
}

/** The live deployment's record, if the data folder has one. */
export async function currentDeployment(dataDir: string): Promise<DeploymentRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(resolve(dataDir), DEPLOYMENT_DIR, RECORD_FILE), 'utf8')) as DeploymentRecord;
  } catch {
    return undefined;
  }
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Validates `files` as a whole project and, unless `check`, serves it and keeps it. Any error (a datafile that does
 * not parse, a template that does not validate, a schema change whose stored rows cannot be migrated, a data source
 * dropped with rows without `destructive`) fails the whole deploy and changes nothing.
 */
export function deployProject(app: Duckbird, files: readonly UploadedFile[], opts: { check: boolean; destructive: boolean }): Promise<DeployOutcome> {
  const run = queue.then(() => deployLocked(app, files, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function deployLocked(app: Duckbird, files: readonly UploadedFile[], opts: { check: boolean; destructive: boolean }): Promise<DeployOutcome> {
  if (files.length === 0) throw new BadRequestError('No datafiles in the request: send each one as a multipart part named "data_project://"');
  const dataDir = resolve(app.config.data);
  const previous = await currentDeployment(dataDir);
  const id = String(Number(previous?.id ?? 0) + 1);
  const createdAt = new Date().toISOString();
  const staging = join(dataDir, '_tmp', `deploy-${randomUUID()}`);
  await mkdir(staging, { recursive: true });
  let keep = false;
  try {
    const badNames: string[] = [];
    for (const f of files) {
      if (!DATAFILE_NAME.test(f.filename)) badNames.push(`${f.filename}:1: not a datafile name (expected <name>.datasource, .pipe or .connection)`);
      // Connections (Kafka, S3...) have nothing to connect to here; they are accepted and ignored.
      else if (!f.filename.endsWith('.connection')) await writeFile(join(staging, f.filename), f.text);
    }
    const next = await loadProject(staging, app.env);
    const change = planChange(app.project, { ...next, dir: app.project.dir, fixtures: app.project.fixtures, errors: [...badNames, ...next.errors] }, planOptions(app, opts.destructive));
    const errors = toErrors(change.errors);
    if (errors.length > 0) return { result: 'failed', id, createdAt, change, errors };
    const changed = [change.newDatasources, change.changedDatasources, change.deletedDatasources, change.newPipes, change.changedPipes, change.deletedPipes].some((l) => l.length > 0);
    if (!changed) return { result: 'no_changes', id: previous?.id ?? id, createdAt, change, errors };
    // Tinybird migrates a changed data source into the staging deployment and discards it when a row does not fit
    // (spec §9.2 FORWARD_QUERY): the migration's SELECT runs over the stored rows first, changing nothing.
    const checked = await migrateDatasources(app, change, { dryRun: true });
    if (checked.errors.length > 0) return { result: 'failed', id, createdAt, change: checked, errors: toErrors(checked.errors) };
    if (opts.check) return { result: 'success', id, createdAt, change, errors };
    // Before the files are swapped: a migration that fails now (rows arrived since the check) leaves them as they were.
    const migrated = await migrateDatasources(app, change);
    if (migrated.errors.length > 0) return { result: 'failed', id, createdAt, change: migrated, errors: toErrors(migrated.errors) };
    const record: DeploymentRecord = { id, created_at: createdAt };
    await writeFile(join(staging, RECORD_FILE), JSON.stringify(record));
    const target = join(dataDir, DEPLOYMENT_DIR);
    const old = join(dataDir, '_tmp', `deployment-old-${randomUUID()}`);
    await rename(target, old).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    await rename(staging, target);
    keep = true;
    await rm(old, { recursive: true, force: true });
    await applyChange(app, { ...change, project: { ...change.project, dir: target } });
    return { result: 'success', id, createdAt, change, errors };
  } finally {
    if (!keep) await rm(staging, { recursive: true, force: true });
  }
}
