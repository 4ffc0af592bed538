// The project's materialized views (spec §9.3 `TYPE materialized` + `DATASOURCE`) as the storage engine runs them:
// the materialized node's SQL, with the nodes it reads as CTEs, and its source data source read from the batch
// being appended (a CTE named like the source shadows it).
import type { PipeFile } from '../datafiles/types.ts';
import { referencedTables } from '../sql/index.ts';
import type { ViewDefinition } from '../storage/storage.ts';
import { renderNode, resolveQuery, type RenderContext } from './pipe-sql.ts';

/**
 * The data source whose inserts trigger the view: the first one the node reads, directly or through earlier nodes,
 * as ClickHouse triggers a view on the leftmost table of its SELECT. Other tables it joins are read whole.
 */
function sourceOf(ctx: RenderContext, pipe: PipeFile, upTo: number, sql: string, seen = new Set<string>()): string | null {
  for (const table of referencedTables(sql)) {
    const idx = pipe.nodes.findIndex((n, i) => i < upTo && n.name === table);
    if (idx >= 0) {
      if (seen.has(table)) continue;
      seen.add(table);
      const found = sourceOf(ctx, pipe, idx, renderNode(ctx, pipe, pipe.nodes[idx]!).sql, seen);
      if (found) return found;
      continue;
    }
    if (ctx.project.datasources.some((d) => d.name === table)) return table;
  }
  return null;
}

/** Views of `project`'s materialized pipes, and `file:line: message` for the ones that cannot run. */
export function viewDefinitions(ctx: RenderContext): { views: ViewDefinition[]; errors: string[]; broken: string[] } {
  const views: ViewDefinition[] = [];
  const errors: string[] = [];
  /** Views whose pipe cannot be run: the storage keeps their last good version if it has one. */
  const broken: string[] = [];
  for (const pipe of ctx.project.pipes) {
    if (pipe.type !== 'materialized' || !pipe.typedNode || !pipe.materializedDatasource) continue;
    const idx = pipe.nodes.findIndex((n) => n.name === pipe.typedNode);
    const node = pipe.nodes[idx]!;
    const origin = `${pipe.path}:${node.sqlLine}`;
    try {
      const rendered = renderNode(ctx, pipe, node);
      const source = sourceOf(ctx, pipe, idx, rendered.sql);
      if (!source) {
        errors.push(`${origin}: materialized view ${pipe.name} reads no data source`);
        broken.push(pipe.name);
        continue;
      }
      const restricted: PipeFile = { ...pipe, nodes: pipe.nodes.slice(0, idx) };
      const select = (input: string | null) =>
        resolveQuery(ctx, restricted, rendered, [pipe.name], input === null ? [] : [[source, `SELECT * FROM ${input}`]]);
      select(null);
      views.push({ name: pipe.name, origin, source, target: pipe.materializedDatasource, select });
    } catch (e) {
      errors.push(`${origin}: materialized view ${pipe.name}: ${e instanceof Error ? e.message : String(e)}`);
      broken.push(pipe.name);
    }
  }
  return { views, errors, broken };
}
