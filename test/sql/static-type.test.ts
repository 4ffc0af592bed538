// staticType: the ClickHouse type of an expression known from the SQL alone (and declared column types).
import { describe, expect, it } from 'vitest';
import { literalType, productType, staticType, sumType } from '../../src/sql/static-type.ts';
import { parseTree } from '../../src/sql/token-tree.ts';

const columns = new Map([['u', 'UInt32'], ['x', 'Nullable(Int32)'], ['s', 'LowCardinality(String)']]);

describe('staticType', () => {
  const cases: [string, string | null][] = [
    ['u', 'UInt32'],
    ['t.x', 'Nullable(Int32)'],
    ['unknown', null],
    ['toUInt8(a)', 'UInt8'],
    ['toFloat64OrNull(a)', 'Nullable(Float64)'],
    ["CAST(a AS UInt16)", 'UInt16'],
    ["CAST(a, 'Int64')", 'Int64'],
    ['a::Decimal(10, 2)', 'Decimal(10, 2)'],
    ['a > 1', 'UInt8'],
    ['count()', 'UInt64'],
    ['count() OVER (PARTITION BY a)', 'UInt64'],
    ['toUnixTimestamp(t)', 'UInt32'],
    ['toStartOfMonth(t)', 'Date'],
    ['toStartOfHour(t)', 'DateTime'],
    ['nullIf(u, 0)', 'Nullable(UInt32)'],
    ['nullIf(a, 0)', 'Nullable(?)'],
    ['assumeNotNull(x)', 'Int32'],
    ['max(u)', 'UInt32'],
    ['sumIf(u, u > 1)', 'UInt64'],
    ['sum(x)', 'Int64'],
    ['sum(a)', null],
    ['a + 1', null],
  ];
  it.each(cases)('%s', (sql, type) => expect(staticType(parseTree(sql), columns)).toBe(type));
});

describe('sumType / literalType / productType', () => {
  it.each([
    ['UInt8', 'UBIGINT'], ['Nullable(UInt64)', 'UBIGINT'], ['Int16', 'BIGINT'], ['Float32', 'DOUBLE'], ['Decimal(10, 2)', null], ['String', null],
  ])('sum of %s is %s', (t, d) => expect(sumType(t)).toBe(d));
  it.each([
    [0n, 'UInt8'], [255n, 'UInt8'], [256n, 'UInt16'], [70000n, 'UInt32'], [5000000000n, 'UInt64'], [-1n, 'Int8'], [-129n, 'Int16'], [-40000n, 'Int32'],
  ])('literal %s is %s', (v, t) => expect(literalType(v)).toBe(t));
  it.each([
    ['UInt8', 'UInt8', 'USMALLINT'], ['UInt32', 'UInt16', 'UBIGINT'], ['Int32', 'UInt8', 'BIGINT'], ['UInt64', 'UInt8', 'UBIGINT'],
    ['Int8', 'UInt16', 'INTEGER'], ['Float64', 'UInt8', null], [null, 'UInt8', null],
  ] as const)('%s × %s is %s', (a, b, d) => expect(productType(a, b)).toBe(d));
});
