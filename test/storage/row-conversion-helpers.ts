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

/** JSON texts in every form the row conversion must tell apart (`undefined` leaves the key out); shared by the property tests. */
export const HOSTILE_VALUES: readonly (string | undefined)[] = [
  undefined, 'null', 'true', 'false', '[]', '[1,2]', '[1,"a"]', '{}', '{"a":1}', '{"a": [1, "v"]}',
  '""', '"str"', '"a\\"b\\\\c\\n"', '"\\u0000"', '"\\u00e9"', '"é"', '"1"', '"1.5"', '"true"', '"nan"', '"inf"',
  '0', '-0', '1', '-1', '127', '128', '-128', '-129', '255', '256', '2147483647', '2147483648', '-2147483649',
  '9223372036854775807', '9223372036854775808', '18446744073709551615', '18446744073709551616', '-1e2', '1e2',
  '1E5', '1.0', '1.5', '1.125', '2.5', '100', '99.995', '1e400', '-1e400', '1e38', '3.4e39', 'NaN', 'Infinity',
  '-Infinity', '0.1', '12345678901234567890123',
  '"2024-01-01 10:00:00"', '"2024-01-01T10:00:00"', '"2024-01-01T10:00:00Z"', '"2024-01-01 10:00:00.123456789"',
  '"2024-01-01 10:00:00.5"', '"2024-01-01 10:00:00+02:00"', '"2024-01-01T10:00:00.123+02:00"', '"2024-01-01"',
  '"2024-01-01 10:00"', '"2024-02-30 00:00:00"', '"2024-01-01 24:00:00"', '"2024-01-01 25:00:00"',
  '"1969-12-31 23:59:59"', '"1970-01-01 00:00:00"', '"2106-02-07 06:28:15"', '"2106-02-07 06:28:16"',
  '"1925-01-01 00:00:00"', '"1924-12-31 23:59:59.999"', '"2283-11-11 23:59:59.999999"', '"2283-11-12 00:00:00"',
  '"2149-06-06 23:59:59"', '"2149-06-07 00:00:00"', '"9999-12-31 23:59:59"', '"0001-01-01 00:00:00"',
  '"24-01-01 00:00:00"', '" 2024-01-01 00:00:00"', '"2024-01-01 00:00:00 "', '"2024-01-01\\u002010:00:00"',
  '"infinity"', '"epoch"', '"2024-01-01 10:00:00 UTC"', '"2024-01-01 10:00:00 Europe/Paris"', '"yesterday"',
  '1704103200', '1704103200123', '-1', '1704103200.5', '99999999999999', '"12345678-1234-5678-1234-567812345678"',
  '"{12345678-1234-5678-1234-567812345678}"',
];

/** A line made doubtful for a draw `r` below 0.08 (space, CR, BOM, cut, array, blank, duplicate key, null, trailing text); else as it is. */
export function mutateLine(line: string, r: number): string {
  let text = line;
  if (r < 0.01) text = ` ${text}`;
  else if (r < 0.02) text = `${text}\r`;
  else if (r < 0.03) text = `\uFEFF${text}`;
  else if (r < 0.04) text = text.slice(0, -3);
  else if (r < 0.05) text = `[${text}]`;
  else if (r < 0.06) text = '   ';
  else if (r < 0.07) text = `${text.slice(0, -1)},"s":"dup"}`;
  else if (r < 0.075) text = 'null';
  else if (r < 0.08) text = `${text} x`;
  return text;
}
