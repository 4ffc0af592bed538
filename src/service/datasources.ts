// Data Sources API use cases (spec §5): create from a schema, append/replace from NDJSON, CSV or Parquet, describe,
// export the datafile, truncate, delete rows by condition, drop, and the jobs those leave behind (spec §5.7).
//
// Data sources created through the API are kept as datafiles in `<data>/_datasources/<name>.datasource` and are
// served, after a restart too, alongside the project's own (a project file of the same name wins). Jobs are
// executed synchronously and kept in memory (spec §5.7 REC): a job is `done` or `error` when its request answers.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseDatasource } from '../datafiles/parse-datasource.ts';
import type { DatasourceFile, Project } from '../datafiles/types.ts';
import { AppError, BadRequestError, NotFoundError } from '../errors.ts';
import { referencedTables, translateSql } from '../sql/index.ts';
import { writeFileAtomic } from '../storage/durable-fs.ts';
import { DEFAULT_DIALECT, detectCsvHeader, splitCsvRecord, type CsvDialect, type ImportInput } from '../storage/import-conversion.ts';
import type { Duckbird } from './duckbird.ts';
import { eventLines } from './event-lines.ts';
import { hasScope, isAdmin, mayAppend, readFilters, type Principal } from './scopes.ts';

export const API_DATASOURCES_DIR = '_datasources';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_HELP = 'Data Source names must start with a letter or an underscore and contain only letters, numbers and underscores.';
const MODES = ['create', 'append', 'replace'] as const;
const FORMATS = ['csv', 'ndjson', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(403, message, { documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' });
  }
}

/** Whether a data source was created through the API (and may be dropped for good). */
export function isApiDatasource(ds: DatasourceFile): boolean {
  return ds.path.startsWith(`${API_DATASOURCES_DIR}/`);
}

/** `project` plus the data sources created through the API in `dataDir` (project files win on a name clash). */
export async function withApiDatasources(dataDir: string, project: Project): Promise<Project> {
  const dir = join(resolve(dataDir), API_DATASOURCES_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.datasource')).sort();
  const datasources = [...project.datasources];
  const errors = [...project.errors];
  for (const f of files) {
    const path = `${API_DATASOURCES_DIR}/${f}`;
    try {
      const ds = parseDatasource(await readFile(join(dir, f), 'utf8'), path);
      if (datasources.some((d) => d.name === ds.name)) errors.push(`${path}:1: data source ${ds.name} is declared in the project too; the project's file is served`);
      else datasources.push(ds);
    } catch (e) {
      errors.push(e instanceof AppError ? e.message : `${path}:1: ${String(e)}`);
    }
  }
  return { ...project, datasources, errors };
}

// --- jobs (spec §5.7) -------------------------------------------------------------------------------------------

export type Job = Record<string, unknown> & { readonly id: string; readonly kind: string; status: string };

const jobsOf = new WeakMap<Duckbird, Job[]>();
const MAX_JOBS = 1000;

function jobs(app: Duckbird): Job[] {
  let list = jobsOf.get(app);
  if (!list) jobsOf.set(app, (list = []));
  return list;
}

function recordJob(app: Duckbird, job: Job): Job {
  const list = jobs(app);
  list.push(job);
  if (list.length > MAX_JOBS) list.splice(0, list.length - MAX_JOBS);
  return job;
}

/** `2024-01-01 10:00:00.123456`, Tinybird's timestamp format. */
export function tinybirdTime(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** Records a finished job of `kind` on `ds`; `extra` adds kind-specific keys or overrides (copy-pipes.ts records copies). */
export function newJob(app: Duckbird, kind: string, ds: DatasourceFile, extra: Record<string, unknown>): Job {
  const id = randomUUID();
  const now = tinybirdTime(new Date());
  return recordJob(app, {
    kind,
    id,
    job_id: id,
    job_url: `${jobHost(app)}/v0/jobs/${id}`,
    status: 'done',
    created_at: now,
    updated_at: now,
    started_at: now,
    is_cancellable: false,
    datasource: { id: datasourceId(ds.name), name: ds.name },
    ...extra,
  });
}

function jobHost(app: Duckbird): string {
  return `http://${app.config.host}:${app.config.port}`;
}

export function listJobs(app: Duckbird, p: Principal, filter: { status?: string; kind?: string }): Job[] {
  return jobs(app)
    .filter((j) => (filter.status === undefined || j.status === filter.status) && (filter.kind === undefined || j.kind === filter.kind))
    .filter((j) => isAdmin(p) || mayRead(p, (j.datasource as { name: string }).name))
    .slice()
    .reverse();
}

export function getJob(app: Duckbird, p: Principal, id: string): Job {
  const job = jobs(app).find((j) => j.id === id);
  if (!job || !(isAdmin(p) || mayRead(p, (job.datasource as { name: string }).name))) throw new NotFoundError(`Job with id "${id}" not found`);
  return job;
}

// --- describing -------------------------------------------------------------------------------------------------

export function datasourceId(name: string): string {
  return `t_${createHash('sha256').update(name).digest('hex').slice(0, 32)}`;
}

function mayRead(p: Principal, name: string): boolean {
  return readFilters(p, name) !== null || hasScope(p, 'DATASOURCES:APPEND', name) || hasScope(p, 'DATASOURCES:DROP', name);
}

function columnSql(c: DatasourceFile['columns'][number]): string {
  return [
    `\`${c.name}\` ${c.type}`,
    c.defaultExpr !== null ? `DEFAULT ${c.defaultExpr}` : null,
    c.codec !== null ? c.codec : null,
    c.jsonpath !== null ? `\`json:${c.jsonpath}\`` : null,
  ]
    .filter((x) => x !== null)
    .join(' ');
}

function usedBy(app: Duckbird, name: string): { id: string; name: string }[] {
  const out: { id: string; name: string }[] = [];
  for (const pipe of app.project.pipes) {
    const uses = pipe.nodes.some((n) => {
      try {
        return n.sql.startsWith('%') ? new RegExp(`\\b${name}\\b`).test(n.sql) : referencedTables(n.sql).includes(name);
      } catch {
        return new RegExp(`\\b${name}\\b`).test(n.sql);
      }
    });
    if (uses) out.push({ id: datasourceId(pipe.name), name: pipe.name });
  }
  return out;
}

const startedAt = new WeakMap<Duckbird, string>();

/** spec §5.2/§5.3 data source JSON, with the engine keys both Tinybird's API and the TS SDK read. */
export function datasourceJson(app: Duckbird, ds: DatasourceFile): Record<string, unknown> {
  let created = startedAt.get(app);
  if (!created) startedAt.set(app, (created = tinybirdTime(new Date())));
  const stats = app.storage.has(ds.name) ? app.storage.stats(ds.name) : { rows: 0, bytes: 0, quarantineRows: 0 };
  const e = ds.engine;
  const engineParams: Record<string, string> = {};
  const add = (key: string, v: string | null | undefined) => {
    if (v) engineParams[key] = v;
  };
  add('sorting_key', e.sortingKey);
  add('partition_key', e.partitionKey);
  add('primary_key', e.primaryKey ?? e.sortingKey);
  add('sampling_key', e.samplingKey);
  add('ttl', e.ttl);
  add('ver', e.ver);
  add('is_deleted', e.isDeleted);
  add('sign', e.sign);
  add('version', e.version);
  add('summing_columns', e.summingColumns);
  add('settings', e.settings);
  const engine: Record<string, unknown> = { engine: e.engine, engine_full: engineFull(ds) };
  for (const [k, v] of Object.entries(engineParams)) {
    engine[`engine_${k}`] = v;
    engine[k] = v;
  }
  const columns = ds.columns.map((c) => ({
    name: c.name,
    type: c.type,
    codec: c.codec,
    default_value: c.defaultExpr,
    jsonpath: c.jsonpath,
    nullable: c.nullable,
    normalized_name: c.name,
  }));
  return {
    id: datasourceId(ds.name),
    name: ds.name,
    cluster: null,
    tags: {},
    created_at: created,
    updated_at: created,
    replicated: false,
    version: 0,
    project: null,
    headers: {},
    shared_with: [],
    engine,
    description: ds.description,
    used_by: usedBy(app, ds.name),
    type: ds.columns.some((c) => c.jsonpath !== null) ? 'ndjson' : 'csv',
    columns,
    schema: { columns, sql_schema: ds.columns.map(columnSql).join(', ') },
    statistics: { bytes: stats.bytes, row_count: stats.rows },
    indexes: [],
    new_columns_detected: {},
    quarantine_rows: stats.quarantineRows,
    ...(e.ttl ? { ttl: e.ttl } : {}),
    ...(ds.forwardQuery ? { forward_query: ds.forwardQuery } : {}),
  };
}

function engineFull(ds: DatasourceFile): string {
  const e = ds.engine;
  const parts = [e.engine];
  if (e.partitionKey) parts.push(`PARTITION BY ${e.partitionKey}`);
  parts.push(`ORDER BY ${e.sortingKey ? `(${e.sortingKey})` : 'tuple()'}`);
  if (e.ttl) parts.push(`TTL ${e.ttl}`);
  if (e.settings) parts.push(`SETTINGS ${e.settings}`);
  return parts.join(' ');
}

export function listDatasources(app: Duckbird, p: Principal, attrs?: readonly string[]): Record<string, unknown>[] {
  return app.project.datasources
    .filter((ds) => isAdmin(p) || mayRead(p, ds.name) || hasScope(p, 'DATASOURCES:CREATE'))
    .map((ds) => {
      const json = datasourceJson(app, ds);
      return attrs?.length ? Object.fromEntries(attrs.filter((a) => a in json).map((a) => [a, json[a]])) : json;
    });
}

export function describeDatasource(app: Duckbird, p: Principal, name: string): DatasourceFile {
  const ds = app.datasource(name);
  if (!ds) throw new NotFoundError(`Data Source "${name}" does not exist`);
  if (!isAdmin(p) && !mayRead(p, name) && !hasScope(p, 'DATASOURCES:CREATE')) {
    throw new ForbiddenError("The token you have provided doesn't have access to this resource");
  }
  return ds;
}

/** The datafile text: as written for project files, as generated for API-created ones. */
export function datafileText(ds: DatasourceFile): string {
  return ds.text;
}

// --- create -----------------------------------------------------------------------------------------------------

export type Params = Readonly<Record<string, string | undefined>>;

const ENGINE_KEYS = ['partition_key', 'sorting_key', 'primary_key', 'sampling_key', 'ttl', 'ver', 'is_deleted', 'sign', 'version', 'summing_columns', 'columns', 'settings'];

/** The `.datasource` text of a `mode=create` request (spec §5.1 `schema`, `engine`, `engine_*`). */
export function datafileFromParams(params: Params): string {
  const lines: string[] = [];
  if (params.description) lines.push('DESCRIPTION >', `    ${params.description.replaceAll('\n', '\n    ')}`, '');
  lines.push('SCHEMA >', ...params.schema!.split('\n').map((l) => `    ${l.trim()}`), '');
  const quote = (v: string) => (v.includes('"') ? v : `"${v}"`);
  if (params.engine) lines.push(`ENGINE ${quote(params.engine)}`);
  for (const k of ENGINE_KEYS) {
    const v = params[`engine_${k}`];
    if (v) lines.push(`ENGINE_${k.toUpperCase()} ${quote(v.replaceAll('\n', ' '))}`);
  }
  if (params.indexes) lines.push('', 'INDEXES >', ...params.indexes.split('\n').filter((l) => l.trim()).map((l) => `    ${l.trim()}`));
  return `${lines.join('\n')}\n`;
}

function requireName(name: string | undefined, message: string): string {
  if (!name) throw new BadRequestError(message);
  if (!NAME.test(name)) throw new BadRequestError(`Invalid Data Source name "${name}". ${NAME_HELP}`);
  return name;
}

/** `mode=create` with a schema: persists the datafile, then registers it with the storage engine. */
export async function createDatasource(app: Duckbird, p: Principal, params: Params): Promise<DatasourceFile> {
  if (!hasScope(p, 'DATASOURCES:CREATE')) throw new ForbiddenError('Token does not have DATASOURCES:CREATE scope, create mode requires the DATASOURCES:CREATE scope');
  const name = requireName(params.name, 'Data Source name must be set with mode=create');
  if (app.datasource(name)) throw new BadRequestError(`Data Source "${name}" already exists, use mode=append`);
  if (app.project.pipes.some((pp) => pp.name === name)) throw new BadRequestError(`A Pipe with the "${name}" name exists, Pipe and Data Source names are unique`);
  if (!params.schema) {
    throw new BadRequestError(
      params.format === 'ndjson' || params.format === 'parquet'
        ? "mode=create with format=ndjson or format=parquet requires to set parameter 'schema'."
        : "duckbird needs the parameter 'schema' to create a Data Source: it does not infer schemas from data",
    );
  }
  const path = `${API_DATASOURCES_DIR}/${name}.datasource`;
  const text = datafileFromParams(params);
  let ds: DatasourceFile;
  try {
    ds = parseDatasource(text, path);
  } catch (e) {
    // The datafile is ours; the user sent parameters, so the message drops the `file:line:` prefix.
    throw new BadRequestError(e instanceof AppError && 'detail' in e ? String((e as { detail: unknown }).detail) : (e as Error).message);
  }
  if (params.format === 'csv' && ds.columns.some((c) => c.jsonpath !== null && c.jsonpath !== `$.${c.name}`)) {
    throw new BadRequestError("Setting jsonpaths requires to set 'format=ndjson' or 'format=parquet', but it was not set.");
  }
  const dir = join(resolve(app.config.data), API_DATASOURCES_DIR);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, `${name}.datasource`), text);
  try {
    await app.storage.addDatasource(ds);
  } catch (e) {
    await rm(join(dir, `${name}.datasource`), { force: true });
    throw e;
  }
  app.replaceProject({ ...app.project, datasources: [...app.project.datasources, ds] });
  return ds;
}

/** The `mode=create` parameters that give back `ds` (its schema, description and engine settings). */
function paramsOf(ds: DatasourceFile): Record<string, string | undefined> {
  const e = ds.engine;
  const engine: Record<string, string | null | undefined> = {
    partition_key: e.partitionKey, sorting_key: e.sortingKey, primary_key: e.primaryKey, sampling_key: e.samplingKey, ttl: e.ttl,
    ver: e.ver, is_deleted: e.isDeleted, sign: e.sign, version: e.version, summing_columns: e.summingColumns, settings: e.settings,
  };
  const out: Record<string, string | undefined> = {
    schema: ds.columns.map(columnSql).join(',\n'),
    description: ds.description || undefined,
    engine: e.engine,
    indexes: ds.indexes ?? undefined,
  };
  for (const [k, v] of Object.entries(engine)) if (v) out[`engine_${k}`] = v;
  return out;
}

/** ClickHouse's ALTER operations that take `from` to `to`, as Tinybird lists them. */
function alterOperations(from: DatasourceFile, to: DatasourceFile): string[] {
  const ops: string[] = [];
  const old = new Map(from.columns.map((c) => [c.name, c]));
  const next = new Set(to.columns.map((c) => c.name));
  for (const c of to.columns) {
    const before = old.get(c.name);
    const def = c.defaultExpr !== null ? ` DEFAULT ${c.defaultExpr}` : '';
    if (!before) ops.push(`ADD COLUMN \`${c.name}\` ${c.type}${def}`);
    else if (before.type !== c.type || before.defaultExpr !== c.defaultExpr) ops.push(`MODIFY COLUMN \`${c.name}\` ${c.type}${def}`);
  }
  for (const c of from.columns) if (!next.has(c.name)) ops.push(`DROP COLUMN \`${c.name}\``);
  if ((from.engine.ttl ?? '') !== (to.engine.ttl ?? '')) ops.push(to.engine.ttl ? `MODIFY TTL ${to.engine.ttl}` : 'REMOVE TTL');
  return ops;
}

/**
 * spec §5 `POST /v0/datasources/<name>/alter` (`schema`, `description`, `ttl`, `dry`): the stored rows are migrated
 * to the new schema (Storage.alterDatasource: by name, DEFAULTs, atomic) and the datafile kept in the data dir is
 * replaced. Data sources declared in the project change through their file instead.
 */
export async function alterDatasource(app: Duckbird, p: Principal, name: string, params: Params, dryRun: boolean): Promise<Record<string, unknown>> {
  const ds = requireExisting(app, name);
  if (!hasScope(p, 'DATASOURCES:CREATE')) throw new ForbiddenError('Token does not have DATASOURCES:CREATE scope, alter requires the DATASOURCES:CREATE scope');
  if (!isApiDatasource(ds)) {
    throw new BadRequestError(`Data Source "${name}" is declared in ${ds.path}: change the file (duckbird dev reloads it) or deploy it to alter it`);
  }
  const base = paramsOf(ds);
  const changed = {
    ...base,
    schema: params.schema ?? base.schema,
    description: params.description ?? base.description,
    engine_ttl: params.ttl === undefined ? base.engine_ttl : params.ttl || undefined,
  };
  const text = datafileFromParams(changed);
  let next: DatasourceFile;
  try {
    next = parseDatasource(text, ds.path);
  } catch (e) {
    throw new BadRequestError(e instanceof AppError && 'detail' in e ? String((e as { detail: unknown }).detail) : (e as Error).message);
  }
  const operations = alterOperations(ds, next);
  if (operations.length === 0 && next.description === ds.description) return { operations, datasource: datasourceJson(app, ds) };
  if (dryRun) {
    await app.storage.alterDatasource(next, { dryRun: true });
    return { operations, datasource: datasourceJson(app, ds) };
  }
  await app.storage.alterDatasource(next);
  await writeFileAtomic(join(resolve(app.config.data), API_DATASOURCES_DIR, `${name}.datasource`), text);
  app.replaceProject({ ...app.project, datasources: app.project.datasources.map((d) => (d.name === name ? next : d)) });
  return { operations, datasource: datasourceJson(app, next) };
}

// --- import -----------------------------------------------------------------------------------------------------

export interface ImportBody {
  readonly data: Buffer;
  /** Multipart part name, a format hint from the CLI (`ndjson`, `parquet`, `csv`). */
  readonly partName?: string;
}

export interface ImportOutcome {
  readonly datasource: DatasourceFile;
  readonly importId: string;
  readonly successfulRows: number;
  readonly quarantinedRows: number;
}

/** spec §5.1 `detect_format`: `PAR1` → parquet; a line that is a JSON object or array → ndjson; else csv. */
export function detectFormat(data: Buffer): Format {
  if (data.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  const head = data.subarray(0, 64 * 1024).toString('utf8').replace(/^\uFEFF/, '');
  for (const line of head.split('\n')) {
    const t = line.trim();
    if (t === '') continue;
    return (t.startsWith('{') && t.endsWith('}')) || t.startsWith('[') ? 'ndjson' : 'csv';
  }
  return 'csv';
}

function dialectOf(params: Params): CsvDialect {
  const one = (key: string, component: string, dflt: string) => {
    const v = params[key];
    if (v === undefined || v === '') return dflt;
    const value = v === '\\t' ? '\t' : v === '\\n' ? '\n' : v;
    if ([...value].length !== 1 && !(component === 'new_line' && value === '\r\n')) throw new BadRequestError(`The dialect ${component} must be a 1-character string`);
    return value;
  };
  return {
    delimiter: one('dialect_delimiter', 'delimiter', DEFAULT_DIALECT.delimiter),
    escapeChar: one('dialect_escapechar', 'escapechar', DEFAULT_DIALECT.escapeChar),
    newLine: one('dialect_new_line', 'new_line', '\n'),
  };
}

/** mode=append|replace (and create with data): checks scopes and names, converts, stores, records an import job. */
export async function importData(app: Duckbird, p: Principal, params: Params, body: ImportBody): Promise<ImportOutcome> {
  const mode = (params.mode ?? 'append') as (typeof MODES)[number];
  const name = params.name;
  if (mode === 'replace') {
    if (!name) throw new BadRequestError('Data source name must be set with mode=replace (name=my_datasource)');
    if (!hasScope(p, 'DATASOURCES:CREATE')) throw new ForbiddenError('Token does not have DATASOURCES:CREATE scope, replace mode requires the DATASOURCES:CREATE scope because is a destructive action');
    if (!app.datasource(name)) throw new BadRequestError(`Data Source "${name}" does not exist, can not replace a non existing Data Source`);
  } else {
    if (!name) {
      if (!hasScope(p, 'DATASOURCES:CREATE')) throw new ForbiddenError("You must provide a Data Source name when appending (and you don't have CREATE scope)");
      throw new BadRequestError('Data Source name must be set with mode=append');
    }
    if (!app.datasource(name)) {
      if (!hasScope(p, 'DATASOURCES:CREATE') && !mayAppend(p, name)) throw new ForbiddenError(`Token does not have DATASOURCES:APPEND scope for Data Source "${name}"`);
      throw new NotFoundError(`Data Source "${name}" does not exist. duckbird does not infer schemas from data: create it first with mode=create and a schema, or a .datasource file`);
    }
    if (!mayAppend(p, name)) throw new ForbiddenError(`Token does not have DATASOURCES:APPEND scope for Data Source "${name}"`);
  }
  const ds = app.datasource(name)!;
  if (body.data.length === 0) throw new BadRequestError('Url or body payload should be sent. Are you doing a POST without data?');
  const hint = body.partName === 'ndjson' || body.partName === 'parquet' ? body.partName : undefined;
  const format = (params.format as Format | undefined) ?? hint ?? detectFormat(body.data);
  if (!FORMATS.includes(format)) throw new BadRequestError(`Invalid format ${format}.`);
  const dialect = dialectOf(params);
  const importId = randomUUID();
  const tmp = join(resolve(app.config.data), '_tmp', `import-${importId}.${format}`);
  let input: ImportInput;
  if (format === 'ndjson') {
    const text = body.data.toString('utf8');
    input = { format, body: eventLines(dialect.newLine === '\n' ? text : text.replaceAll(dialect.newLine!, '\n')) };
  } else {
    await mkdir(join(resolve(app.config.data), '_tmp'), { recursive: true });
    await writeFile(tmp, body.data);
    if (format === 'parquet') input = { format, file: tmp };
    else {
      const text = body.data.subarray(0, 64 * 1024).toString('utf8');
      const first = text.split(dialect.newLine ?? '\n')[0] ?? '';
      input = { format, file: tmp, dialect, header: detectCsvHeader(first, dialect, ds.columns), fields: splitCsvRecord(first, dialect).length };
    }
  }
  try {
    const r = await app.storage.importRows(ds.name, input, { mode: mode === 'replace' ? 'replace' : 'append', importId });
    newJob(app, 'import', ds, {
      import_id: importId,
      mode,
      format,
      statistics: { row_count: r.successfulRows, bytes: body.data.length },
      quarantine_rows: r.quarantinedRows,
    });
    return { datasource: ds, importId, ...r };
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    newJob(app, 'import', ds, { import_id: importId, mode, format, status: 'error', error: message });
    if (e instanceof AppError) throw e;
    throw new BadRequestError(`There was an error with file contents: ${message.replace(/^[A-Za-z ]+Error: /, '')}`);
  } finally {
    if (format !== 'ndjson') await rm(tmp, { force: true });
  }
}

/** The union of Tinybird's import answer and the SDK's `AppendResult` (spec §5.1 REC). */
export function importJson(app: Duckbird, r: ImportOutcome): Record<string, unknown> {
  return {
    successful_rows: r.successfulRows,
    quarantined_rows: r.quarantinedRows,
    import_id: r.importId,
    datasource: datasourceJson(app, r.datasource),
    quarantine_rows: r.quarantinedRows,
    invalid_lines: 0,
    error: r.quarantinedRows > 0 ? `There was an error with file contents: ${r.quarantinedRows} row${r.quarantinedRows === 1 ? '' : 's'} in quarantine.` : false,
  };
}

// --- truncate, delete, drop ---------------------------------------------------------------------------------------

function requireExisting(app: Duckbird, name: string, suffix = ''): DatasourceFile {
  const ds = app.datasource(name);
  if (!ds) throw new NotFoundError(`Data Source "${name}" does not exist${suffix}`);
  return ds;
}

/** spec §5.4: a data source or its `<ds>_quarantine`; DATASOURCES:CREATE (or DROP on it) needed. */
export async function truncateDatasource(app: Duckbird, p: Principal, name: string): Promise<void> {
  const base = !app.datasource(name) && name.endsWith('_quarantine') ? name.slice(0, -'_quarantine'.length) : name;
  requireExisting(app, base);
  if (!hasScope(p, 'DATASOURCES:CREATE') && !hasScope(p, 'DATASOURCES:DROP', base)) {
    throw new ForbiddenError(`Token does not have DATASOURCES:CREATE scope, truncate requires the DATASOURCES:CREATE scope`);
  }
  try {
    await app.storage.truncate(name);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new BadRequestError(`Failed to truncate: ${(e as Error).message}`);
  }
}

/** A ClickHouse boolean expression as DuckDB SQL, through the translator (a whole query, so nothing else fits in). */
export function translateCondition(condition: string): string {
  const sql = translateSql(`SELECT 1 FROM __t WHERE ${condition}`);
  const m = /\bWHERE\s+/i.exec(sql);
  if (!m) throw new BadRequestError(`Failed to apply delete_condition='${condition}': not a condition`);
  return sql.slice(m.index + m[0].length);
}

/** spec §5.5: counts (dry run) or deletes the rows matching `delete_condition`; the job is done on return. */
export async function deleteRows(app: Duckbird, p: Principal, name: string, condition: string | undefined, dryRun: boolean): Promise<Record<string, unknown>> {
  const ds = requireExisting(app, name, ', can not delete a non existing Data Source');
  if (!hasScope(p, 'DATASOURCES:CREATE') && !hasScope(p, 'DATASOURCES:DROP', name)) {
    throw new ForbiddenError(`Token does not have DATASOURCES:CREATE scope, delete requires the DATASOURCES:CREATE scope`);
  }
  if (!condition || !condition.trim()) throw new BadRequestError("The delete_condition='delete_statement' is mandatory");
  let where: string;
  try {
    where = translateCondition(condition);
  } catch (e) {
    throw new BadRequestError(`Failed to apply delete_condition='${condition}': ${(e as Error).message}`);
  }
  const fail = (e: unknown) => {
    if (e instanceof AppError && !(e instanceof BadRequestError)) return e;
    const msg = (e as Error).message.split('\n')[0]!.replace(/^[A-Za-z ]+Error: /, '');
    return new BadRequestError(`Failed to apply delete_condition='${condition}': ${msg}`);
  };
  if (dryRun) {
    try {
      return { rows_to_be_deleted: await app.storage.countWhere(name, where) };
    } catch (e) {
      throw fail(e);
    }
  }
  let deleted: number;
  try {
    deleted = await app.storage.deleteWhere(name, where);
  } catch (e) {
    throw fail(e);
  }
  const job = newJob(app, 'delete_data', ds, { delete_condition: condition, rows_affected: deleted });
  return {
    id: job.id,
    job_id: job.id,
    job_url: job.job_url,
    job,
    status: job.status,
    delete_id: job.id,
    rows_to_be_deleted: deleted,
    rows_affected: deleted,
  };
}

/** spec §5.6 drop: API-created data sources go for good; project files would come back, so they are refused. */
export async function dropDatasource(app: Duckbird, p: Principal, name: string): Promise<void> {
  const ds = requireExisting(app, name);
  if (!hasScope(p, 'DATASOURCES:DROP', name)) throw new ForbiddenError(`User does not have permissions to drop Data Source "${name}", set DROP scope`);
  if (!isApiDatasource(ds)) {
    throw new BadRequestError(`Data Source "${name}" is declared in ${ds.path}: remove the file from the project (or deploy without it) to drop it`);
  }
  const users = usedBy(app, name);
  if (users.length) throw new AppError(409, `The Data Source is used in ${users.map((u) => `"${u.name}"`).join(', ')}`);
  await app.storage.dropDatasource(name);
  await rm(join(resolve(app.config.data), API_DATASOURCES_DIR, `${name}.datasource`), { force: true });
  app.replaceProject({ ...app.project, datasources: app.project.datasources.filter((d) => d.name !== name) });
}
