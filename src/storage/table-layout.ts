// What storage needs to know about one queryable table (a data source or its `<ds>_quarantine`): its columns as
// DuckDB types, and its partition and sorting keys as DuckDB expressions. Also the on-disk names derived from them.
import type { DatasourceFile } from '../datafiles/types.ts';
import { duckdbType } from '../sql/types.ts';

export interface StoredColumn {
  readonly name: string;
  /** DuckDB type, e.g. `TIMESTAMP` (a DateTime, sql/types.ts), `VARCHAR[]`. */
  readonly type: string;
}

export interface TableLayout {
  /** View name: the data source name, or `<ds>_quarantine`. */
  readonly name: string;
  readonly datasource: string;
  readonly kind: 'datasource' | 'quarantine';
  readonly columns: readonly StoredColumn[];
  /** DuckDB expression over the columns; null = one partition `all` (no key or `tuple()`). */
  readonly partitionExpr: string | null;
  /** DuckDB ORDER BY list; null = unsorted. */
  readonly sortExpr: string | null;
}

export const quoteIdent = (s: string) => `"${s.replaceAll('"', '""')}"`;
export const quoteLiteral = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** `tuple()`, empty and missing keys mean "none"; `tuple(a, b)` and `(a, b)` are a plain list. */
export function keyExpression(key: string | null, translateExpr: (e: string) => string): string | null {
  let k = (key ?? '').trim();
  const tuple = /^tuple\s*\((.*)\)$/is.exec(k);
  if (tuple) k = tuple[1]!.trim();
  else if (/^\((.*)\)$/s.test(k) && balanced(k.slice(1, -1))) k = k.slice(1, -1).trim();
  return k === '' ? null : translateExpr(k);
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

export function datasourceLayout(ds: DatasourceFile, translateExpr: (e: string) => string): TableLayout {
  const partition = keyExpression(ds.engine.partitionKey, translateExpr);
  return {
    name: ds.name,
    datasource: ds.name,
    kind: 'datasource',
    columns: ds.columns.map((c) => ({ name: c.name, type: duckdbType(c.type) })),
    // A tuple partition key becomes a DuckDB row value; its text form is the folder name.
    partitionExpr: partition,
    sortExpr: keyExpression(ds.engine.sortingKey, translateExpr),
  };
}

/** spec §2.5: errors, import id, every original column as text, insertion time; one partition, unsorted. */
export function quarantineLayout(ds: DatasourceFile, columns: readonly StoredColumn[]): TableLayout {
  return {
    name: `${ds.name}_quarantine`,
    datasource: ds.name,
    kind: 'quarantine',
    columns,
    partitionExpr: null,
    sortExpr: null,
  };
}

/** Folder for a partition value, hive style. Characters outside [A-Za-z0-9._-] are %-escaped like Hive does. */
export function partitionFolder(value: string | null): string {
  if (value === null) return 'partition=__HIVE_DEFAULT_PARTITION__';
  const escaped = [...Buffer.from(value, 'utf8')]
    .map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
    .join('');
  return `partition=${escaped}`;
}

export const NO_PARTITION = 'all';
