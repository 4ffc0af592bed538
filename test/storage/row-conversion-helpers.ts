// Runs the generated conversion on a real DuckDB, fed the way the storage engine feeds it (one string parameter).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import { buildNdjsonConversion, type ConversionOptions } from '../../src/storage/row-conversion.ts';

export const SOURCE =
  '(SELECT unnest(l) AS __line, generate_subscripts(l, 1) AS __n FROM (SELECT string_split($1, chr(10)) l))';

export function col(name: string, type: string, extra: Partial<ColumnDef> = {}): ColumnDef {
  return {
    name,
    type,
    nullable: /^(LowCardinality\()?Nullable\(/.test(type),
    jsonpath: `$.${name}`,
    defaultExpr: null,
    codec: null,
    ...extra,
  };
}

let conn: Promise<DuckDBConnection> | null = null;

export function connection(timeZone = 'UTC'): Promise<DuckDBConnection> {
  conn ??= (async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const c = await inst.connect();
    await c.run(`SET TimeZone = '${timeZone}'`);
    return c;
  })();
  return conn;
}

export async function convertLines(
  columns: readonly ColumnDef[],
  body: string,
  opts?: ConversionOptions,
): Promise<Record<string, unknown>[]> {
  const c = await connection();
  const r = await c.runAndReadAll(buildNdjsonConversion(columns, SOURCE, opts), [body]);
  return r.getRowObjectsJson() as Record<string, unknown>[];
}

/** One line through one column: the converted value, or the error list. */
export async function convertOne(column: ColumnDef, line: string): Promise<{ value?: unknown; errors?: unknown; raw?: unknown }> {
  const [row] = await convertLines([column], line);
  const errors = row!.__error as unknown[];
  if (errors.length === 0) return { value: row![column.name] };
  return { errors, raw: row![`__raw_${column.name}`] };
}
