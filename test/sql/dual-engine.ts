// One fixture table in ClickHouse (chdb) and in DuckDB (with FUNCTION_LIBRARY), and a runner that executes the
// same ClickHouse SQL in both: chdb runs it as written, DuckDB runs translateSql's output.
import { Session } from 'chdb';
import { ANY, DuckDBInstance, DuckDBScalarFunction, UBIGINT, type DuckDBConnection } from '@duckdb/node-api';
import { cityHash64, cityHashArgOf } from '../../src/sql/city-hash.ts';
import { translateSql, translateSqlWithTotals } from '../../src/sql/translate-sql.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { clickhouseType, duckdbType, unwrapType } from '../../src/sql/types.ts';

const SCHEMA = [
  ['session_id', 'String'], ['station_id', 'String'], ['user_id', 'String'], ['start_time', 'DateTime'],
  ['end_time', 'DateTime'], ['energy_consumed', 'Float64'], ['amount_paid', 'Float64'], ['charging_type', 'String'],
  ['location', 'String'], ['timestamp', 'DateTime'], ['n', 'Int32'], ['tags', 'Array(String)'],
  ['payload', 'String'], ['url', 'String'], ['ts_ms', 'Int64'],
] as const;
type Value = string | number | string[];
const ROWS: Value[][] = [
  ['s1', 'st1', 'u1', '2024-01-26 10:00:00', '2024-01-26 11:00:00', 15.5, 10, 'AC', 'Main Street', '2024-01-26 10:00:00', 3, ['a', 'b'],
    '{"user":{"id":42,"name":"Ann"},"ok":true,"score":1.5,"tags":["x","y"]}', 'https://www.example.com/a/b?q=1#f', 1706263200123],
  ['s2', 'st1', 'u2', '2024-01-27 23:59:59', '2024-01-28 00:30:00', 7.25, 5.5, 'DC', 'Main Street', '2024-01-27 23:59:59', -7, [],
    '{"user":{"id":-3,"name":"Bob"},"ok":false,"score":-2}', 'http://example.org', 1706399999999],
  ['s3', 'st2', 'u1', '2024-02-03 08:15:30', '2024-02-03 09:45:00', 30, 21.75, 'AC', 'Elm', '2024-02-03 08:15:30', 10, ['b'],
    '{"user":{"name":"Cy"}}', 'https://sub.www.test.io:8080/x/y.html', 1706948130500],
  ['s4', 'st3', 'u3', '2023-12-31 23:00:00', '2024-01-01 01:00:00', 2.5, 1.25, 'AC', "it's 50%_off", '2023-12-31 23:00:00', 0, ['a', 'c', 'a'],
    'not json', '/relative/path', 0],
];
/**
 * Instants around daylight-saving changes (time-zones.test.ts): Europe/Madrid springs forward at 2024-03-31 01:00
 * UTC and falls back at 2024-10-27 01:00 UTC (02:30 happens twice), America/New_York at 2024-03-10 07:00 and
 * 2024-11-03 06:00 UTC; Asia/Kolkata is UTC+05:30 all year. `wall` is a wall-clock text, `day` a Date.
 */
