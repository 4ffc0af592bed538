// The application: a loaded project, the DuckDB engine and the storage, with the use cases the HTTP layer calls.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { loadProject } from '../datafiles/load-project.ts';
import type { DatasourceFile, Project } from '../datafiles/types.ts';
import { Database, type QueryResult } from '../engine/database.ts';
import { FUNCTION_LIBRARY, cityHash64, cityHashArgOf, splitFormat } from '../sql/index.ts';
import { isTemplate, renderTemplate } from '../template/index.ts';
import { Storage, type AppendResult } from '../storage/storage.ts';
import { resolveAdminToken } from './admin-token.ts';
import { eventLines } from './event-lines.ts';
import { translateExpression } from './translate-expression.ts';
import { pipeTemplateInfo, type PipeTemplateInfo } from './template-vars.ts';
import { loadFixtures } from './fixtures.ts';
import { runQuery, translateDbError } from './run-query.ts';
import { validateProject } from './validate-project.ts';
import {
  endpointMetaTypes,
  endpointQueries,
  finalViewNames,
  nodeQuery,
  pipeQuery,
  requirePipe,
  resolveQuery,
  resolveQueryWithTotals,
  zonedMetaTypes,
  type RenderContext,
  type Vars,
} from './pipe-sql.ts';
import { clickhouseType } from '../sql/index.ts';
import { NotFoundError } from '../errors.ts';
import { TokenStore } from './tokens.ts';
import { checkReadableTables, restrictQuery } from './read-access.ts';
import type { Principal } from './scopes.ts';
import { withApiDatasources } from './datasources.ts';
import { viewDefinitions } from './materialized-views.ts';
import { CopyScheduler } from './copy-schedule.ts';

export interface QueryOutcome {
  readonly result: QueryResult;
  /** Seconds. */
  readonly elapsed: number;
  readonly rowsBeforeLimit?: number;
  readonly rowsRead?: number;
  readonly bytesRead?: number;
}

/** A node's output column as `GET /v0/pipes/<name>` lists it (spec §3.8 `columns: [{name, type}]`). */
export interface NodeColumn {
  readonly name: string;
  readonly type: string;
}

function renderContextOf(config: Config, env: Readonly<Record<string, string | undefined>>, project: Project, vars: Vars): RenderContext {
  return {
    project,
    vars,
    secrets: (name) => env[`TB_SECRET_${name}`],
    classicEndpoints: config.classic_endpoints,
    finalViews: finalViewNames(project),
  };
}

export class Duckbird {
  private readonly templateInfo = new Map<string, PipeTemplateInfo>();
  /** Output columns per pipe and node name, for the project being served (cleared when it is replaced). */
  private readonly columnsCache = new Map<string, Promise<ReadonlyMap<string, readonly NodeColumn[]>>>();
  /** Runs copy pipes on their COPY_SCHEDULE from open() to close() (copy-schedule.ts). */
  readonly copySchedule: CopyScheduler = new CopyScheduler(this);

  private constructor(
    readonly config: Config,
    private current: Project,
    readonly db: Database,
    readonly storage: Storage,
    readonly adminToken: string,
    readonly tokens: TokenStore,
    /** Problems found while loading (bad datafiles, templates that do not render): `file:line: message`. */
    readonly warnings: readonly string[],
    readonly env: Readonly<Record<string, string | undefined>>,
  ) {}

