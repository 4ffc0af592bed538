// The JS path (js-fast-rows.ts) must accept a line only when the full conversion (buildNdjsonConversion) accepts
// it with identical values: hostile lines go through both, line by line, and what the JS path accepted is appended
// with the engine's Appender and read back next to the full conversion's row. The values and line mutations are
// those of row-conversion-fast.test.ts (copied: that file does not export them), plus forms only the JS path reads
// itself (number texts, float32 rounding, calendar dates, flat-object grammar).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import { Session } from '../../src/engine/database.ts';
import { duckdbType } from '../../src/sql/types.ts';
import { planJsFastRows, type JsFastRows } from '../../src/storage/js-fast-rows.ts';
import { buildNdjsonConversion, countNdjsonRows } from '../../src/storage/row-conversion.ts';
import { col, HOSTILE_VALUES, mutateLine, SOURCE } from './row-conversion-helpers.ts';

const COLUMNS: ColumnDef[] = [
  col('s', 'String'),
  col('ns', 'Nullable(String)'),
  col('lcs', 'LowCardinality(String)'),
  col('lcns', 'LowCardinality(Nullable(String))'),
  col('i8', 'Int8'),
  col('u8', 'UInt8'),
  col('i16', 'Int16'),
  col('u16', 'UInt16'),
  col('i32', 'Int32'),
  col('u32', 'UInt32'),
  col('i64', 'Int64'),
  col('u64', 'UInt64'),
  col('ni32', 'Nullable(Int32)'),
  col('f32', 'Float32'),
  col('f64', 'Float64'),
  col('nf64', 'Nullable(Float64)'),
  col('b', 'Bool'),
  col('nb', 'Nullable(Bool)'),
  col('dt', 'DateTime'),
  col('dt64_0', 'DateTime64(0)'),
  col('dt64', 'DateTime64(3)'),
  col('dt64_6', 'DateTime64(6)'),
  col('dt64_9', 'DateTime64(9)'),
  col('d', 'Date'),
  col('d32', 'Date32'),
  col('ndt', 'Nullable(DateTime)'),
  col('nd', 'Nullable(Date)'),
  col('renamed', 'Int32', { jsonpath: '$.k' }),
  col('def', 'Int32', { defaultExpr: '5' }),
  col('ndef', 'Nullable(Int32)', { defaultExpr: '7' }),
  col('ddef', 'DateTime', { defaultExpr: "'2020-01-01 00:00:00'" }),
];
const KEYS = COLUMNS.map((c) => c.jsonpath!.slice(2));

const VALUES: (string | undefined)[] = [
  ...HOSTILE_VALUES,
  // the JS path's own reading
  '-0.0', '0.0', '-0.5', '1.7976931348623157e308', '2e308', '3.4028234663852886e38', '3.4028235e38', '3.4028236e38',
  '1.000000059604644775390625', '1.0000000596046448', '1.00000006', '16777217', '16777219', '1e-45', '1.4e-45',
  '1.2e-38', '1e-400', '-1e-400', '9007199254740993', '-9223372036854775808', '-9223372036854775809', '4294967295',
  '4294967296', '65535', '65536', '-32768', '-32769', '32767', '32768', '01', '+1', '.5', '1.', '1e', '-', '0x10',
  '"2024-02-29 00:00:00"', '"2023-02-29 00:00:00"', '"2100-02-29"', '"2000-02-29"', '"2024-01-01 23:59:60"',
  '"2024-13-01"', '"2024-00-10"', '"2024-04-31"', '"2024-01-01T23:59:59"', '"1925-01-01"', '"1970-01-01"',
  '"2262-04-11 23:47:16"', '"2262-04-11 23:47:17"', '"2283-11-11"', '"2149-06-06"', '"2149-06-07"',
  '"2106-02-07"', '"2106-02-08"', '"1924-12-31"', '"0099-01-01 00:00:00"', '"2024-01-01t10:00:00"',
  '"2024-1-01 10:00:00"', '"é\u2028x"', '"\u{1F600}"', '"a/b"', '"\x7f"', '"  "', '"\t"', '"\ud800"',
  '"\ufeff"', '"line\rbreak"', 'tru', 'nul', 'True',
];

