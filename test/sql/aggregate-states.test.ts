// Persistent aggregate states (src/sql/aggregate-states.ts) against ClickHouse (chdb) as the oracle: states built,
// merged, re-merged, stored in typed DuckDB tables, written to Parquet, read back and combined as the storage
// engine combines parts must answer what ClickHouse's fMerge answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateStateType, combineStates } from '../../src/sql/aggregate-states.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { translateSql } from '../../src/sql/translate-sql.ts';
import { clickhouseType, duckdbType, unwrapType } from '../../src/sql/types.ts';
import { SqlError } from '../../src/errors.ts';

const SCHEMA = [
  ['k', 'String'], ['g', 'UInt8'], ['x', 'Int32'], ['xn', 'Nullable(Int32)'], ['f', 'Float64'], ['s', 'String'],
  ['sn', 'Nullable(String)'], ['ts', 'DateTime'], ['u', 'UInt32'], ['xn2', 'Nullable(Int32)'],
] as const;
const COLUMN_TYPES: ReadonlyMap<string, string> = new Map(SCHEMA);
const GROUPS = 5;
const ROWS = 300;

/**
 * Rows of 5 groups k, each split in 10 sub-groups g. Within a group, value `v<j>` of s occurs j + 1 times (v9 15
 * times), so topK has no ties; ts is unique, so argMax/argMin have none; f is a multiple of 0.25, so float sums
 * are exact in any order; xn2 is NULL throughout group k0.
 */
function rows(): (string | number | null)[][] {
  return Array.from({ length: ROWS }, (_, i) => {
    const r = Math.floor(i / GROUPS);
    const j = Math.floor((Math.sqrt(8 * r + 1) - 1) / 2);
    const x = ((i * 37) % 101) - 50;
    return [
      `k${i % GROUPS}`, (i * 7) % 10, x, i % 4 === 0 ? null : x % 13, ((i * 13) % 41) * 0.25, `v${Math.min(j, 9)}`,
      i % 3 === 0 ? null : `w${i % 11}`, new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % ROWS) * 61_000).toISOString().slice(0, 19).replace('T', ' '),
      (i * 104_729) % 4_000_000_000, i % GROUPS === 0 ? null : x,
    ];
  });
}
const lit = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v}'`);

interface Case {
  /** Function with parameters, as in a ClickHouse type: `quantiles(0.5, 0.9)`. */
  readonly fn: string;
  readonly args: string;
  /** The column type a data source declares for this state. */
  readonly type: string;
  /** SQL around the merged value where ClickHouse leaves the order unspecified. */
  readonly wrap?: (v: string) => string;
  /** Approximate in ClickHouse: numbers compared within this absolute tolerance. */
  readonly tolerance?: number;
  /**
   * Known difference within one query when the translator is not given column types (README): the result type
   * of `fMerge(fState(x))` in DuckDB.
   */
  readonly untypedType?: string;
  /**
   * Known difference within one query: group k0 holds only NULLs, and the merge of a state that is not a typed
   * column cannot tell a Nullable argument, so it answers the type's default, not NULL.
   */
  readonly untypedK0?: string;
}

