import { describe, expect, it } from 'vitest';
import { parseDatasource } from '../../src/datafiles/parse-datasource.ts';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import { DatafileError } from '../../src/errors.ts';

// SCHEMA is on line 1, so the first column is on line 2.
const columns = (schema: string): readonly ColumnDef[] => parseDatasource(`SCHEMA >\n${schema}\n`, 'ds.datasource').columns;

const errorOf = (schema: string): string => {
  try {
    columns(schema);
  } catch (e) {
    expect(e).toBeInstanceOf(DatafileError);
    return (e as Error).message;
  }
  throw new Error('expected a DatafileError');
};

const col = (name: string, type: string, extra: Partial<ColumnDef> = {}): ColumnDef => ({
  name,
  type,
  nullable: false,
  jsonpath: null,
  defaultExpr: null,
  codec: null,
  ...extra,
});

describe('SCHEMA columns (spec §9.2)', () => {
  it.each<[string, string, ColumnDef[]]>([
    ['bare name', '    a String', [col('a', 'String')]],
    ['backticked name', '    `a` String', [col('a', 'String')]],
    ['backticked odd name', '    `column.name!@#$%` String', [col('column.name!@#$%', 'String')]],
    ['bare name with allowed punctuation', "    a.b*c<d>+e-f'g Int8", [col("a.b*c<d>+e-f'g", 'Int8')]],
    ['two columns, trailing comma', '    a String,\n    b Int32,', [col('a', 'String'), col('b', 'Int32')]],
    ['one line', '    a Int32, b String', [col('a', 'Int32'), col('b', 'String')]],
    ['Nullable', '    a Nullable(Int32)', [col('a', 'Nullable(Int32)', { nullable: true })]],
    ['LowCardinality(Nullable)', '    a LowCardinality(Nullable(String))', [col('a', 'LowCardinality(Nullable(String))', { nullable: true })]],
    ['LowCardinality', '    a LowCardinality(String)', [col('a', 'LowCardinality(String)')]],
    ['Array', '    a Array(String)', [col('a', 'Array(String)')]],
    ['Map', '    a Map(String, Array(Int64))', [col('a', 'Map(String, Array(Int64))')]],
    ['Tuple', '    a Tuple(x Int32, y String)', [col('a', 'Tuple(x Int32, y String)')]],
    ['DateTime64(3)', '    a DateTime64(3)', [col('a', 'DateTime64(3)')]],
    ["DateTime64(3, 'UTC')", "    a DateTime64(3, 'UTC')", [col('a', "DateTime64(3, 'UTC')")]],
    ["DateTime('UTC')", "    a DateTime('UTC')", [col('a', "DateTime('UTC')")]],
    ['Decimal(10, 2)', '    a Decimal(10, 2)', [col('a', 'Decimal(10, 2)')]],
    ['AggregateFunction', '    a AggregateFunction(uniq, String)', [col('a', 'AggregateFunction(uniq, String)')]],
    ['SimpleAggregateFunction', '    a SimpleAggregateFunction(sum, UInt64)', [col('a', 'SimpleAggregateFunction(sum, UInt64)')]],
    ['jsonpath', '    a String `json:$.a`', [col('a', 'String', { jsonpath: '$.a' })]],
    ['jsonpath forms', '    a Array(String) `json:$.arr[:].f`,\n    b String `json:$.[\'k.with.dots\']`,\n    c String `json:$`', [
      col('a', 'Array(String)', { jsonpath: '$.arr[:].f' }),
      col('b', 'String', { jsonpath: "$.['k.with.dots']" }),
      col('c', 'String', { jsonpath: '$' }),
    ]],
    ['jsonpath then DEFAULT', "    a String `json:$.a` DEFAULT ''", [col('a', 'String', { jsonpath: '$.a', defaultExpr: "''" })]],
    ['DEFAULT then jsonpath', "    a String DEFAULT 'x' `json:$.a`", [col('a', 'String', { jsonpath: '$.a', defaultExpr: "'x'" })]],
    ['jsonpath before type', '    a `json:$.a` String', [col('a', 'String', { jsonpath: '$.a' })]],
    ['DEFAULT with commas, parens, strings', "    a String DEFAULT concat('a, b', toString(now())), b Int8", [
      col('a', 'String', { defaultExpr: "concat('a, b', toString(now()))" }),
      col('b', 'Int8'),
    ]],
    ['DEFAULT with escaped quote', "    a String DEFAULT 'it\\'s'", [col('a', 'String', { defaultExpr: "'it\\'s'" })]],
    ['DEFAULT without type', '    a DEFAULT 42', [col('a', '', { defaultExpr: '42' })]],
    ['DEFAULT NULL on Nullable is dropped', '    a Nullable(String) DEFAULT NULL', [col('a', 'Nullable(String)', { nullable: true })]],
    ['DEFAULT now()', '    ts DateTime DEFAULT now() `json:$.ts`', [col('ts', 'DateTime', { defaultExpr: 'now()', jsonpath: '$.ts' })]],
    ['CODEC', '    a String CODEC(ZSTD(1))', [col('a', 'String', { codec: 'CODEC(ZSTD(1))' })]],
    ['DEFAULT + CODEC + jsonpath', '    a Float64 DEFAULT 0 CODEC(Delta(4), LZ4) `json:$.v`', [
      col('a', 'Float64', { defaultExpr: '0', codec: 'CODEC(Delta(4), LZ4)', jsonpath: '$.v' }),
    ]],
    ['-- comments', '    a String, -- first\n    -- whole line\n    b String `json:$.b--b` -- tail', [
      col('a', 'String'),
      col('b', 'String', { jsonpath: '$.b--b' }),
    ]],
    ['-- inside a DEFAULT string is kept', "    a String DEFAULT '--'", [col('a', 'String', { defaultExpr: "'--'" })]],
    ['# comment lines are skipped', '    a String,\n# note\n    b String', [col('a', 'String'), col('b', 'String')]],
    ['type split over lines', '    a Map(\n        String,\n        Int32\n    )', [col('a', 'Map(\n        String,\n        Int32\n    )')]],
  ])('%s', (_name, schema, expected) => {
    expect(columns(schema)).toEqual(expected);
  });

  it('an empty SCHEMA block has no columns', () => {
    expect(columns('')).toEqual([]);
  });
});