/** Mulberry32: the same rows on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GOOD: Record<string, string> = {
  s: '"v"', ns: '"w"', lcs: '"x"', lcns: '"y"', i8: '-5', u8: '200', i16: '-300', u16: '60000', i32: '123456',
  u32: '4000000000', i64: '-9223372036854775808', u64: '18446744073709551615', ni32: '7', f32: '1.5',
  f64: '-2.25e-3', nf64: '3', b: 'true', nb: 'false', dt: '"2024-01-26 10:00:00"', dt64_0: '"2024-01-26 10:00:01"',
  dt64: '"2024-01-26T10:00:02"', dt64_6: '"2024-01-26T10:00:03"', dt64_9: '"2024-01-26"', d: '"2024-01-26"',
  d32: '"1950-05-06 07:08:09"', ndt: '"2024-01-26 11:00:00"', nd: '"2024-01-26 23:59:59"', renamed: '5', def: '1',
  ndef: '2', ddef: '"2024-01-26 10:00:00"',
};
const keep = Symbol('keep');

function row(pick: (i: number) => string | undefined | typeof keep): string {
  const parts: string[] = [];
  COLUMNS.forEach((c, i) => {
    const picked = pick(i);
    const v = picked === keep ? GOOD[c.name] : picked;
    if (v !== undefined) parts.push(`${JSON.stringify(KEYS[i])}:${v}`);
  });
  return `{${parts.join(',')}}`;
}

/** row-conversion-fast.test.ts's mutations, then the JS grammar's own. */
function line(rnd: () => number, p: number): string {
  let text = row(() => (rnd() < p ? VALUES[Math.floor(rnd() * VALUES.length)] : keep));
  const r = rnd();
  if (r < 0.08) text = mutateLine(text, r);
  else if (r < 0.09) text = `${text.slice(0, -1)},"extra":{"a":[1,{"b":2}]}}`;
  else if (r < 0.1) text = `${text.slice(0, -1)},"extra":1e400}`;
  else if (r < 0.11) text = `${text.slice(0, -1)},"extra":-1e-400,"more":"é"}  \t`;
  else if (r < 0.12) text = text.replaceAll(':', ' :\t');
  else if (r < 0.13) text = `${text.slice(0, -1)},}`;
  else if (r < 0.14) text = `${text}}`;
  else if (r < 0.15) text = text.replace('"s"', '"\\u0073"');
  return text;
}

const names = (cols: readonly ColumnDef[]) => cols.map((c) => `"${c.name}"`).join(', ');

