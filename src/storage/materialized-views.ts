// Materialized views (spec §9.3 `TYPE materialized`): every batch appended to a view's source runs the view's SQL
// over that batch only, and the result is appended to the view's target in the same durable step as the batch
// (storage.ts). This module checks a view against its target's schema and builds the SELECT that produces target
// rows; it does no I/O beyond the DESCRIBE it is handed a session for.
import type { DatasourceFile } from '../datafiles/types.ts';
import type { Session } from '../engine/database.ts';
import { AppError } from '../errors.ts';
import { rephraseDuckdbError } from '../sql/rephrase-duckdb-error.ts';
import { quoteIdent, type TableLayout } from './table-layout.ts';

export interface ViewDefinition {
  /** The materialized pipe's name. */
  readonly name: string;
  /** `file:line` of the materialized node, for errors. */
  readonly origin: string;
  /** Data source whose appends trigger the view (the leftmost table the node reads, as in ClickHouse). */
  readonly source: string;
  /** `DATASOURCE` of the node. */
  readonly target: string;
  /**
   * DuckDB SELECT of the view with the source read from `input` (a relation with the source's columns), or from
   * the whole source when `input` is null (populating a new view).
   */
  readonly select: (input: string | null) => string;
}

export interface InstalledView {
  readonly def: ViewDefinition;
  /** SELECT producing the target's columns, in order and with its types, from the rows in `input`. */
  readonly rows: (input: string | null) => string;
}

/** A view that does not fit: `origin: message`. */
export class ViewError extends Error {}

/**
 * A view failed on appended rows. The append is undone with it (the view and its source never disagree), so
 * nothing was ingested: spec §2.3 answers 503 then.
 */
export class ViewFailedError extends AppError {
  constructor(view: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(503, `Materialized view ${view} failed, no data ingested: ${rephraseDuckdbError(message)}`);
  }
}

/** Target types a String cannot become without a per-row parse (ClickHouse refuses such a view). */
const NOT_FROM_TEXT = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(.*\)|DATE|TIMESTAMP.*|BOOLEAN)$/;

/**
 * Binds the view's SQL (DESCRIBE runs nothing) and matches its columns to the target's by name, as ClickHouse
 * inserts a view's block: a target column the view lacks takes NULL (Nullable) or its DEFAULT, else the view is
 * refused; a column the view has and the target lacks is refused, as Tinybird refuses it when the view is pushed.
 */
export async function installView(
  s: Session,
  def: ViewDefinition,
  target: { ds: DatasourceFile; table: TableLayout },
  translateExpr: (e: string) => string,
): Promise<InstalledView> {
  const fail = (message: string): never => {
    throw new ViewError(`${def.origin}: materialized view ${def.name}: ${message}`);
  };
  let described: { name: string; type: string }[] = [];
  try {
    const r = await s.query(`DESCRIBE ${def.select(null)}`);
    described = r.rows.map((row) => ({ name: String(row[0]), type: String(row[1]) }));
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  const have = new Map(described.map((c) => [c.name, c.type]));
  const extra = described.filter((c) => !target.table.columns.some((t) => t.name === c.name)).map((c) => c.name);
  if (extra.length) fail(`columns ${extra.map((c) => `'${c}'`).join(', ')} are not in the target data source ${target.ds.name}`);
  const missing: string[] = [];
  const wrong: string[] = [];
  const exprs = target.table.columns.map((col, i) => {
    const declared = target.ds.columns[i]!;
    const got = have.get(col.name);
    if (got === undefined) {
      if (declared.nullable) return `CAST(NULL AS ${col.type})`;
      if (declared.defaultExpr !== null) return `CAST((${translateExpr(declared.defaultExpr)}) AS ${col.type})`;
      missing.push(col.name);
      return '';
    }
    // DuckDB binds VARCHAR → number casts and fails them row by row at ingest; ClickHouse refuses the view.
    if (got === 'VARCHAR' && NOT_FROM_TEXT.test(col.type)) wrong.push(`'${col.name}' is ${got}, the target expects ${declared.type}`);
    return `CAST(__v.${quoteIdent(col.name)} AS ${col.type})`;
  });
  if (missing.length) fail(`the target data source ${target.ds.name} needs columns ${missing.map((c) => `'${c}'`).join(', ')} (no DEFAULT, not Nullable)`);
  if (wrong.length) fail(`column ${wrong.join('; column ')}`);
  const select = exprs.map((e, i) => `${e} AS ${quoteIdent(target.table.columns[i]!.name)}`).join(', ');
  const rows = (input: string | null) => `SELECT ${select} FROM (${def.select(input)}) AS __v`;
  try {
    // Casts between incompatible types (a state into a plain column, a list into a number) fail to bind.
    await s.query(`DESCRIBE ${rows(null)}`);
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
  return { def, rows };
}

/** `origin: message` for every view whose target leads back to its source through other views. */
export function cycleErrors(views: readonly ViewDefinition[]): string[] {
  const cyclic = (v: ViewDefinition) => {
    const seen = new Set<string>();
    const todo = [v.target];
    for (let t = todo.pop(); t !== undefined; t = todo.pop()) {
      if (t === v.source) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      for (const w of views) if (w.source === t) todo.push(w.target);
    }
    return false;
  };
  return views.filter(cyclic).map((v) => `${v.origin}: materialized view ${v.name}: views from ${v.source} lead back to it (a cycle)`);
}
