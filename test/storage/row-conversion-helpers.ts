// Runs the generated conversion on a real DuckDB, fed the way the storage engine feeds it (one string parameter).
import { DuckDBInstance, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import {
  buildNdjsonConversion,
  planNdjsonConversion,
  runNdjsonConversion,
  type ConversionOptions,
  type SqlSession,
} from '../../src/storage/row-conversion.ts';

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

/** The engine Session's shape over a raw connection, caching prepared statements for parameterised SQL. */
export function sqlSession(c: DuckDBConnection): SqlSession {
  const prepared = new Map<string, Promise<DuckDBPreparedStatement>>();
  return {
    async run(sql, params) {
      if (!params?.length) return void (await c.run(sql));
      if (!prepared.has(sql)) prepared.set(sql, c.prepare(sql));
      const p = await prepared.get(sql)!;
      p.bind([...params]);
      await p.run();
    },
    async query(sql) {
      return { rows: (await c.runAndReadAll(sql)).getRows() };
    },
  };
}

/** Converts `body` with the fast plan; rows as JSON objects without `__pending`, and the counts. */
export async function convertWithPlan(
  c: DuckDBConnection,
  columns: readonly ColumnDef[],
  body: string,
  opts?: ConversionOptions,
): Promise<{ rows: Record<string, unknown>[]; pendingAfterFast: number; counts: { successfulRows: number; quarantinedRows: number } }> {
  const plan = planNdjsonConversion(columns, opts);
  const s = sqlSession(c);
  await s.run(plan.create);
  await s.run(plan.clear);
  await s.run(plan.fast, [body]);
  const pendingAfterFast = Number((await s.query(plan.counts)).rows[0]![2]);
  const counts = await runNdjsonConversion(plan, s, body);
  const r = await c.runAndReadAll(`SELECT * EXCLUDE (__pending) FROM temp."${plan.table}"`);
  return { rows: r.getRowObjectsJson() as Record<string, unknown>[], pendingAfterFast, counts };
}