const sorted = (v: string) => `arraySort(${v})`;
const CASES: readonly Case[] = [
  { fn: 'count', args: '', type: 'AggregateFunction(count)' },
  { fn: 'count', args: 'xn', type: 'AggregateFunction(count, Nullable(Int32))' },
  { fn: 'countIf', args: 'x > 0', type: 'AggregateFunction(countIf, UInt8)' },
  { fn: 'argMax', args: 's, ts', type: 'AggregateFunction(argMax, String, DateTime)' },
  { fn: 'argMax', args: 'sn, x', type: 'AggregateFunction(argMax, Nullable(String), Int32)' },
  { fn: 'sum', args: 'x', type: 'AggregateFunction(sum, Int32)' },
  { fn: 'sum', args: 'f', type: 'AggregateFunction(sum, Float64)' },
  { fn: 'sum', args: 'u', type: 'AggregateFunction(sum, UInt32)', untypedType: 'Int64' },
  { fn: 'max', args: 'ts', type: 'AggregateFunction(max, DateTime)' },
  { fn: 'max', args: 'sn', type: 'AggregateFunction(max, Nullable(String))' },
  { fn: 'avg', args: 'f', type: 'AggregateFunction(avg, Float64)' },
  { fn: 'avg', args: 'x', type: 'AggregateFunction(avg, Int32)' },
  { fn: 'uniq', args: 's', type: 'AggregateFunction(uniq, String)' },
  { fn: 'uniq', args: 'sn, g', type: 'AggregateFunction(uniq, Nullable(String), UInt8)' },
  { fn: 'min', args: 'f', type: 'AggregateFunction(min, Float64)' },
  { fn: 'min', args: 'xn', type: 'AggregateFunction(min, Nullable(Int32))' },
  { fn: 'min', args: 'xn2', type: 'AggregateFunction(min, Nullable(Int32))', untypedK0: '0' },
  { fn: 'argMax', args: 'xn2, ts', type: 'AggregateFunction(argMax, Nullable(Int32), DateTime)', untypedK0: '0' },
  { fn: 'anyLast', args: 'nullIf(toInt32(substring(k, 2, 1)), 0)', type: 'AggregateFunction(anyLast, Nullable(Int32))', untypedK0: '0' },
  { fn: 'sum', args: 'xn2', type: 'AggregateFunction(sum, Nullable(Int32))', untypedK0: '0' },
  { fn: 'quantileExact', args: 'xn2', type: 'AggregateFunction(quantileExact, Nullable(Int32))', untypedK0: '0' },
  { fn: 'avg', args: 'xn2', type: 'AggregateFunction(avg, Nullable(Int32))' },
  { fn: 'quantiles(0.5, 0.75)', args: 'xn2', type: 'AggregateFunction(quantiles(0.5, 0.75), Nullable(Int32))' },
  { fn: 'quantilesExact(0.5, 0.75)', args: 'xn2', type: 'AggregateFunction(quantilesExact(0.5, 0.75), Nullable(Int32))' },
  { fn: 'quantilesTDigest(0.5, 0.75)', args: 'xn2', type: 'AggregateFunction(quantilesTDigest(0.5, 0.75), Nullable(Int32))', tolerance: 5 },
  { fn: 'uniq', args: 'xn2', type: 'AggregateFunction(uniq, Nullable(Int32))' },
  { fn: 'uniqCombined', args: 'sn', type: 'AggregateFunction(uniqCombined, Nullable(String))' },
  { fn: 'uniqCombined64', args: 'x', type: 'AggregateFunction(uniqCombined64, Int32)' },
  { fn: 'groupArrayDistinct', args: 's', type: 'AggregateFunction(groupArrayDistinct, String)', wrap: sorted },
  { fn: 'groupUniqArray', args: 'xn', type: 'AggregateFunction(groupUniqArray, Nullable(Int32))', wrap: sorted },
  { fn: 'countDistinct', args: 'sn', type: 'AggregateFunction(countDistinct, Nullable(String))' },
  { fn: 'argMin', args: 'x, ts', type: 'AggregateFunction(argMin, Int32, DateTime)' },
  { fn: 'uniqExact', args: 'x', type: 'AggregateFunction(uniqExact, Int32)' },
  { fn: 'uniqHLL12', args: 's', type: 'AggregateFunction(uniqHLL12, String)' },
  { fn: 'quantile(0.9)', args: 'f', type: 'AggregateFunction(quantile(0.9), Float64)' },
  { fn: 'quantile', args: 'x', type: 'AggregateFunction(quantile, Int32)' },
  { fn: 'quantiles(0.1, 0.5, 0.9)', args: 'xn', type: 'AggregateFunction(quantiles(0.1, 0.5, 0.9), Nullable(Int32))' },
  { fn: 'quantileExact(0.5)', args: 'x', type: 'AggregateFunction(quantileExact(0.5), Int32)' },
  { fn: 'quantilesExact(0.25, 0.75)', args: 'f', type: 'AggregateFunction(quantilesExact(0.25, 0.75), Float64)' },
  { fn: 'quantileTDigest(0.5)', args: 'f', type: 'AggregateFunction(quantileTDigest(0.5), Float64)', tolerance: 0.5 },
  { fn: 'quantilesTDigest(0.25, 0.9)', args: 'f', type: 'AggregateFunction(quantilesTDigest(0.25, 0.9), Float64)', tolerance: 0.5 },
  { fn: 'median', args: 'x', type: 'AggregateFunction(median, Int32)' },
  { fn: 'groupArray', args: 's', type: 'AggregateFunction(groupArray, String)', wrap: sorted },
  { fn: 'groupArray(7)', args: 'sn', type: 'AggregateFunction(groupArray(7), Nullable(String))', wrap: (v) => `length(${v})` },
  { fn: 'topK(4)', args: 's', type: 'AggregateFunction(topK(4), String)' },
  { fn: 'topK', args: 's', type: 'AggregateFunction(topK, String)' },
  { fn: 'any', args: 'upper(k)', type: 'AggregateFunction(any, String)' },
  { fn: 'anyLast', args: 'lower(k)', type: 'AggregateFunction(anyLast, String)' },
  { fn: 'sumIf', args: 'x, x > 0', type: 'AggregateFunction(sumIf, Int32, UInt8)' },
  { fn: 'avgIf', args: 'f, x > 0', type: 'AggregateFunction(avgIf, Float64, UInt8)' },
  { fn: 'uniqIf', args: 's, x > 0', type: 'AggregateFunction(uniqIf, String, UInt8)' },
  { fn: 'stddevPop', args: 'f', type: 'AggregateFunction(stddevPop, Float64)' },
  { fn: 'varSamp', args: 'x', type: 'AggregateFunction(varSamp, Int32)' },
  { fn: 'varPop', args: 'xn2', type: 'AggregateFunction(varPop, Nullable(Int32))' },
  { fn: 'stddevSamp', args: 'u', type: 'AggregateFunction(stddevSamp, UInt32)' },
  { fn: 'groupBitOr', args: 'u', type: 'AggregateFunction(groupBitOr, UInt32)' },
  { fn: 'groupBitAnd', args: 'x', type: 'AggregateFunction(groupBitAnd, Int32)' },
  { fn: 'groupBitXor', args: 'xn2', type: 'AggregateFunction(groupBitXor, Nullable(Int32))', untypedK0: '0' },
  { fn: 'groupBitAndIf', args: 'u, x > 1000', type: 'AggregateFunction(groupBitAndIf, UInt32, UInt8)' },
  { fn: 'uniqUpTo(3)', args: 's', type: 'AggregateFunction(uniqUpTo(3), String)' },
  { fn: 'uniqUpTo(20)', args: 'sn', type: 'AggregateFunction(uniqUpTo(20), Nullable(String))' },
  // Sub-groups where nothing matches hold "no value yet", which must not win a merge.
  { fn: 'maxIf', args: 'x, x < -40', type: 'AggregateFunction(maxIf, Int32, UInt8)' },
  { fn: 'minIf', args: 'x, x > 40', type: 'AggregateFunction(minIf, Int32, UInt8)' },
  { fn: 'anyIf', args: 'upper(k), x > 45', type: 'AggregateFunction(anyIf, String, UInt8)' },
  { fn: 'argMaxIf', args: 's, ts, x > 40', type: 'AggregateFunction(argMaxIf, String, DateTime, UInt8)' },
  { fn: 'argMinIf', args: 'x, ts, x > 40', type: 'AggregateFunction(argMinIf, Int32, DateTime, UInt8)' },
  // Nothing matches: ClickHouse's defaults (0, '', 1970-01-01, nan) come out of the merge.
  { fn: 'countIf', args: 'x > 1000', type: 'AggregateFunction(countIf, UInt8)' },
  { fn: 'sumIf', args: 'f, x > 1000', type: 'AggregateFunction(sumIf, Float64, UInt8)' },
  { fn: 'maxIf', args: 'ts, x > 1000', type: 'AggregateFunction(maxIf, DateTime, UInt8)' },
  { fn: 'argMaxIf', args: 's, ts, x > 1000', type: 'AggregateFunction(argMaxIf, String, DateTime, UInt8)' },
  { fn: 'uniqIf', args: 's, x > 1000', type: 'AggregateFunction(uniqIf, String, UInt8)' },
  { fn: 'avgIf', args: 'f, x > 1000', type: 'AggregateFunction(avgIf, Float64, UInt8)' },
  { fn: 'groupArrayIf', args: 's, x > 1000', type: 'AggregateFunction(groupArrayIf, String, UInt8)' },
  { fn: 'quantileIf(0.5)', args: 'f, x > 1000', type: 'AggregateFunction(quantileIf(0.5), Float64, UInt8)' },
];

