// What a changed `.datasource` does to the rows already stored (spec §9.2 `FORWARD_QUERY >`; Tinybird Forward's
// "evolve data sources"): the stored rows are rewritten into the new layout. Without a FORWARD_QUERY columns are
// matched by name, as Tinybird's automatic ALTER does: a new column takes its DEFAULT, else NULL when Nullable, else
// its type's default value; a removed column is dropped; `T` may become `Nullable(T)`. Any other type change is
// one Tinybird refuses without a FORWARD_QUERY (even String → LowCardinality(String)), so it is refused here too.
// A FORWARD_QUERY is the select list of a SELECT over the live rows (no FROM, no WHERE), e.g.
// `SELECT * EXCEPT 'guid', toUUID(guid) AS guid`; its columns must be exactly the new schema's.
// Pure: plans SQL text; the storage runs it (and DESCRIBEs the forward query, which only DuckDB can type).
import type { ColumnDef, DatasourceFile } from '../datafiles/types.ts';
import { AppError } from '../errors.ts';
import { duckdbType, splitTypeArgs, unwrapType } from '../sql/types.ts';
import { quoteIdent, quoteLiteral } from './table-layout.ts';

/** A change the stored rows cannot follow; `line` is where in the new datafile (for `file:line: message`). */
export class SchemaMigrationError extends AppError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(400, message);
  }
}

export interface Translators {
  /** ClickHouse expression → DuckDB (DEFAULT expressions). */
  readonly translateExpr: (expr: string) => string;
  /** ClickHouse query → DuckDB (the FORWARD_QUERY). */
  readonly translateSql: (sql: string) => string;
}

export interface MigrationPlan {
  /** False when only things the stored rows do not depend on changed (jsonpaths, DEFAULTs of existing columns...). */
  readonly rewrite: boolean;
  /**
   * Without a FORWARD_QUERY: the SELECT producing the new columns, in order and with their DuckDB types, from
   * `relation` (the stored rows with the old columns).
   */
  readonly select: ((relation: string) => string) | null;
  /** With one: the translated FORWARD_QUERY over `relation`; its result goes through `forwardSelect`. */
  readonly forwardQuery: ((relation: string) => string) | null;
  /** The same for the quarantine table (its columns follow the data source's, spec §2.5): new ones are NULL. */
  readonly quarantineSelect: (relation: string) => string;
}

const norm = (t: string) => t.replace(/\s+/g, '');

/** Columns and engine: what the stored parts depend on (jsonpaths, DEFAULTs and codecs only shape new rows). */
function storedShape(ds: DatasourceFile): string {
  return JSON.stringify([ds.columns.map((c) => [c.name, norm(c.type)]), ds.engine]);
}

export function planSchemaMigration(old: DatasourceFile, next: DatasourceFile, t: Translators): MigrationPlan {
  const quarantineSelect = (relation: string) => quarantineRows(old, next, relation);
  if (storedShape(old) === storedShape(next)) return { rewrite: false, select: null, forwardQuery: null, quarantineSelect };
  if (next.forwardQuery !== null) {
    const body = forwardQueryBody(next);
    return {
      rewrite: true,
      select: null,
      forwardQuery: (relation) => t.translateSql(`${body} FROM ${relation}`),
      quarantineSelect,
    };
  }
  const byName = new Map(old.columns.map((c) => [c.name, c]));
  const exprs = next.columns.map((c) => {
    const type = duckdbType(c.type);
    const before = byName.get(c.name);
    if (!before) return `${newColumnValue(c, t.translateExpr)} AS ${quoteIdent(c.name)}`;
    if (norm(before.type) === norm(c.type)) return quoteIdent(c.name);
    if (norm(`Nullable(${before.type})`) === norm(c.type)) return `CAST(${quoteIdent(c.name)} AS ${type}) AS ${quoteIdent(c.name)}`;
    throw new SchemaMigrationError(
      `column '${c.name}' of data source ${next.name} changed type from ${before.type} to ${c.type}: the stored rows need a FORWARD_QUERY ` +
        `to be migrated (spec §9.2), e.g. FORWARD_QUERY > SELECT * EXCEPT (${c.name}), ${suggestedCast(c)} AS ${c.name}`,
      columnLine(next, c.name),
    );
  });
  return { rewrite: true, select: (relation) => `SELECT ${exprs.join(', ')} FROM ${relation}`, forwardQuery: null, quarantineSelect };
}

