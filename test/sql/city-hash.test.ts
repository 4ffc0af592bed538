// cityHash64 must be bit-exact with ClickHouse: every case is computed by chdb and by src/sql/city-hash.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { cityHash64, cityHash64Bytes, type CityHashArg } from '../../src/sql/city-hash.ts';

let ch: Session;
beforeAll(() => {
  ch = new Session();
});
afterAll(() => ch?.close());

const clickhouse = (expr: string): bigint =>
  BigInt((JSON.parse(ch.query(`SELECT toString(cityHash64(${expr})) AS h`, 'JSONEachRow')) as { h: string }).h);
const quote = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

// One string per branch of CityHash64 v1.0.2 (0, 1-3, 4-8, 9-16, 17-32, 33-64, >64 bytes, several blocks).
const STRINGS = ['', 'a', 'ab', 'abc', 'abcd', 'hello', 'abcdefgh', 'abcdefghi', 'x'.repeat(16), 'y'.repeat(17), 'é€😀 utf8',
  'z'.repeat(32), 'q'.repeat(33), 'The quick brown fox jumps over the lazy dog!!', 'w'.repeat(64), 'v'.repeat(65),
  'The quick brown fox jumps over the lazy dog. '.repeat(5), 'u'.repeat(128), 't'.repeat(129), "user_42's session"];

const VALUES: readonly [string, CityHashArg[]][] = [
  ['1', [1]],
  ['toUInt64(1)', [1n]],
  ['toInt64(-1)', [-1n]],
  ['toUInt32(123456)', [123456]],
  ['toInt8(-1)', [{ int: -1, bits: 8 }]],
  ['toInt32(-5)', [{ int: -5, bits: 32 }]],
  ['toUInt64(18446744073709551615)', [18446744073709551615n]],
  ["toDate('2024-01-02')", [{ int: 19724, bits: 16 }]],
  ["toDateTime('2024-01-02 00:00:00')", [{ int: 1704153600, bits: 32 }]],
  ["'a', 'b'", ['a', 'b']],
  ["'a', toUInt64(5), 'c'", ['a', 5n, 'c']],
];

describe('cityHash64 (CityHash v1.0.2 as ClickHouse applies it)', () => {
  it.each(STRINGS.map((s) => [s.length, s] as const))('string of %i bytes', (_len, s) => {
    expect(cityHash64(s)).toBe(clickhouse(quote(s)));
  });
  it.each(VALUES)('cityHash64(%s)', (expr, args) => {
    expect(cityHash64(...args)).toBe(clickhouse(expr));
  });
  it('hashes raw bytes like the string they spell', () => {
    expect(cityHash64Bytes(new TextEncoder().encode('hello'))).toBe(cityHash64('hello'));
  });
  it('refuses no arguments', () => {
    expect(() => cityHash64()).toThrow('cityHash64 needs at least one argument');
  });
});
