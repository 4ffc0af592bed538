// Turns a pipe into one DuckDB query: every node is rendered with the request's parameters, translated from
// ClickHouse SQL, and the nodes (and other pipes) it reads become CTEs — as Tinybird resolves node names like
// tables (spec §9.3 "Name resolution inside node SQL").
import type { PipeFile, PipeNode, Project } from '../datafiles/types.ts';
import { BadRequestError, NotFoundError } from '../errors.ts';
import { isTemplate, renderTemplate, type TemplateValue } from '../template/index.ts';
import { translateSql, translateSqlWithTotals, referencedTables, resultTimeZones, type TranslateOptions } from '../sql/index.ts';

export type Vars = Readonly<Record<string, TemplateValue>>;

export interface RenderContext {
  readonly project: Project;
  readonly vars: Vars;
  readonly secrets: (name: string) => string | undefined;
  /** Serve the last node of pipes without a TYPE endpoint node (classic projects). */
  readonly classicEndpoints: boolean;
  /** Data sources whose `FINAL` reads a deduplicating view (see `finalViewNames`). */
  readonly finalViews: ReadonlySet<string>;
  /** Render templates with placeholder parameter values (spec §8.2), to learn a node's columns without a request. */
  readonly testMode?: boolean;
}

/** ClickHouse SQL after rendering, with the values of the `{name: Type}` parameters `tb_secret` renders. */
export interface Rendered {
  readonly sql: string;
  readonly queryParams?: Readonly<Record<string, string>>;
}

/** Engines whose FINAL the storage answers with a `<ds>__final` view (storage/merge-semantics.ts). */
const FINAL_ENGINES = new Set(['ReplacingMergeTree', 'SummingMergeTree', 'AggregatingMergeTree', 'CollapsingMergeTree']);