/**
 * The new columns from the FORWARD_QUERY's result (`described`: its column names and DuckDB types, in order),
 * matched by name and cast to the new types; a NULL going into a column that is not Nullable takes the type's
 * default, as ClickHouse inserts it (insert_null_as_default). Also the casts that can fail, to find a bad value.
 */
export function forwardSelect(
  next: DatasourceFile,
  described: readonly { name: string; type: string }[],
  relation: string,
): { select: string; casts: { column: string; from: string; to: string }[] } {
  const names = new Set(described.map((d) => d.name));
  const missing = next.columns.filter((c) => !names.has(c.name)).map((c) => `'${c.name}'`);
  const extra = described.filter((d) => !next.columns.some((c) => c.name === d.name)).map((d) => `'${d.name}'`);
  if (missing.length || extra.length || names.size !== described.length) {
    const detail = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      extra.length ? `not in the schema ${extra.join(', ')}` : '',
      names.size !== described.length ? 'a column appears twice' : '',
    ].filter(Boolean);
    // Tinybird's wording ("FORWARD_QUERY columns don't match datasource schema."), with what differs.
    throw new SchemaMigrationError(`FORWARD_QUERY columns don't match datasource schema: ${detail.join('; ')}`, forwardQueryLine(next));
  }
  const types = new Map(described.map((d) => [d.name, d.type]));
  const casts: { column: string; from: string; to: string }[] = [];
  const exprs = next.columns.map((c) => {
    const type = duckdbType(c.type);
    const from = types.get(c.name)!;
    const col = `__fq.${quoteIdent(c.name)}`;
    if (from !== type) casts.push({ column: c.name, from, to: c.type });
    const value = from === type ? col : `CAST(${col} AS ${type})`;
    return `${c.nullable ? value : `coalesce(${value}, ${typeDefault(c.type)})`} AS ${quoteIdent(c.name)}`;
  });
  return { select: `SELECT ${exprs.join(', ')} FROM ${relation} AS __fq`, casts };
}

/**
 * One row: for each cast, the first value (as text) DuckDB cannot convert, or NULL. Run over the forward query's
 * result before the rewrite, so a failing migration names the column and the value instead of a bare cast error.
 */
export function badValuesQuery(casts: readonly { column: string; to: string }[], relation: string): string {
  const cols = casts.map((c) => {
    const col = quoteIdent(c.column);
    return `first(CAST(${col} AS VARCHAR)) FILTER (WHERE ${col} IS NOT NULL AND TRY_CAST(${col} AS ${duckdbType(c.to)}) IS NULL)`;
  });
  return `SELECT ${cols.join(', ')} FROM ${relation}`;
}

export function badValueError(next: DatasourceFile, cast: { column: string; from: string; to: string }, value: string): SchemaMigrationError {
  return new SchemaMigrationError(
    `cannot migrate the stored rows of data source ${next.name}: column '${cast.column}' has the value ${quoteLiteral(value)}, ` +
      `which cannot be converted to ${cast.to}; change the FORWARD_QUERY (e.g. accurateCastOrDefault) or the type`,
    forwardQueryLine(next),
  );
}

