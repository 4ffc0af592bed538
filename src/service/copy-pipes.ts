// Copy pipes (spec §9.3 `TYPE copy`, §3.8 `POST /v0/pipes/<name>/copy`): the copy node is rendered with the request's
// parameters, its rows are written by DuckDB to a Parquet file inside the data dir, and the file goes through the
// storage engine's import path, which makes an append or a replace live in one manifest swap: a copy adds all its
// rows or none, and a replace never shows a half-written target.
//
// Checks and error texts follow Tinybird's APIPipeCopyHandler and its copy validation (SRV/pipes, api_errors/pipes):
// unknown pipe 404, not a copy pipe 403, missing target 404, bad `_mode` 400, query columns missing from the target
// 400 (checked before anything runs). Jobs run synchronously (spec §5.7 REC): the job is `done` or `error` when the
// request answers.
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ColumnDef, DatasourceFile, PipeFile, PipeNode } from '../datafiles/types.ts';
import { AppError, BadRequestError, NotFoundError } from '../errors.ts';
import { duckdbType } from '../sql/types.ts';
import { parseJsonPath } from '../storage/jsonpath.ts';
import { quoteIdent, quoteLiteral } from '../storage/table-layout.ts';
import { newJob, tinybirdTime, type Job } from './datasources.ts';
import type { Duckbird } from './duckbird.ts';
import { findPipeByNameOrId, pipeJson, resourceId } from './pipe-metadata.ts';
import { nodeQuery, renderNode } from './pipe-sql.ts';
import { translateDbError } from './run-query.ts';
import { hasScope, isAdmin, mayAppend, mayReadPipe, type Principal } from './scopes.ts';
import { pipeVars } from './template-vars.ts';

export type CopyMode = 'append' | 'replace';
/** `manual` for `POST /v0/pipes/<name>/copy`, `scheduled` for COPY_SCHEDULE runs (Tinybird's ExecutionTypes). */
export type ExecutionType = 'manual' | 'scheduled';

export interface CopyOptions {
  /** Who asked; scheduled runs are the server's own and pass none. */
  readonly principal?: Principal;
  /** Request parameters: template variables, plus `_mode` overriding COPY_MODE. */
  readonly params?: Readonly<Record<string, string | string[]>>;
  readonly executionType?: ExecutionType;
  /** Base URL for `job_url` (the URL the client used); defaults to the configured host and port. */
  readonly baseUrl?: string;
  /** The run's time: `copy_timestamp` for the template, and the job's timestamps. */
  readonly now?: Date;
}

export interface CopyResult {
  /** The copy node's JSON with the job under `job`, as Tinybird answers the copy request. */
  readonly response: Record<string, unknown>;
  readonly job: Job;
}

/** Parameters of the copy request that are not template variables. */
const COPY_PARAMS = ['_mode', '_execution_type', 'token'];

/** `%Y-%m-%d %H:%M:%S` in UTC, the `copy_timestamp` variable Tinybird adds to every copy's template. */
function copyTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

function firstValue(params: Readonly<Record<string, string | string[]>>, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}

/** The pipe's TYPE COPY node. */
function copyNode(pipe: PipeFile): PipeNode {
  const node = pipe.nodes.find((n) => n.name === pipe.typedNode);
  if (!node) throw new AppError(403, `The pipe '${pipe.name}' should be a copy pipe`);
  return node;
}

/**
 * Runs a copy pipe: resolves and checks it, renders its SQL, writes the rows to the target and records the job.
 * Errors found before anything runs throw without a job; a failing run records an `error` job, then throws.
 */
