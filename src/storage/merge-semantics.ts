// MergeTree family semantics (spec §9.2 ENGINE, issue item 6), applied where ClickHouse applies them:
//  - ReplacingMergeTree: rows with the same sorting key in the same partition collapse to one when parts merge
//    (the highest ENGINE_VER, else the last inserted), and in `<ds>__final`, the view `FROM ds FINAL` reads, which
//    also hides rows whose ENGINE_IS_DELETED column is 1 (merges keep them, as ClickHouse without CLEANUP does).
//  - SummingMergeTree: merges sum the numeric columns (ENGINE_SUMMING_COLUMNS, else every numeric column outside
//    the sorting key) of rows with the same sorting key; other columns keep the first row's value.
//  - AggregatingMergeTree: merges combine the rows with the same sorting key: AggregateFunction columns merge their
//    states, SimpleAggregateFunction columns apply their function (sql/aggregate-states.ts), other columns keep the
//    first row's value. `<ds>__final` reads the same combination.
//  - CollapsingMergeTree: `<ds>__final` keeps, per sorting key, the last row when the signs sum to a state row
//    (as FINAL does for consistent data); merges leave rows alone.
//  - ENGINE_TTL: rows whose TTL expression is in the past are dropped whenever a part is written (flush, import,
//    merge); until then queries still see them, as in ClickHouse before the TTL merge.
// Pure: SQL text only. "Last inserted" is the part order (part ids grow with time; a merged part takes a new id),
// then the row order inside a part.
import type { DatasourceFile } from '../datafiles/types.ts';
import { combineStates } from '../sql/aggregate-states.ts';
import { quoteIdent, type TableLayout } from './table-layout.ts';

export interface EngineRules {
  /** DuckDB boolean: the row is still alive (its TTL is in the future). */
  readonly keep: string | null;
  readonly replacing: { readonly ver: string | null; readonly isDeleted: string | null } | null;
  readonly summing: { readonly keys: readonly string[]; readonly sums: readonly string[] } | null;
  /** Sorting key columns, and the DuckDB aggregate that combines each state column (by column name). */
  readonly aggregating: { readonly keys: readonly string[]; readonly combine: ReadonlyMap<string, string> } | null;
  readonly collapsing: { readonly sign: string } | null;
}

export const NO_RULES: EngineRules = { keep: null, replacing: null, summing: null, aggregating: null, collapsing: null };

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL\(.*\))$/;

/** Plain column names of a key expression (`a, b` / `(a, b)`), or null when it has expressions. */
function keyColumns(key: string | null, table: TableLayout): string[] | null {
  if (!key) return null;
  const names = table.columns.map((c) => c.name);
  const parts = key
    .replace(/^\s*(tuple\s*)?\((.*)\)\s*$/s, '$2')
    .split(',')
    .map((p) => p.trim().replace(/^`(.*)`$/, '$1'));
  return parts.every((p) => names.includes(p)) ? parts : null;
}

/** The TTL expression of `ENGINE_TTL` without its action (`DELETE`, `DELETE WHERE` is not supported). */
function ttlExpression(ttl: string | null): string | null {
  if (!ttl) return null;
  const m = /^(.*?)(\s+DELETE)?\s*$/is.exec(ttl.trim());
  const expr = m?.[1]?.trim() ?? '';
  return expr === '' || /\b(TO\s+(DISK|VOLUME)|GROUP\s+BY|RECOMPRESS|WHERE)\b/i.test(expr) || expr.includes(',') ? null : expr;
}