describe('the JS path accepts only what the full conversion gives identically', () => {
  const zones = ['UTC', 'America/New_York'];
  const conns: DuckDBConnection[] = [];
  beforeAll(async () => {
    for (const zone of zones) {
      const c = await (await DuckDBInstance.create(':memory:')).connect();
      await c.run(`SET TimeZone = '${zone}'`);
      conns.push(c);
    }
  });
  afterAll(() => conns.forEach((c) => c.closeSync()));

  /**
   * Each line alone through the JS path; the accepted ones appended to a table and compared with the full
   * conversion's rows of the same lines. Returns how many lines the JS path accepted.
   */
  async function compare(c: DuckDBConnection, columns: readonly ColumnDef[], lines: readonly string[]): Promise<number> {
    const plan = planJsFastRows(columns)!;
    expect(plan).not.toBeNull();
    const full = (await c.runAndReadAll(`SELECT ${names(columns)}, __error, __n FROM (${buildNdjsonConversion(columns, SOURCE)})`, [lines.join('\n')]))
      .getRowObjectsJson() as Record<string, unknown>[];
    const byLine = new Map(full.map((r) => [Number(r.__n) - 1, r]));
    const accepted: number[] = [];
    const rows: NonNullable<ReturnType<JsFastRows['rows']>> = [];
    lines.forEach((l, i) => {
      const r = plan.rows(l);
      if (r === null) return;
      expect(r.length, l).toBe(countNdjsonRows(l));
      if (r.length === 0) return;
      accepted.push(i);
      rows.push(...r);
    });
    await c.run(`CREATE OR REPLACE TABLE js_rows (${columns.map((x) => `"${x.name}" ${duckdbType(x.type)}`).join(', ')})`);
    await new Session(c).appendRows('main', 'js_rows', plan.types, rows);
    const appended = (await c.runAndReadAll(`SELECT ${names(columns)} FROM js_rows`)).getRowObjectsJson() as Record<string, unknown>[];
    expect(appended.length).toBe(accepted.length);
    accepted.forEach((n, k) => {
      const f = byLine.get(n)!;
      expect(f.__error, lines[n]).toEqual([]);
      const { __error: _e, __n: _n, ...values } = f;
      expect(appended[k], lines[n]).toEqual(values);
    });
    return accepted.length;
  }

  // A line is accepted only when all 31 values are, so hostile shares stay small; the mutations still reach
  // ~15% of the lines.
  it.each([
    [1, 0.01, 0, 150],
    [2, 0.03, 1, 60],
    [3, 0.06, 0, 20],
  ])('random lines (seed %i, hostile share %f, zone #%i)', async (seed, p, zone, least) => {
    const rnd = random(seed);
    const lines = Array.from({ length: 400 }, () => line(rnd, p));
    const n = await compare(conns[zone]!, COLUMNS, lines);
    // Good lines stay good: the test must see accepted lines to mean anything.
    expect(n).toBeGreaterThan(least);
  });

  it.each([0, 1])('every value alone in every column, each column alone (zone #%i)', async (zone) => {
    let accepted = 0;
    for (const [i, c] of COLUMNS.entries()) {
      const lines = VALUES.map((v) => (v === undefined ? '{}' : `{${JSON.stringify(KEYS[i])}:${v}}`));
      accepted += await compare(conns[zone]!, [c], lines);
    }
    expect(accepted).toBeGreaterThan(300);
  });

  it('multi-line bodies: one row per counted line, null when any line is doubtful', () => {
    const plan = planJsFastRows([col('a', 'Int32'), col('s', 'Nullable(String)')])!;
    const cases: [string, (string | number | null)[][] | null][] = [
      ['{"a":1}', [[1, null]]],
      ['{"a":1,"s":"x"}\n\n  \t\n{"a":2}\n', [[1, 'x'], [2, null]]],
      ['', []],
      ['\n \n', []],
      ['{"a":1}\n{"a":1.0}', null],
      ['{"a":1}\r\n{"a":2}', null],
      ['{"a":1}\n {"a":2}', null],
      ['{"a":1,"a":2}', null],
      ['{"a":1,"s":"\\n"}', null],
      ['{"a":1}\n{"a":"1"}', null],
      ['{"a":1} {"a":2}', null],
      ['{"a":1,"x":[1]}', null],
      ['{"a":1}\u0000', null],
    ];
    for (const [body, expected] of cases) expect(plan.rows(body), JSON.stringify(body)).toEqual(expected);
  });

  it('plans only columns in its subset', () => {
    const ok = ['String', 'Nullable(Int64)', 'LowCardinality(Nullable(String))', 'DateTime64(9)', 'Date32', 'Bool'];
    for (const t of ok) expect(planJsFastRows([col('c', t)])?.types.length, t).toBe(1);
    const no = [
      'UUID', 'Decimal(10, 2)', 'Array(Int32)', 'Map(String, Int32)', 'Tuple(Int32)', 'Int128', 'UInt256', 'JSON',
      "DateTime('Europe/Berlin')", "DateTime64(3, 'UTC')", 'FixedString(3)', "Enum8('a' = 1)", 'IPv4',
      'SimpleAggregateFunction(sum, Int64)',
    ];
    for (const t of no) expect(planJsFastRows([col('c', t)]), t).toBeNull();
    expect(planJsFastRows([col('c', 'String', { jsonpath: '$.a.b' })])).toBeNull();
    expect(planJsFastRows([col('c', 'String', { jsonpath: '$.a[:]' })])).toBeNull();
    expect(planJsFastRows([col('c', 'String', { jsonpath: '$' })])).toBeNull();
    expect(planJsFastRows([col('c', 'String'), col('u', 'UUID')])).toBeNull();
  });
});