export async function runCopyPipe(app: Duckbird, nameOrId: string, opts: CopyOptions = {}): Promise<CopyResult> {
  const now = opts.now ?? new Date();
  const params = opts.params ?? {};
  const pipe = findPipeByNameOrId(app.project, nameOrId);
  if (!pipe) throw new NotFoundError(`Pipe '${nameOrId}' not found`);
  const p = opts.principal;
  if (p && !isAdmin(p) && !mayReadPipe(p, pipe.name)) throw new AppError(403, `token has no READ scope for ${nameOrId}`);
  if (pipe.type !== 'copy' || !pipe.copyTargetDatasource) throw new AppError(403, `The pipe '${pipe.name}' should be a copy pipe`);
  const target = app.datasource(pipe.copyTargetDatasource);
  if (!target) throw new NotFoundError(`Target Datasource '${pipe.copyTargetDatasource}' for pipe '${nameOrId}' not found`);
  // Tinybird's docs: ADMIN, or PIPES:READ on the pipe and DATASOURCES:APPEND on the target.
  if (p && !mayAppend(p, target.name)) throw new AppError(403, `Token does not have DATASOURCES:APPEND scope for Data Source "${target.name}"`);
  const mode = firstValue(params, '_mode') || pipe.copyMode || 'append';
  // Tinybird formats a Python set holding the joined names: the braces and quotes are its words.
  if (mode !== 'append' && mode !== 'replace') throw new BadRequestError(`Invalid mode "${mode}", valid modes are {'append, replace'}`);

  const node = copyNode(pipe);
  const templateParams = Object.fromEntries(Object.entries(params).filter(([k]) => !COPY_PARAMS.includes(k)));
  const vars = { ...pipeVars(templateParams, app.pipeTemplateInfo(pipe.name)), copy_timestamp: copyTimestamp(now) };
  const ctx = app.renderContext(vars);
  const sql = nodeQuery(ctx, pipe, node);
  const querySql = renderNode(ctx, pipe, node).sql.split(/\s+/).filter(Boolean).join(' ');

  const { result } = await app.execute(`DESCRIBE ${sql}`);
  const columns = result.rows.map((r) => String(r[0]));
  const select = copySelect(target, columns);

  const started = tinybirdTime(now);
  const base = {
    started_at: started,
    created_at: started,
    query_id: randomUUID(),
    query_sql: querySql,
    dependent_datasources: {},
    execution_type: opts.executionType ?? 'manual',
    mode,
    parameters: { ...templateParams, copy_timestamp: copyTimestamp(now) },
    pipe_id: resourceId('pipe', pipe.name),
    pipe_name: pipe.name,
  };
  let job: Job;
  try {
    const r = await writeCopy(app, target, `SELECT ${select} FROM (${sql}) AS __copy`, mode);
    job = newJob(app, 'copy', target, {
      ...base,
      processed_data: { read_rows: 0, read_bytes: 0, written_rows: r.successfulRows, written_bytes: 0, virtual_cpu_time_microseconds: 0 },
      quarantine_rows: r.quarantinedRows,
    });
  } catch (e) {
    const err = e instanceof AppError ? e : translateDbError(e, app.config.query_timeout_ms);
    const failed = newJob(app, 'copy', target, { ...base, status: 'error', error: err.message });
    if (opts.baseUrl) failed.job_url = `${opts.baseUrl}/v0/jobs/${failed.id}`;
    throw err;
  }
  if (opts.baseUrl) job.job_url = `${opts.baseUrl}/v0/jobs/${job.id}`;
  const nodeJson = (pipeJson(pipe, { baseUrl: opts.baseUrl ?? '', classicEndpoints: app.config.classic_endpoints }).nodes as Record<string, unknown>[]).find(
    (n) => n.name === node.name,
  );
  return { response: { ...nodeJson, job }, job };
}