export function engineRules(ds: DatasourceFile, table: TableLayout, translateExpr: (e: string) => string): EngineRules {
  const e = ds.engine;
  const ttl = ttlExpression(e.ttl);
  const keep = ttl ? `coalesce(CAST((${translateExpr(ttl)}) AS TIMESTAMP) > CAST(now() AS TIMESTAMP), true)` : null;
  const col = (name: string | null) => (name ? quoteIdent(name.trim().replace(/^`(.*)`$/, '$1')) : null);
  const engine = e.engine.replace(/\(.*$/s, '').trim();
  let replacing: EngineRules['replacing'] = null;
  let summing: EngineRules['summing'] = null;
  let collapsing: EngineRules['collapsing'] = null;
  let aggregating: EngineRules['aggregating'] = null;
  if (engine === 'ReplacingMergeTree' && table.sortExpr) replacing = { ver: col(e.ver), isDeleted: col(e.isDeleted) };
  if (engine === 'SummingMergeTree') {
    const keys = keyColumns(e.sortingKey, table);
    if (keys) {
      const listed = e.summingColumns ? e.summingColumns.split(',').map((c) => c.trim().replace(/^`(.*)`$/, '$1')) : null;
      const sums = table.columns.filter((c) => !keys.includes(c.name) && NUMERIC.test(c.type) && (!listed || listed.includes(c.name))).map((c) => c.name);
      summing = { keys, sums };
    }
  }
  if (engine === 'AggregatingMergeTree') {
    const keys = keyColumns(e.sortingKey, table);
    if (keys) {
      const combine = new Map<string, string>();
      for (const c of ds.columns) {
        const expr = keys.includes(c.name) ? null : combineStates(c.type, quoteIdent(c.name));
        if (expr) combine.set(c.name, expr);
      }
      aggregating = { keys, combine };
    }
  }
  if ((engine === 'CollapsingMergeTree' || engine === 'VersionedCollapsingMergeTree') && table.sortExpr && e.sign) collapsing = { sign: col(e.sign)! };
  return { keep, replacing, summing, aggregating, collapsing };
}

/**
 * The rows a merge writes, from `source`: a relation with the table's columns plus `__rank` (part order) and
 * `__row` (row order in the part). The caller adds the ORDER BY.
 */
export function mergeSelect(table: TableLayout, rules: EngineRules, source: string): string {
  const cols = table.columns.map((c) => quoteIdent(c.name));
  const where = rules.keep ? ` WHERE ${rules.keep}` : '';
  if (rules.replacing) {
    const ver = rules.replacing.ver ? `${rules.replacing.ver} DESC, ` : '';
    return `SELECT ${cols.join(', ')} FROM ${source}${where} QUALIFY row_number() OVER (PARTITION BY ${table.sortExpr} ORDER BY ${ver}__rank DESC, __row DESC) = 1`;
  }
  if (rules.summing) {
    const { keys, sums } = rules.summing;
    const select = table.columns.map((c) => {
      const q = quoteIdent(c.name);
      if (keys.includes(c.name)) return q;
      if (sums.includes(c.name)) return `CAST(sum(${q}) AS ${c.type}) AS ${q}`;
      return `arg_min(${q}, (__rank, __row)) AS ${q}`;
    });
    return `SELECT ${select.join(', ')} FROM ${source}${where} GROUP BY ${keys.map(quoteIdent).join(', ')}`;
  }
  if (rules.aggregating) {
    const { keys, combine } = rules.aggregating;
    const select = table.columns.map((c) => {
      const q = quoteIdent(c.name);
      if (keys.includes(c.name)) return q;
      const expr = combine.get(c.name);
      return expr ? `CAST(${expr} AS ${c.type}) AS ${q}` : `arg_min(${q}, (__rank, __row)) AS ${q}`;
    });
    return `SELECT ${select.join(', ')} FROM ${source}${where} GROUP BY ${keys.map(quoteIdent).join(', ')}`;
  }
  return `SELECT ${cols.join(', ')} FROM ${source}${where}`;
}

/** What `FROM ds FINAL` reads (the view `<ds>__final`), or null when FINAL changes nothing for this engine. */
export function finalSelect(table: TableLayout, rules: EngineRules, source: string, partitionExpr: string | null): string | null {
  const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
  const by = [partitionExpr ? `(${partitionExpr})` : null, table.sortExpr].filter(Boolean).join(', ');
  if (rules.replacing) {
    const ver = rules.replacing.ver ? `${rules.replacing.ver} DESC, ` : '';
    const deleted = rules.replacing.isDeleted ? ` WHERE NOT coalesce(CAST(${rules.replacing.isDeleted} AS BOOLEAN), false)` : '';
    return `SELECT ${cols} FROM (SELECT * FROM ${source} QUALIFY row_number() OVER (PARTITION BY ${by} ORDER BY ${ver}__rank DESC, __row DESC) = 1)${deleted}`;
  }
  if (rules.summing || rules.aggregating) {
    return `SELECT ${cols} FROM (${mergeSelect(table, { ...rules, keep: null }, source)})`;
  }
  if (rules.collapsing) {
    const s = rules.collapsing.sign;
    return (
      `SELECT ${cols} FROM (SELECT *, sum(${s}) OVER w AS __sum, row_number() OVER (w ORDER BY __rank DESC, __row DESC) AS __last FROM ${source} ` +
      `WINDOW w AS (PARTITION BY ${by})) WHERE __last = 1 AND __sum > 0 AND ${s} = 1`
    );
  }
  return null;
}