export function finalViewNames(project: Project): ReadonlySet<string> {
  return new Set(project.datasources.filter((d) => FINAL_ENGINES.has(d.engine.engine.replace(/\(.*$/s, '').trim())).map((d) => d.name));
}

const columnTypesOf = new WeakMap<Project, ReadonlyMap<string, string>>();

/**
 * Declared ClickHouse type per column name over every data source, so the translator gives ClickHouse's result
 * types (sum of UInt32 is UInt64, Nullable stays NULL in outer joins); a name declared with two types is left out.
 */
function columnTypes(project: Project): ReadonlyMap<string, string> {
  let types = columnTypesOf.get(project);
  if (!types) {
    const seen = new Map<string, string | null>();
    for (const ds of project.datasources) {
      for (const c of ds.columns) seen.set(c.name, seen.has(c.name) && seen.get(c.name) !== c.type ? null : c.type);
    }
    types = new Map([...seen].filter((e): e is [string, string] => e[1] !== null));
    columnTypesOf.set(project, types);
  }
  return types;
}

function translate(ctx: RenderContext, r: Rendered): string {
  return translateSql(r.sql, translateOptions(ctx, r));
}

function translateOptions(ctx: RenderContext, r: Rendered): TranslateOptions {
  return { finalViews: ctx.finalViews, queryParams: r.queryParams, columnTypes: columnTypes(ctx.project) };
}

export function endpointNode(pipe: PipeFile, classic: boolean): PipeNode | null {
  if (pipe.type === 'endpoint' && pipe.typedNode) return pipe.nodes.find((n) => n.name === pipe.typedNode) ?? null;
  if (classic && pipe.type === 'standard') return pipe.nodes[pipe.nodes.length - 1] ?? null;
  return null;
}

export function findPipe(project: Project, name: string): PipeFile | undefined {
  return project.pipes.find((p) => p.name === name);
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Renders one node's SQL template (if it is one) into ClickHouse SQL. */
export function renderNode(ctx: RenderContext, pipe: PipeFile, node: PipeNode): Rendered {
  if (!isTemplate(node.sql)) return { sql: node.sql };
  const r = renderTemplate(node.sql, ctx.vars, { secrets: ctx.secrets, nodeName: node.name, pipeName: pipe.name, testMode: ctx.testMode === true });
  return { sql: r.sql, queryParams: r.queryParams };
}

/** Prepends CTEs to a DuckDB query, merging with the query's own WITH clause if it has one. */
export function withCtes(ctes: readonly (readonly [string, string])[], sql: string): string {
  if (ctes.length === 0) return sql;
  const list = ctes.map(([name, body]) => `${quoteIdent(name)} AS (${body})`).join(',\n');
  const m = /^\s*WITH\s+(?!RECURSIVE\b)/i.exec(sql);
  return m ? `WITH ${list},\n${sql.slice(m[0].length)}` : `WITH ${list}\n${sql}`;
}

/**
 * DuckDB SQL for `sql` (ClickHouse, already rendered) read inside `pipe` (or at top level when pipe is null):
 * referenced nodes of the same pipe and endpoint pipes become CTEs. `extra` adds CTEs such as `_` for `q=`.
 */
export function resolveQuery(ctx: RenderContext, pipe: PipeFile | null, chSql: Rendered, stack: readonly string[] = [], extra: readonly (readonly [string, string])[] = []): string {
  return withCtes(resolveCtes(ctx, pipe, chSql, stack, extra), translate(ctx, chSql));
}

/** DuckDB SQL with the query's rows and, or null, ClickHouse's `WITH TOTALS` row of its outermost GROUP BY. */
export interface WithTotals {
  readonly sql: string;
  readonly totals: string | null;
}

/** resolveQuery for outermost SQL, which may end its GROUP BY with `WITH TOTALS` (sql/translate-sql.ts). */
export function resolveQueryWithTotals(
  ctx: RenderContext,
  pipe: PipeFile | null,
  chSql: Rendered,
  stack: readonly string[] = [],
  extra: readonly (readonly [string, string])[] = [],
): WithTotals {
  const ctes = resolveCtes(ctx, pipe, chSql, stack, extra);
  const t = translateSqlWithTotals(chSql.sql, translateOptions(ctx, chSql));
  return { sql: withCtes(ctes, t.sql), totals: t.totals === null ? null : withCtes(ctes, t.totals) };
}

/** The nodes of the same pipe and the endpoint pipes `chSql` reads, as CTEs (in dependency order). */
function resolveCtes(ctx: RenderContext, pipe: PipeFile | null, chSql: Rendered, stack: readonly string[], extra: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  const ctes: (readonly [string, string])[] = [...extra];
  const seen = new Set(ctes.map(([n]) => n));
  const nodes = pipe ? pipe.nodes : [];

  const visit = (sql: Rendered, upTo: number) => {
    for (const table of referencedTables(sql.sql)) {
      if (seen.has(table)) continue;
      const idx = nodes.findIndex((n, i) => i < upTo && n.name === table);
      if (idx >= 0) {
        seen.add(table);
        const nodeSql = renderNode(ctx, pipe!, nodes[idx]!);
        visit(nodeSql, idx);
        ctes.push([table, translate(ctx, nodeSql)]);
        continue;
      }
      const other = findPipe(ctx.project, table);
      if (other && other.name !== pipe?.name) {
        seen.add(table);
        ctes.push([table, pipeQuery(ctx, other, [...stack, pipe?.name ?? ''])]);
      }
    }
  };
  visit(chSql, nodes.length);
  return ctes;
}

/**
 * Endpoint SQL per project version and request parameters. Rendering and translating is pure (templates read
 * only their variables and secrets, which are fixed per process), and repeated requests are the common case; a
 * replaced project is a new object, so its entries are never read again.
 */
const endpointCache = new WeakMap<Project, Map<string, WithTotals>>();
const ENDPOINT_CACHE_SIZE = 512;

function varsKey(vars: Vars): string {
  // Tags keep bigint, undefined and the other JSON values apart.
  return JSON.stringify(vars, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: String(v) } : v === undefined ? { $undefined: true } : v));
}