/** `quantiles(0.5)` + `Merge` → `quantilesMerge(0.5)`. */
const combinator = (fn: string, c: string) => fn.replace(/^(\w+)/, `$1${c}`);
const stateOf = (c: Case) => `${combinator(c.fn, 'State')}(${c.args})`;
const mergeOf = (c: Case, s: string) => (c.wrap ?? ((v: string) => v))(`${combinator(c.fn, 'Merge')}(${s})`);
const plainOf = (c: Case) => (c.wrap ?? ((v: string) => v))(`${c.fn}(${c.args})`);

interface Outcome {
  readonly types: string[];
  readonly rows: unknown[][];
}

function normalise(v: unknown): unknown {
  if (v === null || v === undefined || v === 'NaN' || (typeof v === 'number' && Number.isNaN(v))) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(12));
  if (Array.isArray(v)) return v.map(normalise);
  return String(v);
}
/** ClickHouse reports a SimpleAggregateFunction column's f(v) as the column type; DuckDB as the plain type. */
const comparableType = (t: string) =>
  unwrapType(t)
    .replace(/^SimpleAggregateFunction\(\w+, (.*)\)$/, '$1')
    .replace(/(?:Nullable|LowCardinality)\(([^()]*)\)/g, '$1');

let ch: Session;
let duck: DuckDBConnection;
let dir: string;