/** Rows of `select` into the target through a Parquet file in `<data>/_tmp` (DuckDB may write only there). */
async function writeCopy(app: Duckbird, target: DatasourceFile, select: string, mode: CopyMode) {
  const dir = join(resolve(app.config.data), '_tmp');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `copy-${randomUUID()}.parquet`);
  try {
    const lease = app.storage.beginRead();
    try {
      await app.db.run(`COPY (${select}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
    } finally {
      lease.release();
    }
    return await app.storage.importRows(target.name, { format: 'parquet', file }, { mode });
  } finally {
    await rm(file, { force: true });
  }
}

/** ClickHouse's default of a type, as DuckDB SQL, for non-nullable columns without DEFAULT; null when unknown. */
function typeZero(duck: string): string | null {
  if (duck.endsWith('[]')) return '[]';
  if (duck === 'VARCHAR') return "''";
  if (duck === 'BOOLEAN') return 'false';
  if (duck === 'DATE') return "DATE '1970-01-01'";
  if (duck.startsWith('TIMESTAMP')) return "TIMESTAMP '1970-01-01 00:00:00'";
  if (duck === 'UUID') return "'00000000-0000-0000-0000-000000000000'";
  if (/^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|FLOAT|DOUBLE|DECIMAL\(.*\))$/.test(duck)) return '0';
  return null;
}

/**
 * The expression stored for one target column. Values are cast to the column's type, so a value that does not fit
 * fails the copy before anything is written (ClickHouse's INSERT ... SELECT fails the same way) rather than being
 * quarantined; a NULL or a missing column takes the column's DEFAULT (applied by the import) or its type's default,
 * as ClickHouse's `insert_null_as_default` does.
 */
function columnExpr(col: ColumnDef, present: boolean): string | null {
  let duck: string | null;
  try {
    duck = duckdbType(col.type);
  } catch {
    duck = null;
  }
  const zero = duck && !col.nullable && col.defaultExpr === null ? typeZero(duck) : null;
  if (!present) return zero === null ? null : `CAST(${zero} AS ${duck})`;
  const value = duck ? `CAST(__copy.${quoteIdent(col.name)} AS ${duck})` : `__copy.${quoteIdent(col.name)}`;
  return zero === null ? value : `COALESCE(${value}, CAST(${zero} AS ${duck}))`;
}

type Tree = { readonly expr: string } | Map<string, Tree>;

/**
 * The select list of the Parquet file: the import reads every column at its jsonpath, so each value is placed at
 * that path (`$.a.b` becomes a struct `a` holding `b`). Columns are matched by name, like Tinybird's
 * `INSERT INTO target (<query columns>) SELECT ...`; a query column the target lacks is refused.
 */
export function copySelect(target: DatasourceFile, queryColumns: readonly string[]): string {
  const names = new Set(target.columns.map((c) => c.name));
  const extra = queryColumns.filter((c) => !names.has(c));
  if (extra.length > 0) {
    throw new BadRequestError(`The pipe has columns [${extra.map((c) => `'${c}'`).join(', ')}] not found in the destination Data Source.`);
  }
  const present = new Set(queryColumns);
  const root = new Map<string, Tree>();
  for (const col of target.columns) {
    const expr = columnExpr(col, present.has(col.name));
    if (expr === null) continue;
    const jsonpath = col.jsonpath ?? `$.${col.name}`;
    const path = parseJsonPath(jsonpath);
    if (path.each !== null || path.head.length === 0) {
      throw new BadRequestError(`Column '${col.name}' of Data Source '${target.name}' reads the JSONPath '${jsonpath}': copies can fill only columns whose jsonpath names an object key`);
    }
    let tree = root;
    for (const [i, key] of path.head.entries()) {
      const last = i === path.head.length - 1;
      const at = tree.get(key);
      if (last) {
        if (at !== undefined) throw new BadRequestError(`Column '${col.name}' of Data Source '${target.name}' shares its JSONPath '${jsonpath}' with another column: copies cannot fill both`);
        tree.set(key, { expr });
      } else {
        if (at !== undefined && !(at instanceof Map)) throw new BadRequestError(`Column '${col.name}' of Data Source '${target.name}' has a JSONPath '${jsonpath}' inside another column's value: copies cannot fill both`);
        const next = at ?? new Map<string, Tree>();
        tree.set(key, next);
        tree = next;
      }
    }
  }
  if (root.size === 0) throw new BadRequestError(`The pipe has no columns of the destination Data Source '${target.name}'`);
  const render = (t: Tree): string => (t instanceof Map ? `{${[...t].map(([k, v]) => `${quoteLiteral(k)}: ${render(v)}`).join(', ')}}` : t.expr);
  return [...root].map(([k, v]) => `${render(v)} AS ${quoteIdent(k)}`).join(', ');
}

export type ScheduleAction = 'pause' | 'resume' | 'cancel';

/**
 * `POST /v0/pipes/<name>/copy/pause|resume|cancel` (Tinybird's APIPipeCopyPause/Resume/CancelHandler): pause and
 * cancel stop future scheduled runs, resume restarts them. Copies run synchronously, so cancel finds no queued job
 * to cancel. Answers the pipe JSON with its `schedule`. The paused state lives in memory: a restart resumes.
 */
export function changeCopySchedule(app: Duckbird, principal: Principal, nameOrId: string, action: ScheduleAction, baseUrl: string): Record<string, unknown> {
  const scope = action === 'cancel' ? 'DATASOURCES:CREATE' : 'PIPES:CREATE';
  if (!hasScope(principal, scope)) throw new AppError(403, `token needs scope ${scope}`);
  const pipe = findPipeByNameOrId(app.project, nameOrId);
  if (!pipe) throw new NotFoundError(`Pipe '${nameOrId}' not found`);
  if (pipe.type !== 'copy') throw new AppError(403, `The pipe '${pipe.name}' should be a copy pipe`);
  const cron = pipe.copySchedule?.trim();
  if (!cron || cron.toLowerCase() === '@on-demand') {
    throw new AppError(422, action === 'cancel' ? 'The copy Pipe is not scheduled, use the jobs API to cancel a queued copy job (example: v0/jobs/<job_id>/cancel)' : 'The copy Pipe is not scheduled');
  }
  if (action === 'resume') app.copySchedule.resume(pipe.name);
  else app.copySchedule.pause(pipe.name);
  const json = pipeJson(pipe, { baseUrl, classicEndpoints: app.config.classic_endpoints });
  const schedule = { timezone: 'Etc/UTC', cron, status: app.copySchedule.isPaused(pipe.name) ? 'paused' : 'running' };
  return { ...json, schedule, ...(action === 'cancel' ? { cancelled_jobs: [] } : {}) };
}