/** DuckDB SQL that computes the endpoint of `pipe`. */
export function pipeQuery(ctx: RenderContext, pipe: PipeFile, stack: readonly string[] = []): string {
  // Read as a table by another query, a pipe's totals row does not exist (ClickHouse keeps only the outermost).
  return endpointQueries(ctx, pipe, stack).sql;
}

/** The endpoint's SQL and its `WITH TOTALS` row query, cached per project version and parameters. */
export function endpointQueries(ctx: RenderContext, pipe: PipeFile, stack: readonly string[] = []): WithTotals {
  if (stack.length > 0 || findPipe(ctx.project, pipe.name) !== pipe) return buildPipeQuery(ctx, pipe, stack);
  let cache = endpointCache.get(ctx.project);
  if (!cache) endpointCache.set(ctx.project, (cache = new Map()));
  const key = `${pipe.name}\u0000${ctx.classicEndpoints}\u0000${ctx.testMode === true}\u0000${varsKey(ctx.vars)}`;
  let queries = cache.get(key);
  if (queries === undefined) {
    queries = buildPipeQuery(ctx, pipe, stack);
    if (cache.size >= ENDPOINT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, queries);
  }
  return queries;
}

/**
 * `DateTime('Zone')` per output column of ClickHouse SQL where the translator knows it, else null. Only `meta` depends
 * on it, so SQL it cannot analyse leaves `meta` to the result's types; the query itself reports its own errors.
 */
export function zonedMetaTypes(sql: string, project: Project): readonly (string | null)[] | null {
  try {
    const types = resultTimeZones(sql, { columnTypes: columnTypes(project) });
    return types?.some((t) => t !== null) ? types : null;
  } catch {
    return null;
  }
}

const metaCache = new WeakMap<Project, Map<string, readonly (string | null)[] | null>>();

/**
 * `meta` types the DuckDB result cannot carry, per output column of the endpoint node (null: take the result's):
 * a DateTime shown in a time zone is `DateTime('Zone')` in ClickHouse (sql/time-zones.ts). Cached as pipeQuery is.
 */
export function endpointMetaTypes(ctx: RenderContext, pipe: PipeFile): readonly (string | null)[] | null {
  const node = endpointNode(pipe, ctx.classicEndpoints);
  if (!node) return null;
  let cache = metaCache.get(ctx.project);
  if (!cache) metaCache.set(ctx.project, (cache = new Map()));
  const key = `${pipe.name}\u0000${ctx.classicEndpoints}\u0000${varsKey(ctx.vars)}`;
  let types = cache.get(key);
  if (types === undefined) {
    types = zonedMetaTypes(renderNode(ctx, pipe, node).sql, ctx.project);
    if (cache.size >= ENDPOINT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, types);
  }
  return types;
}

function buildPipeQuery(ctx: RenderContext, pipe: PipeFile, stack: readonly string[]): WithTotals {
  if (stack.includes(pipe.name)) throw new BadRequestError(`Circular dependency between pipes: ${[...stack, pipe.name].join(' -> ')}`);
  const node = endpointNode(pipe, ctx.classicEndpoints);
  if (!node) throw new BadRequestError(`The pipe '${pipe.name}' does not have an endpoint yet`, { documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' });
  const idx = pipe.nodes.indexOf(node);
  const sql = renderNode(ctx, pipe, node);
  const restricted: PipeFile = { ...pipe, nodes: pipe.nodes.slice(0, idx) };
  return resolveQueryWithTotals(ctx, restricted, sql, [...stack, pipe.name]);
}

/** DuckDB SQL of one node of `pipe` as it reads the nodes before it (for its columns in the pipe metadata). */
export function nodeQuery(ctx: RenderContext, pipe: PipeFile, node: PipeNode): string {
  const restricted: PipeFile = { ...pipe, nodes: pipe.nodes.slice(0, pipe.nodes.indexOf(node)) };
  return resolveQuery(ctx, restricted, renderNode(ctx, pipe, node), [pipe.name]);
}

export function requirePipe(project: Project, name: string): PipeFile {
  const pipe = findPipe(project, name);
  if (!pipe) throw new NotFoundError(`The pipe '${name}' does not exist`);
  return pipe;
}