describe('SCHEMA rejections (Tinybird messages, file line)', () => {
  it.each([
    ['    a Int32 NULL', 'ds.datasource:2: NULL column syntax not supported. Hint: use Nullable(...).'],
    ['    a Int32 NOT NULL', 'ds.datasource:2: NOT NULL column syntax not supported. Hint: Columns are not nullable by default.'],
    ['    a Int32,\n    b Int32\n        NULL', 'ds.datasource:4: NULL column syntax not supported. Hint: use Nullable(...).'],
    ['    a Boolean', 'ds.datasource:2: Boolean type is not supported. Hint: use Bool or UInt8 instead.'],
    ['    a Nullable(Boolean)', 'ds.datasource:2: Boolean type is not supported. Hint: use Bool or UInt8 instead.'],
    ['    a DateTime64', 'ds.datasource:2: DateTime64 type without precision is not supported. Hint: use DateTime64(3) instead.'],
    ['    a Int', 'ds.datasource:2: Precision is mandatory for Int types. Hint: use one of Int8, Int16, Int32, Int64, Int128, Int256.'],
    ['    a UInt', 'ds.datasource:2: Precision is mandatory for UInt types. Hint: use one of UInt8, UInt16, UInt32, UInt64, UInt128, UInt256.'],
    ['    INDEX idx a TYPE minmax', 'ds.datasource:2: Forbidden INDEX definition. Indexes are not allowed in SCHEMA section. Use the INDEXES section instead.'],
    ['    a Int32 MATERIALIZED b * 2', 'ds.datasource:2: MATERIALIZED columns are not supported'],
    ['    a Int32 ALIAS b', 'ds.datasource:2: ALIAS columns are not supported'],
    ['    a Int32 TTL ts + INTERVAL 1 DAY', 'ds.datasource:2: column TTL is not supported'],
    ["    a String\n        DEFAULT 'test'\n            MATERIALIZED\n                now()", 'ds.datasource:4: MATERIALIZED columns are not supported'],
    ['    a', 'ds.datasource:2: Column name and either type or DEFAULT are required'],
    ['    a String,\n    b', 'ds.datasource:3: Column name and either type or DEFAULT are required'],
    ['    `a Int32', 'ds.datasource:2: Expected closing backtick'],
    ['    `a b` Int32', 'ds.datasource:2: Expected closing backtick'],
    ['    a Int32 DEFAULT', 'ds.datasource:2: Missing mandatory value for DEFAULT'],
    ['    a Int32 DEFAULT, b Int32', 'ds.datasource:2: Missing mandatory value for DEFAULT'],
    ['    timestamp DateTime\n        DEFAULT\n        CODEC(ZSTD)', 'ds.datasource:3: Missing mandatory value for DEFAULT'],
    ['    a Int32 CODEC', 'ds.datasource:2: Missing mandatory value for CODEC'],
    ['    a Array(Int32)\n        CODEC(\n            ZSTD', 'ds.datasource:4: Expected closing )'],
    ["    a String DEFAULT 'x", "ds.datasource:2: Expected closing '"],
    ['    col#name Int32', "ds.datasource:2: Column name contains invalid character '#'. Hint: use backticks."],
    ['    a Map(String, String) DEFAULT {}', "ds.datasource:2: Invalid character '{'"],
    ['    a String\n    b String', "ds.datasource:3: Unexpected 'b String' after the column type"],
    ['    a Nullable(String) x', "ds.datasource:2: Unexpected 'x' after the column type"],
    ['    a Int32 `json:$.a` xyz', 'ds.datasource:2: Unexpected TYPE after JSONPATH'],
    ['    a Int32 DEFAULT 1 CODEC(LZ4) DEFAULT 2', 'ds.datasource:2: Unexpected DEFAULT after CODEC'],
  ])('%j', (schema, message) => {
    expect(errorOf(schema)).toBe(message);
  });
});