function clickhouse(sql: string): Outcome {
  const raw = JSON.parse(ch.query(sql, 'JSONCompact')) as { meta: { type: string }[]; data: unknown[][] };
  return { types: raw.meta.map((m) => comparableType(m.type)), rows: raw.data.map((r) => r.map(normalise)) };
}
async function duckdb(sql: string): Promise<Outcome> {
  const r = await duck.runAndReadAll(sql);
  return { types: r.columnTypes().map((t) => comparableType(clickhouseType(String(t)))), rows: r.getRowsJson().map((row) => row.map(normalise)) };
}

function expectClose(actual: Outcome, expected: Outcome, tolerance: number | undefined): void {
  if (tolerance === undefined) return expect(actual).toEqual(expected);
  expect(actual.types).toEqual(expected.types);
  const flat = (o: Outcome) => o.rows.flat(2) as unknown[];
  const [a, e] = [flat(actual), flat(expected)];
  expect(a.length).toBe(e.length);
  a.forEach((x, i) =>
    Number.isNaN(Number(x)) ? expect(x).toBe(e[i]) : expect(Math.abs(Number(x) - Number(e[i]))).toBeLessThanOrEqual(tolerance),
  );
}

beforeAll(async () => {
  ch = new Session();
  ch.query('SET output_format_json_quote_64bit_integers = 1');
  const values = rows().map((r) => `(${r.map(lit).join(', ')})`).join(', ');
  ch.query(`CREATE TABLE t (${SCHEMA.map(([n, t]) => `${n} ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY tuple()`);
  ch.query(`INSERT INTO t VALUES ${values}`);
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run("SET TimeZone = 'UTC'");
  for (const s of FUNCTION_LIBRARY) await duck.run(s);
  await duck.run(`CREATE TABLE t (${SCHEMA.map(([n, t]) => `${n} ${duckdbType(t)}`).join(', ')})`);
  await duck.run(`INSERT INTO t VALUES ${values}`);
  dir = mkdtempSync(join(tmpdir(), 'duckbird-states-'));
});
afterAll(() => {
  ch?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('-State / -Merge / -MergeState: ClickHouse vs translated SQL on DuckDB', () => {
  it.each(CASES.map((c) => [`${c.fn}(${c.args})`, c] as const))('%s', async (_name, c) => {
    const states = `SELECT k, g, ${stateOf(c)} AS s FROM t GROUP BY k, g`;
    const merged = `SELECT k, ${mergeOf(c, 's')} AS m FROM (${states}) GROUP BY k ORDER BY k`;
    const plain = `SELECT k, ${plainOf(c)} AS m FROM t GROUP BY k ORDER BY k`;
    const remerged = `SELECT k, ${mergeOf(c, 's2')} AS m FROM (SELECT k, ${combinator(c.fn, 'MergeState')}(s) AS s2 FROM (${states}) GROUP BY k, g % 3) GROUP BY k ORDER BY k`;
    const expected = clickhouse(merged);
    expect(expected.rows).toHaveLength(GROUPS);
    expect(clickhouse(plain)).toEqual(expected);
    expect(clickhouse(remerged)).toEqual(expected);
    const untyped = {
      types: c.untypedType ? ['String', c.untypedType] : expected.types,
      rows: c.untypedK0 ? expected.rows.map((r) => (r[0] === 'k0' ? [r[0], c.untypedK0] : r)) : expected.rows,
    };
    for (const sql of [merged, remerged]) {
      expectClose(await duckdb(translateSql(sql, { columnTypes: COLUMN_TYPES })), c.untypedK0 ? untyped : expected, c.tolerance);
      expectClose(await duckdb(translateSql(sql)), untyped, c.tolerance);
    }
  });
});

describe('states stored in typed columns, through Parquet, combined like merged parts', () => {
  it.each(CASES.map((c, i) => [c.type, c, i] as const))('%s', async (_name, c, i) => {
    const type = duckdbType(c.type);
    const file = join(dir, `st${i}.parquet`);
    // ClickHouse keeps the same states in an AggregatingMergeTree column of the declared type.
    ch.query(`CREATE TABLE st${i} (k String, g UInt8, s ${c.type}) ENGINE = AggregatingMergeTree ORDER BY (k, g)`);
    ch.query(`INSERT INTO st${i} SELECT k, g, ${stateOf(c)} FROM t GROUP BY k, g`);
    const expected = clickhouse(`SELECT k, ${mergeOf(c, 's')} AS m FROM st${i} GROUP BY k ORDER BY k`);

    await duck.run(`CREATE TABLE st${i} (k VARCHAR, g UTINYINT, s ${type})`);
    await duck.run(`INSERT INTO st${i} SELECT k, g, CAST(s AS ${type}) FROM (${translateSql(`SELECT k, g, ${stateOf(c)} AS s FROM t GROUP BY k, g`)})`);
    await duck.run(`COPY st${i} TO '${file}' (FORMAT parquet)`);
    await duck.run(
      `CREATE TABLE parts${i} AS SELECT k, g % 3 AS g, CAST(${combineStates(c.type, '"s"')} AS ${type}) AS s FROM read_parquet('${file}') GROUP BY k, g % 3`,
    );
    const stored = await duck.runAndReadAll(`SELECT DISTINCT typeof(s) = typeof(CAST(NULL AS ${type})) FROM parts${i}`);
    expect(stored.getRowsJson()).toEqual([[true]]);
    const merge = `SELECT k, ${mergeOf(c, 's')} AS m FROM parts${i} GROUP BY k ORDER BY k`;
    expectClose(await duckdb(translateSql(merge, { columnTypes: new Map([['s', c.type]]) })), expected, c.tolerance);
  });
});

describe('SimpleAggregateFunction columns combined like merged parts', () => {
  const SIMPLE: readonly { type: string; value: string; read?: (v: string) => string }[] = [
    { type: 'SimpleAggregateFunction(sum, Int64)', value: 'sum(x)' },
    { type: 'SimpleAggregateFunction(sum, UInt64)', value: 'sum(u)' },
    { type: 'SimpleAggregateFunction(sum, Float64)', value: 'sum(f)' },
    { type: 'SimpleAggregateFunction(max, DateTime)', value: 'max(ts)' },
    { type: 'SimpleAggregateFunction(min, Float64)', value: 'min(f)' },
    { type: 'SimpleAggregateFunction(min, Nullable(String))', value: 'min(sn)' },
    { type: 'SimpleAggregateFunction(any, String)', value: 'any(upper(k))' },
    { type: 'SimpleAggregateFunction(anyLast, String)', value: 'anyLast(lower(k))' },
    { type: 'SimpleAggregateFunction(groupBitOr, UInt32)', value: 'groupBitOr(u)' },
    { type: 'SimpleAggregateFunction(groupUniqArrayArray, Array(String))', value: 'groupUniqArray(s)', read: sorted },
    { type: 'SimpleAggregateFunction(groupArrayArray, Array(String))', value: 'groupArray(sn)', read: sorted },
  ];
  it.each(SIMPLE.map((c, i) => [c.type, c, i] as const))('%s', async (_name, c, i) => {
    const f = /\((\w+),/.exec(c.type)![1]!;
    const read = c.read ?? ((v: string) => v);
    ch.query(`CREATE TABLE sst${i} (k String, g UInt8, v ${c.type}) ENGINE = AggregatingMergeTree ORDER BY (k, g)`);
    ch.query(`INSERT INTO sst${i} SELECT k, g, ${c.value} FROM t GROUP BY k, g`);
    const expected = clickhouse(`SELECT k, ${read(`${f}(v)`)} AS m FROM sst${i} GROUP BY k ORDER BY k`);

    const type = duckdbType(c.type);
    const file = join(dir, `sst${i}.parquet`);
    await duck.run(`CREATE TABLE sst${i} (k VARCHAR, g UTINYINT, v ${type})`);
    await duck.run(`INSERT INTO sst${i} SELECT k, g, CAST(v AS ${type}) FROM (${translateSql(`SELECT k, g, ${c.value} AS v FROM t GROUP BY k, g`)})`);
    await duck.run(`COPY sst${i} TO '${file}' (FORMAT parquet)`);
    const combine = combineStates(c.type, '"v"');
    await duck.run(`CREATE TABLE sparts${i} AS SELECT k, g % 3 AS g, CAST(${combine} AS ${type}) AS v FROM read_parquet('${file}') GROUP BY k, g % 3`);
    const actual = await duckdb(`SELECT k, ${read('v').replace('arraySort', 'list_sort')} AS m FROM (SELECT k, CAST(${combine} AS ${type}) AS v FROM sparts${i} GROUP BY k) ORDER BY k`);
    expect(actual).toEqual(expected);
  });
});

describe('duckdbType of AggregateFunction columns', () => {
  it.each([
    ['AggregateFunction(count)', 'UBIGINT'],
    ['AggregateFunction(count, String)', 'UBIGINT'],
    ['AggregateFunction(countIf, UInt8)', 'UBIGINT'],
    ['AggregateFunction(COUNT)', 'UBIGINT'],
    ['AggregateFunction(argMax, String, DateTime)', 'STRUCT("arg" VARCHAR, "val" TIMESTAMP)'],
    ['AggregateFunction(argMaxIf, LowCardinality(String), DateTime64(3), UInt8)', 'STRUCT("arg" VARCHAR, "val" TIMESTAMP_MS)'],
    ['AggregateFunction(argMin, Nullable(Float64), Date)', 'STRUCT("arg" DOUBLE, "val" DATE)'],
    ['AggregateFunction(sum, Int32)', 'BIGINT'],
    ['AggregateFunction(sum, UInt8)', 'UBIGINT'],
    ['AggregateFunction(sum, Float32)', 'DOUBLE'],
    ['AggregateFunction(sum, Decimal(9, 2))', 'DECIMAL(38, 2)'],
    ['AggregateFunction(sum, Int128)', 'HUGEINT'],
    ['AggregateFunction(sumIf, UInt64, UInt8)', 'UBIGINT'],
    ['AggregateFunction(max, DateTime)', 'TIMESTAMP'],
    ['AggregateFunction(min, String)', 'VARCHAR'],
    ['AggregateFunction(avg, Float64)', 'STRUCT("sum" DOUBLE, "count" UBIGINT)'],
    ['AggregateFunction(avgIf, Int16, UInt8)', 'STRUCT("sum" BIGINT, "count" UBIGINT)'],
    ['AggregateFunction(uniq, String)', 'VARCHAR[]'],
    ['AggregateFunction(uniq, String, UInt32)', 'STRUCT("1" VARCHAR, "2" UINTEGER)[]'],
    ['AggregateFunction(uniqCombined, UUID)', 'UUID[]'],
    ['AggregateFunction(uniqCombined(14), String)', 'VARCHAR[]'],
    ['AggregateFunction(uniqCombined64, Int64)', 'BIGINT[]'],
    ['AggregateFunction(uniqExact, Nullable(String))', 'VARCHAR[]'],
    ['AggregateFunction(uniqHLL12, Date)', 'DATE[]'],
    ['AggregateFunction(uniqIf, String, UInt8)', 'VARCHAR[]'],
    ['AggregateFunction(countDistinct, String)', 'VARCHAR[]'],
    ['AggregateFunction(groupArrayDistinct, String)', 'VARCHAR[]'],
    ['AggregateFunction(groupUniqArray(10), Int32)', 'INTEGER[]'],
    ['AggregateFunction(groupArray, Array(String))', 'VARCHAR[][]'],
    ['AggregateFunction(groupArray(100), Tuple(String, UInt64))', 'STRUCT("1" VARCHAR, "2" UBIGINT)[]'],
    ['AggregateFunction(quantile(0.9), Float64)', 'DOUBLE[]'],
    ['AggregateFunction(quantiles(0.5, 0.9), Float64)', 'DOUBLE[]'],
    ['AggregateFunction(quantileExact, UInt32)', 'UINTEGER[]'],
    ['AggregateFunction(quantilesExact(0.5), Int64)', 'BIGINT[]'],
    ['AggregateFunction(quantileTDigest(0.99), Float32)', 'FLOAT[]'],
    ['AggregateFunction(quantilesTDigest(0.5, 0.99), UInt16)', 'USMALLINT[]'],
    ['AggregateFunction(median, Float64)', 'DOUBLE[]'],
    ['AggregateFunction(topK(10), String)', 'VARCHAR[]'],
    ['AggregateFunction(topK, LowCardinality(String))', 'VARCHAR[]'],
    ['AggregateFunction(any, String)', 'VARCHAR'],
    ['AggregateFunction(anyLast, DateTime)', 'TIMESTAMP'],
    ['AggregateFunction(varSamp, Float32)', 'FLOAT[]'],
    ['AggregateFunction(groupBitXor, UInt64)', 'UBIGINT'],
    ['AggregateFunction(uniqUpTo(10), String)', 'VARCHAR[]'],
    ['SimpleAggregateFunction(sum, UInt64)', 'UBIGINT'],
  ])('%s → %s', (chType, expected) => {
    expect(duckdbType(chType)).toBe(expected);
  });

  it.each([
    ['AggregateFunction(wadus, String)', 'Unsupported type AggregateFunction(wadus, String)'],
    ['AggregateFunction(argMax, String)', 'Unsupported type AggregateFunction(argMax, String)'],
    ['AggregateFunction(sum, String)', 'Unsupported type AggregateFunction(sum, String)'],
    ['AggregateFunction(groupBitOr, Float64)', 'Unsupported type AggregateFunction(groupBitOr, Float64)'],
    ['AggregateFunction(countIf)', 'Unsupported type AggregateFunction(countIf)'],
    ['AggregateFunction(uniqMerge, String)', 'Unsupported type AggregateFunction(uniqMerge, String)'],
    ['AggregateFunction(uniq, Wadus)', 'Unsupported type Wadus'],
    ['AggregateFunction()', 'Unsupported type AggregateFunction()'],
  ])('%s fails: %s', (chType, message) => {
    expect(() => duckdbType(chType)).toThrow(new SqlError(message));
  });

  it('aggregateStateType takes DuckDB argument types', () => {
    expect([aggregateStateType('argMaxIf', ['VARCHAR', 'DATE', 'UTINYINT']), aggregateStateType('toString', ['VARCHAR'])]).toEqual([
      'STRUCT("arg" VARCHAR, "val" DATE)',
      null,
    ]);
  });
});

describe('combineStates', () => {
  it.each([
    ['AggregateFunction(count)', 'CAST(coalesce(sum("c"), 0) AS UBIGINT)'],
    ['AggregateFunction(countIf, UInt8)', 'CAST(coalesce(sum("c"), 0) AS UBIGINT)'],
    ['AggregateFunction(sum, Int32)', 'cast_to_type(sum("c"), max("c"))'],
    ['AggregateFunction(avg, Float64)', `{'sum': coalesce(sum(("c").sum), 0), 'count': CAST(coalesce(sum(("c").count), 0) AS UBIGINT)}`],
    ['AggregateFunction(max, DateTime)', 'max("c")'],
    ['AggregateFunction(anyLast, String)', 'last("c") FILTER (WHERE "c" IS NOT NULL)'],
    ['AggregateFunction(argMax, String, DateTime)', `{'arg': arg_max(("c").arg, ("c").val), 'val': max(("c").val) FILTER (WHERE ("c").arg IS NOT NULL)}`],
    ['AggregateFunction(uniq, String)', 'list_distinct(coalesce(flatten(list("c")), []))'],
    ['AggregateFunction(groupUniqArray(5), String)', 'list_slice(list_distinct(coalesce(flatten(list("c")), [])), 1, 5)'],
    ['AggregateFunction(groupArray(5), String)', 'list_slice(coalesce(flatten(list("c")), []), 1, 5)'],
    ['AggregateFunction(quantiles(0.5, 0.9), Float64)', 'coalesce(flatten(list("c")), [])'],
    ['AggregateFunction(topK(3), String)', 'coalesce(flatten(list("c")), [])'],
    ['SimpleAggregateFunction(sum, UInt64)', 'sum("c")'],
    ['SimpleAggregateFunction(any, String)', 'any_value("c")'],
    ['SimpleAggregateFunction(anyLast, String)', 'last("c") FILTER (WHERE "c" IS NOT NULL)'],
    ['SimpleAggregateFunction(groupUniqArrayArray, Array(String))', 'list_distinct(coalesce(flatten(list("c")), []))'],
    ['SimpleAggregateFunction(groupArrayArray, Array(String))', 'coalesce(flatten(list("c")), [])'],
    ['String', null],
    ['Array(AggregateFunction(count))', null],
    ['Nullable(Int64)', null],
  ])('%s → %s', (chType, expected) => {
    expect(combineStates(chType, '"c"')).toBe(expected);
  });

  it.each([
    ['AggregateFunction(wadus, String)', 'Unsupported type AggregateFunction(wadus, String)'],
    ['SimpleAggregateFunction(argMax, String)', 'Unsupported type SimpleAggregateFunction(argMax, String)'],
  ])('%s fails: %s', (chType, message) => {
    expect(() => combineStates(chType, '"c"')).toThrow(new SqlError(message));
  });
});

describe('-State / -Merge translation errors', () => {
  it.each([
    ['SELECT argMaxState(x) FROM t', 'Unsupported ClickHouse syntax: argMaxState with 1 arguments at 1:8'],
    ['SELECT uniqMerge(s, t) FROM t', 'Unsupported ClickHouse syntax: uniqMerge with 2 arguments at 1:8'],
    ['SELECT sumOrNullState(x) FROM t', 'Unsupported ClickHouse syntax: sumOrNullState (combinators with -State/-Merge) at 1:8'],
    ['SELECT countState(DISTINCT x) FROM t', 'Unsupported ClickHouse syntax: countState (combinators with -State/-Merge) at 1:8'],
    ['SELECT corrState(x, y) FROM t', 'Unsupported ClickHouse syntax: corrState (no state representation) at 1:8'],
  ])('%s', (sql, message) => {
    expect(() => translateSql(sql)).toThrow(new SqlError(message));
  });
});

describe('-State / -Merge translation', () => {
  const types = new Map([
    ['n', 'UInt32'],
    ['m', 'AggregateFunction(min, Nullable(Int32))'],
    ['m2', 'AggregateFunction(min, Int32)'],
  ]);
  it.each([
    ['SELECT uniqState(user_id) AS s FROM t', 'SELECT coalesce(list(DISTINCT user_id) FILTER (WHERE user_id IS NOT NULL), []) AS s FROM "t"'],
    ['SELECT countIfState(n > 0) AS c FROM t', 'SELECT CAST(count(*) FILTER (WHERE n > 0) AS UBIGINT) AS c FROM "t"'],
    ['SELECT uniqIfMerge(s) AS u FROM mv', 'SELECT CAST(len(list_distinct(coalesce(flatten(list(s)), []))) AS UBIGINT) AS u FROM "mv"'],
    [
      'SELECT argMaxMergeState(a) AS a FROM mv',
      `SELECT {'arg': arg_max((a).arg, (a).val), 'val': max((a).val) FILTER (WHERE (a).arg IS NOT NULL)} AS a FROM "mv"`,
    ],
    // The argument's declared type gives the state the stored column's type: sum of a UInt32 is a UInt64.
    ['SELECT sumState(n) AS s FROM t', 'SELECT CAST(cast_to_type(sum(n), max(n) + CAST(0 AS BIGINT)) AS UBIGINT) AS s FROM "t"'],
    ['SELECT sumState(x) AS s FROM t', 'SELECT cast_to_type(sum(x), max(x) + CAST(0 AS BIGINT)) AS s FROM "t"'],
    // A column declared with a Nullable argument merges to NULL where it holds no value, others to the default.
    ['SELECT minMerge(m) AS v FROM mv', 'SELECT min(m) AS v FROM "mv"'],
    ['SELECT minMerge(m2) AS v FROM mv', 'SELECT coalesce(min(m2), ch_default(min(m2))) AS v FROM "mv"'],
    ['SELECT topKMerge(2)(k) AS v FROM mv', `SELECT coalesce(list_transform(list_slice(list_sort(list_transform(map_entries(list_aggregate(coalesce(flatten(list(k)), []), 'histogram')), e -> {'n': -CAST(e.value AS BIGINT), 'x': e.key})), 1, 2), e -> e.x), []) AS v FROM "mv"`],
  ])('%s', (sql, expected) => {
    expect(translateSql(sql, { columnTypes: types })).toBe(expected);
  });
});
