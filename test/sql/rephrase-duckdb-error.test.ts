// Each DuckDB error is produced by a real DuckDB (so the table follows the installed version's wording) and
// must come out in ClickHouse's words and codes.
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { clickhouseErrorOf, rephraseDuckdbError } from '../../src/sql/rephrase-duckdb-error.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';

let duck: DuckDBConnection;
beforeAll(async () => {
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const s of FUNCTION_LIBRARY) await duck.run(s);
  await duck.run(`CREATE TABLE t AS SELECT 1 AS a, 'x' AS s`);
});

async function duckdbError(sql: string): Promise<string> {
  try {
    await duck.run(sql);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no error from ${sql}`);
}

const CASES: readonly [string, string, number][] = [
  ['SELECT b FROM t', "Unknown expression identifier `b`. Maybe you meant: ['a']. (UNKNOWN_IDENTIFIER)", 47],
  ['SELECT t2.a FROM t', 'Unknown expression identifier `t2`. (UNKNOWN_IDENTIFIER)', 47],
  ['SELECT * FROM nope', "Unknown table expression identifier 'nope'. (UNKNOWN_TABLE)", 60],
  ['SELECT foo(a) FROM t', 'Function with name `foo` does not exist. (UNKNOWN_FUNCTION)', 46],
  ['SELECT a + s FROM t', 'Illegal types Int32 and String of arguments of function plus. (ILLEGAL_TYPE_OF_ARGUMENT)', 43],
  ['SELECT lower(a) FROM t', 'Illegal type Int32 of argument of function lower. (ILLEGAL_TYPE_OF_ARGUMENT)', 43],
  ['SELECT toDate(1, 2)', "An incorrect number of arguments was specified for function 'toDate'. (NUMBER_OF_ARGUMENTS_DOESNT_MATCH)", 42],
  ['SELECT a FROM t GROUP BY s', 'Column `a` is not under aggregate function and not in GROUP BY keys. (NOT_AN_AGGREGATE)', 215],
  ['SELECT a FROM t, t AS u', 'Ambiguous identifier `a`. (AMBIGUOUS_IDENTIFIER)', 207],
  ["SELECT CAST('abc' AS INTEGER)", "Cannot parse string 'abc' as Int32. (CANNOT_PARSE_TEXT)", 6],
  ['SELECT a FROM t WHERE s = 1', "Cannot parse string 'x' as Int32. (CANNOT_PARSE_TEXT)", 6],
  ["SELECT CAST('2024-13-45' AS DATE)", 'Cannot parse date "2024-13-45". (CANNOT_PARSE_DATE)', 38],
  ["SELECT CAST('x' AS TIMESTAMP)", 'Cannot parse datetime "x". (CANNOT_PARSE_DATETIME)', 41],
  ['SELECT FROM WHERE', 'Syntax error: failed at or near "WHERE". (SYNTAX_ERROR)', 62],
  ['SELECT (1', 'Syntax error: failed at end of query. (SYNTAX_ERROR)', 62],
  ['SELECT 100::TINYINT * 100::TINYINT', 'Value is out of range: Overflow in multiplication of INT8 (100 * 100). (VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE)', 321],
  ["SELECT json_extract('x', '$.a')", 'Cannot parse JSON at byte 0 of input: unexpected character. (INCORRECT_DATA)', 117],
  ['SELECT sum(max(a)) FROM t', 'Aggregate function is found inside another aggregate function in query. (ILLEGAL_AGGREGATION)', 184],
];

describe('rephraseDuckdbError', () => {
  it.each(CASES)('%s', async (sql, message, code) => {
    const raw = await duckdbError(sql);
    expect(rephraseDuckdbError(raw)).toBe(message);
    expect(clickhouseErrorOf(raw).code).toBe(code);
  });
  it('keeps the first line of an unknown error without its DuckDB class', () => {
    expect(clickhouseErrorOf('Some Error: something odd happened!\nLINE 1: SELECT 1')).toEqual({
      message: 'something odd happened. (UNKNOWN_EXCEPTION)',
      code: 1002,
      name: 'UNKNOWN_EXCEPTION',
    });
  });
});
