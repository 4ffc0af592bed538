// What a non-admin token may read in user SQL (`/v0/sql`, `q=`), and row-level filters (spec §6.1 DATASOURCES:READ
// with a filter) applied to every query: each filtered data source (and its quarantine table) is shadowed by a CTE
// of the same name that selects the permitted rows from the real view `main."<ds>"`. The CTEs come first in the
// WITH list, so every node, every pipe read through another pipe and every subquery resolves the name to them.
import type { Project } from '../datafiles/types.ts';
import { AppError, BadRequestError } from '../errors.ts';
import { referencedTables, translateSql } from '../sql/index.ts';
import { findPipe, withCtes } from './pipe-sql.ts';
import { isAdmin, mayReadPipe, readFilters, type Principal } from './scopes.ts';

export class ForbiddenResourceError extends AppError {
  constructor(message: string) {
    super(403, message, { documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' });
  }
}

const QUARANTINE = '_quarantine';

/** The data source a table name reads: itself, or the data source of a `<ds>_quarantine` table. */
function datasourceOf(project: Project, table: string): string | null {
  if (project.datasources.some((d) => d.name === table)) return table;
  if (table.endsWith(QUARANTINE)) {
    const ds = table.slice(0, -QUARANTINE.length);
    if (project.datasources.some((d) => d.name === ds)) return ds;
  }
  return null;
}

/**
 * Throws 403 unless `p` may read every table that ClickHouse SQL `chSql` names (spec §4.2 "Table resolution"):
 * data sources and quarantine tables with a READ scope, endpoint pipes with PIPES:READ, and `also` (`_`, the pipe
 * of `q=`). Qualified names (`main.x`) and anything else (DuckDB's own tables) are unknown resources.
 */
export function checkReadableTables(p: Principal, project: Project, chSql: string, also: readonly string[] = []): void {
  if (isAdmin(p)) return;
  for (const table of referencedTables(chSql)) {
    if (also.includes(table)) continue;
    const ds = datasourceOf(project, table);
    if (ds !== null) {
      if (readFilters(p, ds) === null) throw new ForbiddenResourceError(`Resource '${table}' not found`);
      continue;
    }
    const pipe = findPipe(project, table);
    if (pipe) {
      if (!mayReadPipe(p, pipe.name)) throw new ForbiddenResourceError(`Not enough permissions for pipe '${pipe.name}', token needs PIPES:READ scope`);
      continue;
    }
    throw new ForbiddenResourceError(`Resource '${table}' not found`);
  }
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** `[name, DuckDB SQL]` CTEs that replace every data source `p` reads through a filter. */
export function filterCtes(p: Principal, project: Project): [string, string][] {
  if (isAdmin(p)) return [];
  const out: [string, string][] = [];
  for (const ds of project.datasources) {
    const filters = readFilters(p, ds.name);
    if (!filters || filters.length === 0) continue;
    const where = filters.map((f) => `(${f})`).join(' OR ');
    for (const table of [ds.name, ds.name + QUARANTINE]) {
      let sql: string;
      try {
        sql = translateSql(`SELECT * FROM main.${quoteIdent(table)} WHERE ${where}`);
      } catch (e) {
        throw new BadRequestError(`The filter of the token's DATASOURCES:READ:${ds.name} scope is not valid SQL: ${(e as Error).message}`);
      }
      out.push([table, sql]);
    }
  }
  return out;
}

/** `sql` (DuckDB) with the row filters of `p` in force. */
export function restrictQuery(p: Principal | undefined, project: Project, sql: string): string {
  return p ? withCtes(filterCtes(p, project), sql) : sql;
}