  static async open(config: Config, env: Readonly<Record<string, string | undefined>> = {}): Promise<Duckbird> {
    const dataDir = resolve(config.data);
    await mkdir(dataDir, { recursive: true });
    // Data sources created through the Data Sources API are served with the project's (datasources.ts).
    const project = await withApiDatasources(dataDir, await loadProject(resolve(config.project), env));
    const warnings = [...project.errors, ...validateProject(project)];
    const { token } = await resolveAdminToken(dataDir, config.admin_token);
    const tokens = await TokenStore.open(dataDir, token, project);
    const db = await Database.open();
    try {
      // Macros are catalog objects shared by every pooled connection: created once (database.ts).
      await db.installLibrary(FUNCTION_LIBRARY);
      // ClickHouse's cityHash64 loops over 64-byte blocks: a JavaScript function, bit-exact with ClickHouse.
      db.registerFunction('cityHash64', 'UBIGINT', (args) => cityHash64(...args.map((a) => cityHashArgOf(a.value, a.type))));
      const views = viewDefinitions(renderContextOf(config, env, project, {}));
      const storage = await Storage.open(db, dataDir, project.datasources, {
        translateExpr: translateExpression,
        log: (m) => console.error(m),
        views: views.views,
      });
      warnings.push(...views.errors, ...storage.viewErrors);
      const app = new Duckbird(config, project, db, storage, token, tokens, warnings, env);
      if (config.fixtures) await loadFixtures(app, project);
      // Large sorts and merges spill to disk; after lockDown DuckDB may only write inside the data dir.
      await mkdir(join(dataDir, '_tmp'), { recursive: true });
      await db.run(`SET temp_directory = '${join(dataDir, '_tmp', 'duckdb').replaceAll("'", "''")}'`);
      await db.lockDown([dataDir]);
      app.copySchedule.start();
      return app;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** The project being served; hot reload and deploys swap it whole, so a request sees one version throughout. */
  get project(): Project {
    return this.current;
  }

  /** Serves `project` from the next request on (project-reload.ts and deploy.ts check it first). */
  replaceProject(project: Project): void {
    this.current = project;
    this.templateInfo.clear();
    this.columnsCache.clear();
  }

  /** Template parameters and warnings of a pipe (cached until the project is replaced). */
  pipeTemplateInfo(name: string): PipeTemplateInfo {
    let info = this.templateInfo.get(name);
    if (!info) {
      info = pipeTemplateInfo(requirePipe(this.project, name));
      this.templateInfo.set(name, info);
    }
    return info;
  }

  /**
   * Output columns of every node of a pipe: each node rendered in template test mode (placeholder parameters, as
   * Tinybird checks templates) and described by DuckDB, with ClickHouse type names as the query `meta` gives them.
   * A node that does not render or bind (an `error()` branch, a missing table) has no columns.
   */
  pipeColumns(name: string): Promise<ReadonlyMap<string, readonly NodeColumn[]>> {
    // describeNodes reads the project before its first await, and replaceProject clears the cache: an entry always
    // belongs to the project being served.
    let cached = this.columnsCache.get(name);
    if (!cached) this.columnsCache.set(name, (cached = this.describeNodes(name)));
    return cached;
  }

  private async describeNodes(name: string): Promise<ReadonlyMap<string, readonly NodeColumn[]>> {
    const pipe = requirePipe(this.project, name);
    const ctx: RenderContext = { ...this.renderContext({}), testMode: true };
    const out = new Map<string, readonly NodeColumn[]>();
    for (const node of pipe.nodes) {
      try {
        const { result } = await this.execute(`DESCRIBE ${nodeQuery(ctx, pipe, node)}`);
        out.set(node.name, result.rows.map((r) => ({ name: String(r[0]), type: clickhouseType(String(r[1])) })));
      } catch {
        out.set(node.name, []);
      }
    }
    return out;
  }

  datasource(name: string): DatasourceFile | undefined {
    return this.project.datasources.find((d) => d.name === name);
  }

  /** Events API append (spec §2): NDJSON text in, rows converted and quarantined by the storage engine. */
  async ingest(datasource: string, ndjson: string, wait: boolean): Promise<AppendResult> {
    return this.storage.append(datasource, eventLines(ndjson), { wait });
  }

  renderContext(vars: Vars): RenderContext {
    return renderContextOf(this.config, this.env, this.project, vars);
  }

  /**
   * Makes the materialized views of `project` the ones the storage runs (new ones are populated from their
   * source first); returns the views refused, as `file:line: message`.
   */
  async applyViews(project: Project): Promise<string[]> {
    const { views, errors, broken } = viewDefinitions(renderContextOf(this.config, this.env, project, {}));
    return [...errors, ...(await this.storage.setViews(views, broken))];
  }

  /**
   * DuckDB SQL for `/v0/pipes/<name>.<fmt>`: the endpoint, or `q` run over it with `_` naming the pipe (spec §3.4).
   * With a `principal`, `q` may read only what it may read, and its row filters apply (read-access.ts).
   */
  pipeSql(name: string, vars: Vars, q?: string, principal?: Principal): string {
    const pipe = requirePipe(this.project, name);
    const ctx = this.renderContext(vars);
    const endpoint = pipeQuery(ctx, pipe);
    if (q !== undefined && principal) checkReadableTables(principal, this.project, q, ['_', pipe.name]);
    const sql = q === undefined ? endpoint : resolveQuery(ctx, null, { sql: q }, [], [['_', endpoint], [pipe.name, endpoint]]);
    return restrictQuery(principal, this.project, sql);
  }

  /** The `WITH TOTALS` row query of the endpoint of `name`, or null (row filters applied as to its rows). */
  pipeTotalsSql(name: string, vars: Vars, principal?: Principal): string | null {
    const totals = endpointQueries(this.renderContext(vars), requirePipe(this.project, name)).totals;
    return totals === null ? null : restrictQuery(principal, this.project, totals);
  }

  /** `meta` type overrides for the endpoint of `name` with these parameters (pipe-sql.ts `endpointMetaTypes`). */
  pipeMetaTypes(name: string, vars: Vars): readonly (string | null)[] | null {
    return endpointMetaTypes(this.renderContext(vars), requirePipe(this.project, name));
  }

  /**
   * DuckDB SQL for `/v0/sql` (spec §4): a `%` template is rendered first; the FORMAT clause is split off; data
   * sources, quarantine tables and endpoint pipes are readable, and `_` names `pipeline` when given.
   */
  prepareSql(
    raw: string,
    vars: Vars,
    pipeline?: string,
    principal?: Principal,
  ): { sql: string; totals: string | null; format: string | null; types: readonly (string | null)[] | null } {
    const ctx = this.renderContext(vars);
    const rendered = isTemplate(raw) ? renderTemplate(raw, vars, { secrets: ctx.secrets }) : { sql: raw, queryParams: {} };
    const { sql: chSql, format } = splitFormat(rendered.sql);
    const extra: [string, string][] = [];
    if (pipeline) {
      const pipe = requirePipe(this.project, pipeline);
      if (principal) checkReadableTables(principal, this.project, `SELECT * FROM "${pipe.name.replaceAll('"', '""')}"`);
      extra.push(['_', pipeQuery(ctx, pipe)]);
    }
    if (principal) checkReadableTables(principal, this.project, chSql, pipeline ? ['_'] : []);
    const q = resolveQueryWithTotals(ctx, null, { sql: chSql, queryParams: rendered.queryParams }, [], extra);
    const restrict = (s: string) => restrictQuery(principal, this.project, s);
    return { sql: restrict(q.sql), totals: q.totals === null ? null : restrict(q.totals), format, types: zonedMetaTypes(chSql, this.project) };
  }

  /** Runs DuckDB SQL over the live data; `countBeforeLimit` adds `rowsBeforeLimit` when the query has a LIMIT. */
  execute(sql: string, countBeforeLimit = false): Promise<QueryOutcome> {
    return runQuery(this.db, this.storage, sql, this.config.query_timeout_ms, countBeforeLimit);
  }

  /**
   * DuckDB's physical plan of translated SQL, for `explain=true` on `/v0/sql` (spec §4.1). It is DuckDB's plan
   * text, not ClickHouse's EXPLAIN output: the plan is of the query duckbird really runs.
   */
  async explain(sql: string): Promise<string> {
    const { result } = await this.execute(`EXPLAIN ${sql}`);
    return result.rows.map((r) => String(r[1])).join('\n');
  }

  /** The query's rows as a Parquet file, written by DuckDB inside the data dir (the only place it may write). */
  async exportParquet(sql: string): Promise<Buffer> {
    const dir = join(resolve(this.config.data), '_tmp');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `export-${randomUUID()}.parquet`);
    const lease = this.storage.beginRead();
    try {
      await this.db.run(`COPY (${sql}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
      return await readFile(file);
    } catch (e) {
      throw translateDbError(e, this.config.query_timeout_ms);
    } finally {
      lease.release();
      await rm(file, { force: true });
    }
  }

  requireDatasource(name: string): DatasourceFile {
    const ds = this.datasource(name);
    if (!ds) throw new NotFoundError(`Data Source "${name}" does not exist`);
    return ds;
  }

  async close(): Promise<void> {
    // Scheduled copies write through the storage: they finish before it closes.
    await this.copySchedule.stop();
    await this.storage.close();
    this.db.close();
  }
}
