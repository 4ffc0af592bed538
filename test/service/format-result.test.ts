// Output formats over real DuckDB values: the exact text ClickHouse would print (spec §3.5).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { formatCsv, formatJson, formatJsonEachRow, formatPrettyCompact, formatTsv, metaTypes } from '../../src/service/format-result.ts';

let db: Database;
beforeAll(async () => {
  db = await Database.open();
});
afterAll(() => db.close());

const stats = { elapsed: 0.5, rows_read: 0, bytes_read: 0 };

describe('value rendering', () => {
  const cases: [string, string, string, unknown][] = [
    ['DateTime', "'2024-01-26 10:00:00'::TIMESTAMP", 'DateTime', '2024-01-26 10:00:00'],
    ['DateTime drops a stray fraction', "'2024-01-26 10:00:00.999999'::TIMESTAMP", 'DateTime', '2024-01-26 10:00:00'],
    ['DateTime from TIMESTAMP_S', "'2024-01-26 10:00:00'::TIMESTAMP_S", 'DateTime', '2024-01-26 10:00:00'],
    ['DateTime from TIMESTAMPTZ (UTC)', "'2024-01-26 10:00:00.5+00'::TIMESTAMPTZ", 'DateTime', '2024-01-26 10:00:00'],
    ['DateTime64(3)', "'2024-01-26 10:00:00.5'::TIMESTAMP_MS", 'DateTime64(3)', '2024-01-26 10:00:00.500'],
    ['DateTime64(9)', "'2024-01-26 10:00:00.000123'::TIMESTAMP_NS", 'DateTime64(9)', '2024-01-26 10:00:00.000123000'],
    ['DateTime before 1970', "'1969-12-31 23:59:59'::TIMESTAMP", 'DateTime', '1969-12-31 23:59:59'],
    ['DateTime before 1970 with a fraction', "'1969-12-31 23:59:59.5'::TIMESTAMP", 'DateTime', '1969-12-31 23:59:59'],
    ['Date', "DATE '2024-02-29'", 'Date', '2024-02-29'],
    ['UInt64 as a number', '18446744073709551615::UBIGINT', 'UInt64', 18446744073709551615n],
    ['Int32', '-5::INTEGER', 'Int32', -5],
    ['Float64 NaN as null', "'nan'::DOUBLE", 'Float64', null],
    ['Bool', 'true', 'Bool', true],
    ['Decimal', '1.50::DECIMAL(10,2)', 'Decimal(10, 2)', 1.5],
    ['Array(String)', "['a', 'b']", 'Array(String)', ['a', 'b']],
    ['Map', "MAP {'k': 1}", 'Map(String, Int32)', { k: 1 }],
    ['Tuple', "{'x': 1, 'y': 'a'}", 'Tuple(Int32, String)', [1, 'a']],
    ['NULL string', 'NULL::VARCHAR', 'String', null],
  ];
  it.each(cases)('%s', async (_name, expr, type, value) => {
    const result = await db.query(`SELECT ${expr} AS v`);
    expect(metaTypes(result)).toEqual([type]);
    const json = JSON.parse(formatJson(result, stats).replace(/(":\s*)(\d{16,})/g, '$1"$2n"'), (_k, v) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
    expect(json.data[0].v).toEqual(value);
  });
});

describe('formats', () => {
  const sql = "SELECT * FROM (VALUES (1::UBIGINT, 'a\"b', '2024-01-01 00:00:00'::TIMESTAMP, ['x']), (2::UBIGINT, 'c,d', NULL, [])) t(n, s, ts, arr)";
  it('JSON has meta, data, rows and statistics in that order', async () => {
    const text = formatJson(await db.query(sql), stats, { rowsBeforeLimit: 10 });
    expect(JSON.parse(text)).toEqual({
      meta: [
        { name: 'n', type: 'UInt64' },
        { name: 's', type: 'String' },
        { name: 'ts', type: 'DateTime' },
        { name: 'arr', type: 'Array(String)' },
      ],
      data: [
        { n: 1, s: 'a"b', ts: '2024-01-01 00:00:00', arr: ['x'] },
        { n: 2, s: 'c,d', ts: null, arr: [] },
      ],
      rows: 2,
      rows_before_limit_at_least: 10,
      statistics: stats,
    });
    expect(Object.keys(JSON.parse(text))).toEqual(['meta', 'data', 'rows', 'rows_before_limit_at_least', 'statistics']);
  });
  it('quotes 64-bit integers when asked', async () => {
    const text = formatJsonEachRow(await db.query('SELECT 5::BIGINT AS a, 5::INTEGER AS b'), { quote64bitIntegers: true });
    expect(text).toBe('{"a":"5","b":5}\n');
  });
  it('CSVWithNames', async () => {
    expect(formatCsv(await db.query(sql), true)).toBe('"n","s","ts","arr"\n1,"a""b","2024-01-01 00:00:00","[\'x\']"\n2,"c,d",\\N,"[]"\n');
  });
  it('TSV', async () => {
    expect(formatTsv(await db.query("SELECT 'a\tb' AS s, 1 AS n"), false)).toBe('a\\tb\t1\n');
  });
  it('PrettyCompact', async () => {
    expect(formatPrettyCompact(await db.query("SELECT * FROM (VALUES (1, 'abc'), (22, NULL)) t(n, s)"))).toBe(
      '┌─n──┬─s────┐\n│ 1  │ abc  │\n│ 22 │ ᴺᵁᴸᴸ │\n└────┴──────┘\n',
    );
  });
});