export const TZ_SCHEMA = [['id', 'UInt8'], ['ts', 'DateTime'], ['ts_ms', 'DateTime64(3)'], ['day', 'Date'], ['wall', 'String']] as const;
const TZ_ROWS: Value[][] = [
  [1, '2024-03-31 00:30:00', '2024-03-31 00:30:00.125', '2024-03-31', '2024-03-31 01:30:00'],
  [2, '2024-03-31 01:30:00', '2024-03-31 01:30:00.500', '2024-03-30', '2024-03-31 03:30:00'],
  [3, '2024-10-27 00:30:00', '2024-10-27 00:30:00.001', '2024-10-27', '2024-10-27 02:30:00'],
  [4, '2024-10-27 01:30:00', '2024-10-27 01:30:00.999', '2024-10-26', '2024-10-27 03:30:00'],
  [5, '2024-03-10 06:59:59', '2024-03-10 06:59:59.000', '2024-03-10', '2024-03-10 01:59:59'],
  [6, '2024-03-10 07:30:00', '2024-03-10 07:30:00.000', '2024-03-09', '2024-03-10 03:30:00'],
  [7, '2024-11-03 05:30:00', '2024-11-03 05:30:00.000', '2024-11-03', '2024-11-03 01:30:00'],
  [8, '2024-11-03 06:30:00', '2024-11-03 06:30:00.000', '2024-11-02', '2024-11-03 00:30:00'],
  [9, '2023-12-31 20:00:00', '2023-12-31 20:00:00.000', '2023-12-31', '2023-12-31 23:59:59'],
  [10, '2024-01-01 23:45:00', '2024-01-01 23:45:00.000', '2024-01-01', '2024-01-02 05:15:00'],
];
/** Declared types of both fixture tables' columns, as the service passes them to the translator. */
export const FIXTURE_COLUMN_TYPES: ReadonlyMap<string, string> = new Map<string, string>([...SCHEMA, ...TZ_SCHEMA]);
const lit = (v: Value): string =>
  Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : typeof v === 'number' ? String(v) : `'${v.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

export interface DualEngine {
  /** `opts.columnTypes`: pass the fixture's declared column types to the translator, as the service can. */
  run(sql: string, opts?: { columnTypes?: boolean }): Promise<{ expected: Outcome; actual: Outcome; translated: string }>;
  /** A `WITH TOTALS` query: ClickHouse's rows and `totals` row, and DuckDB's from translateSqlWithTotals. */
  runWithTotals(sql: string): Promise<{ expected: Outcome & { totals: unknown[] }; actual: Outcome & { totals: unknown[] } }>;
  close(): void;
}
export interface Outcome {
  readonly names: string[];
  readonly types: string[];
  readonly rows: unknown[][];
}

function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  // Integers compare as exact decimal strings (64-bit values do not fit a JS number), floats to 15 digits.
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? Number(v.toPrecision(15)) : null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(normalise);
  const o = v as { items?: unknown[]; entries?: unknown };
  if (Array.isArray(o.items)) return o.items.map(normalise);
  if (Array.isArray(o.entries)) return Object.fromEntries((o.entries as { key: unknown; value: unknown }[]).map((e) => [String(e.key), normalise(e.value)]));
  if (o.entries && typeof o.entries === 'object') return Object.values(o.entries).map(normalise);
  return String(v);
}

/**
 * DuckDB prints timestamps with as few fraction digits as needed; ClickHouse (and the service) with all of them.
 * A TIMESTAMP is a DateTime and must hold whole seconds, so it is compared as DuckDB prints it.
 */
function normaliseDuckdb(v: unknown, type: string): unknown {
  const digits = { TIMESTAMP_MS: 3, TIMESTAMP_NS: 9 }[type];
  if (digits && v !== null) {
    const [whole, frac = ''] = String(v).split('.');
    return `${whole}.${frac.padEnd(digits, '0')}`;
  }
  if (type.startsWith('DECIMAL') && v !== null) return normalise(Number(String(v)));
  if (type.endsWith('[]') && v && typeof v === 'object' && Array.isArray((v as { items?: unknown[] }).items))
    return (v as { items: unknown[] }).items.map((x) => normaliseDuckdb(x, type.slice(0, -2)));
  return normalise(v);
}

/** ClickHouse's JSON keeps 64-bit integers as strings and tuples as arrays; bring both sides to one shape. */
function normaliseClickhouse(v: unknown, type: string): unknown {
  const t = unwrapType(type);
  if (v === null) return null;
  if (/^U?Int/.test(t) && typeof v === 'string') return v;
  if (/^(Float|Decimal)/.test(t) && typeof v === 'string') return normalise(Number(v));
  if (t.startsWith('Array(') && Array.isArray(v)) return v.map((x) => normaliseClickhouse(x, t.slice(6, -1)));
  if (t.startsWith('Map(') && v && typeof v === 'object') {
    const vt = splitArgs(t.slice(4, -1))[1]!;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normaliseClickhouse(x, vt)]));
  }
  if (t.startsWith('Tuple(') && Array.isArray(v)) {
    const ts = splitArgs(t.slice(6, -1));
    return v.map((x, i) => normaliseClickhouse(x, ts[i]!.replace(/^[a-z_]\w*\s+(?=[A-Z])/, '')));
  }
  return normalise(v);
}

function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Nullability is not visible in DuckDB result types, and a -SimpleState column is reported as its plain type
 * (README: known differences); everything else in the type name must agree.
 */
function comparableType(t: string): string {
  return unwrapType(t)
    .replace(/^SimpleAggregateFunction\(\w+, (.*)\)$/, '$1')
    .replace(/(?:Nullable|LowCardinality)\(([^()]*)\)/g, '$1');
}

/** How the engine registers cityHash64 (a macro cannot loop over 64-byte blocks): a varargs scalar function. */
export function registerCityHash64(duck: DuckDBConnection): void {
  duck.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'cityHash64',
      varArgsType: ANY,
      returnType: UBIGINT,
      mainFunction: (_info, input, output) => {
        const vectors = Array.from({ length: input.columnCount }, (_, i) => input.getColumnVector(i));
        for (let row = 0; row < input.rowCount; row++)
          output.setItem(row, cityHash64(...vectors.map((v) => cityHashArgOf(v.getItem(row), v.type.toString()))));
        output.flush();
      },
    }),
  );
}

export async function openDualEngine(): Promise<DualEngine> {
  const ch = new Session();
  // 64-bit integers as JSON strings, so they reach the comparison exact.
  ch.query('SET output_format_json_quote_64bit_integers = 1');
  ch.query(`CREATE TABLE charging_sessions (${SCHEMA.map(([n, t]) => `\`${n}\` ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY tuple()`);
  ch.query(`INSERT INTO charging_sessions VALUES ${ROWS.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
  ch.query(`CREATE TABLE tz_events (${TZ_SCHEMA.map(([n, t]) => `\`${n}\` ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY tuple()`);
  ch.query(`INSERT INTO tz_events VALUES ${TZ_ROWS.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
  const duck: DuckDBConnection = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run("SET TimeZone = 'UTC'");
  for (const s of FUNCTION_LIBRARY) await duck.run(s);
  registerCityHash64(duck);
  await duck.run(`CREATE TABLE charging_sessions (${SCHEMA.map(([n, t]) => `"${n}" ${duckdbType(t)}`).join(', ')})`);
  await duck.run(`INSERT INTO charging_sessions VALUES ${ROWS.map((r) => `(${r.map((v) => lit(v).replaceAll('\\\\', '\\')).join(', ')})`).join(', ')}`);
  await duck.run(`CREATE TABLE tz_events (${TZ_SCHEMA.map(([n, t]) => `"${n}" ${duckdbType(t)}`).join(', ')})`);
  await duck.run(`INSERT INTO tz_events VALUES ${TZ_ROWS.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
  const duckOutcome = async (sql: string): Promise<Outcome> => {
    const r = await duck.runAndReadAll(sql);
    return {
      names: r.columnNames(),
      types: r.columnTypes().map((t) => comparableType(clickhouseType(String(t)))),
      rows: r.getRows().map((row) => row.map((v, i) => normaliseDuckdb(v, String(r.columnTypes()[i])))),
    };
  };
  return {
    async runWithTotals(sql: string) {
      const raw = JSON.parse(ch.query(sql, 'JSONCompact')) as { meta: { name: string; type: string }[]; data: unknown[][]; totals: unknown[] };
      const norm = (r: unknown[]) => r.map((v, i) => normaliseClickhouse(v, raw.meta[i]!.type));
      const expected = { names: raw.meta.map((m) => m.name), types: raw.meta.map((m) => comparableType(m.type)), rows: raw.data.map(norm), totals: norm(raw.totals) };
      const t = translateSqlWithTotals(sql);
      const rows = await duckOutcome(t.sql);
      const totals = t.totals === null ? { rows: [[]] } : await duckOutcome(t.totals);
      return { expected, actual: { ...rows, totals: totals.rows[0] ?? [] } };
    },
    async run(sql: string, opts: { columnTypes?: boolean } = {}) {
      const raw = JSON.parse(ch.query(sql, 'JSONCompact')) as { meta: { name: string; type: string }[]; data: unknown[][] };
      const expected = {
        names: raw.meta.map((m) => m.name),
        types: raw.meta.map((m) => comparableType(m.type)),
        rows: raw.data.map((r) => r.map((v, i) => normaliseClickhouse(v, raw.meta[i]!.type))),
      };
      const translated = translateSql(sql, opts.columnTypes ? { columnTypes: FIXTURE_COLUMN_TYPES } : {});
      const r = await duck.runAndReadAll(translated);
      const actual = {
        names: r.columnNames(),
        types: r.columnTypes().map((t) => comparableType(clickhouseType(String(t)))),
        rows: r.getRows().map((row) => row.map((v, i) => normaliseDuckdb(v, String(r.columnTypes()[i])))),
      };
      return { expected, actual, translated };
    },
    close: () => ch.close(),
  };
}