/** The FORWARD_QUERY as a SELECT without FROM; ClickHouse's `* EXCEPT 'a'` / `EXCEPT a` spelled `EXCEPT (a)`. */
export function forwardQueryBody(next: DatasourceFile): string {
  const text = (next.forwardQuery ?? '').trim().replace(/;\s*$/, '');
  if (!/^select\b/i.test(text)) {
    throw new SchemaMigrationError('FORWARD_QUERY must be a SELECT over the live rows, e.g. SELECT *, toString(x) AS y', forwardQueryLine(next));
  }
  if (/\b(from|where)\b/i.test(text.replace(/'(?:[^'\\]|\\.)*'/g, "''"))) {
    throw new SchemaMigrationError('FORWARD_QUERY is the column selection only: FROM and WHERE are not supported', forwardQueryLine(next));
  }
  const name = String.raw`(?:'(?:[^'\\]|\\.)*'|\x60[^\x60]*\x60|"[^"]*"|[A-Za-z_][A-Za-z0-9_]*)`;
  // Without parentheses EXCEPT takes one column, as in ClickHouse (`* EXCEPT a, b` selects b).
  const list = new RegExp(String.raw`\bEXCEPT\s+(?!\()(${name})`, 'gi');
  const quoted = new RegExp(String.raw`\bEXCEPT\s*\(\s*(${name}(?:\s*,\s*${name})*)\s*\)`, 'gi');
  const bare = (names: string) => names.split(',').map((n) => n.trim().replace(/^['"\x60](.*)['"\x60]$/s, '$1')).join(', ');
  return text.replace(list, (_m, names: string) => `EXCEPT (${bare(names)})`).replace(quoted, (_m, names: string) => `EXCEPT (${bare(names)})`);
}

/** The value a column added to stored rows takes (ClickHouse ADD COLUMN: DEFAULT, else NULL/type default). */
function newColumnValue(c: ColumnDef, translateExpr: (e: string) => string): string {
  const type = duckdbType(c.type);
  if (c.defaultExpr !== null) return `CAST((${translateExpr(c.defaultExpr)}) AS ${type})`;
  if (c.nullable) return `CAST(NULL AS ${type})`;
  return typeDefault(c.type);
}

/** ClickHouse's default value of a type (what a non-Nullable column without DEFAULT holds), as DuckDB SQL. */
export function typeDefault(chType: string): string {
  const t = unwrapType(chType);
  const duck = duckdbType(chType);
  const cast = (v: string) => `CAST(${v} AS ${duck})`;
  const args = (prefix: string) => splitTypeArgs(t.slice(prefix.length, -1));
  if (/^(U?Int\d+|Float\d+|Decimal|Bool)/.test(t)) return cast('0');
  if (/^Date(32)?$/.test(t)) return cast(`'1970-01-01'`);
  if (/^DateTime/.test(t)) return cast(`'1970-01-01 00:00:00'`);
  if (t === 'UUID') return cast(`'00000000-0000-0000-0000-000000000000'`);
  if (t === 'IPv4') return cast(`'0.0.0.0'`);
  if (t === 'IPv6') return cast(`'::'`);
  if (/^(Array|AggregateFunction)\(/.test(t)) return cast('[]');
  if (t.startsWith('Map(')) return cast('MAP {}');
  if (t.startsWith('SimpleAggregateFunction(')) return typeDefault(args('SimpleAggregateFunction(')[1] ?? 'String');
  if (t.startsWith('Tuple(')) {
    // `Tuple(a String, b Int32)` names its elements; `Tuple(String, Int32)` does not.
    const items = args('Tuple(').map((a) => (isTypeName(a) ? a : a.replace(/^(?:`[^`]+`|\S+)\s+/, '')));
    return cast(`ROW(${items.map(typeDefault).join(', ')})`);
  }
  // Enum8/16 default to their first value; String, FixedString, JSON and the rest to ''.
  const firstEnum = /^Enum(?:8|16)\(\s*'((?:[^'\\]|\\.)*)'/.exec(t);
  return cast(quoteLiteral(firstEnum ? firstEnum[1]! : ''));
}

const isTypeName = (s: string) => /^[A-Z][A-Za-z0-9]*(\(.*\))?$/s.test(s);

/** A cast to suggest in the FORWARD_QUERY hint: `toInt32(x)`, `toUUID(x)`..., else CAST(x AS T). */
function suggestedCast(c: ColumnDef): string {
  const t = unwrapType(c.type);
  if (/^(U?Int\d+|Float\d+|String|UUID|Date|DateTime|Bool)$/.test(t)) return `to${t}(${c.name})`;
  return `CAST(${c.name} AS ${c.type})`;
}

/** Quarantine rows keep the columns that still exist; a new column is NULL (all are Nullable(String)). */
function quarantineRows(old: DatasourceFile, next: DatasourceFile, relation: string): string {
  const had = new Set(old.columns.map((c) => c.name));
  const cols = next.columns.map((c) => (had.has(c.name) ? quoteIdent(c.name) : `CAST(NULL AS VARCHAR) AS ${quoteIdent(c.name)}`));
  return `SELECT c__error_column, c__error, c__import_id, ${[...cols, 'insertion_date'].join(', ')} FROM ${relation}`;
}

/** 1-based line of a column's definition in the datafile (1 when not found). */
function columnLine(ds: DatasourceFile, column: string): number {
  const lines = ds.text.split('\n');
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = lines.findIndex((l) => new RegExp(String.raw`^\s+(\x60${escaped}\x60|${escaped})\s`).test(l));
  return at < 0 ? 1 : at + 1;
}

function forwardQueryLine(ds: DatasourceFile): number {
  const at = ds.text.split('\n').findIndex((l) => /^FORWARD_QUERY\b/i.test(l));
  return at < 0 ? 1 : at + 1;
}

/** DuckDB types that come back from Parquet unchanged (storage.ts PARQUET_EXACT): a difference is a real change. */
const ROUND_TRIPS = /^(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DATE|TIMESTAMP|TIMESTAMP_NS|UUID)$/;

/**
 * When stored parts do not have the columns the datafile declares (it was edited while duckbird was stopped, or the
 * process died between a migration and the swap of the project files), the SELECT rewriting them by name from
 * `relation` (the parts as read from Parquet, `stored` their columns): a kept column is cast to its declared type, a
 * new one takes its DEFAULT / NULL / type default. Null when the parts already fit. No FORWARD_QUERY applies here:
 * the old datafile is gone, so this is the lenient by-name rewrite, and a cast that fails stops the start.
 */
export function reconcileSelect(
  stored: readonly { name: string; type: string }[],
  next: DatasourceFile,
  translateExpr: (e: string) => string,
  relation: string,
): string | null {
  const types = new Map(stored.map((c) => [c.name, c.type]));
  const fits =
    stored.length === next.columns.length &&
    next.columns.every((c) => {
      const had = types.get(c.name);
      const want = duckdbType(c.type);
      return had !== undefined && (had === want || !ROUND_TRIPS.test(had) || !ROUND_TRIPS.test(want));
    });
  if (fits) return null;
  const exprs = next.columns.map((c) =>
    types.has(c.name) ? `CAST(${quoteIdent(c.name)} AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}` : `${newColumnValue(c, translateExpr)} AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${exprs.join(', ')} FROM ${relation}`;
}

/** The same for the quarantine table: its columns by name, a missing one NULL. Null when the parts fit. */
export function reconcileQuarantineSelect(stored: readonly { name: string; type: string }[], columns: readonly { name: string; type: string }[], relation: string): string | null {
  const had = new Set(stored.map((c) => c.name));
  if (stored.length === columns.length && columns.every((c) => had.has(c.name))) return null;
  const exprs = columns.map((c) => (had.has(c.name) ? quoteIdent(c.name) : `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`));
  return `SELECT ${exprs.join(', ')} FROM ${relation}`;
}
