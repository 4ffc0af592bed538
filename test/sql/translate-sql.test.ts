import { describe, expect, it } from 'vitest';
import { referencedTables, splitFormat, translateSql } from '../../src/sql/translate-sql.ts';

const CASES: readonly [string, string][] = [
  ["SELECT count() FROM t WHERE a == 'x'", `SELECT CAST(count(*) AS UBIGINT) FROM "t" WHERE a = 'x'`],
  ['SELECT * FROM t FINAL LIMIT 10, 20', 'SELECT * FROM "t" LIMIT 20 OFFSET 10'],
  ["SELECT `a b` FROM t WHERE x IN ['a','b']", `SELECT "a b" FROM "t" WHERE x IN ('a', 'b')`],
  ['SELECT 1 FROM t WHERE x IN []', 'SELECT 1 FROM "t" WHERE x IN (SELECT NULL WHERE false)'],
  ["SELECT 'it\\'s', 'a\\%b'", `SELECT 'it''s', 'a\\%b'`],
  ["SELECT x FROM t WHERE s LIKE 'a\\_%'", `SELECT x FROM "t" WHERE s LIKE 'a\\_%' ESCAPE '\\'`],
  ['WITH 5 AS n SELECT n FROM t', 'SELECT (5) AS "n" FROM "t"'],
  ['SELECT a FROM t PREWHERE b > 1 WHERE c < 2 SETTINGS max_threads = 1 FORMAT JSON', 'SELECT a FROM "t" WHERE (b > 1) AND (c < 2)'],
  ['SELECT quantile(0.9)(x), sumIf(x, x > 1) FROM t', 'SELECT quantile_cont(x, 0.9), cast_to_type(coalesce(sum(x) FILTER (WHERE x > 1), 0), max(x) + CAST(0 AS BIGINT)) FROM "t"'],
  ['SELECT a FROM t ORDER BY b LIMIT 2 BY a', 'SELECT a FROM "t" QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) <= 2 ORDER BY b'],
  ['SELECT * EXCEPT (a) FROM t', 'SELECT * EXCLUDE ("a") FROM "t"'],
  ['SELECT x::Int32, CAST(y AS Nullable(String)) FROM t', 'SELECT CAST(x AS INTEGER), CAST(y AS VARCHAR) FROM "t"'],
  ['SELECT e FROM t ARRAY JOIN arr AS e', 'SELECT e FROM "t" CROSS JOIN LATERAL (SELECT unnest(arr) AS "e") AS "__array_join_1"'],
  ['SELECT a FROM t LEFT SEMI JOIN u USING (a)', 'SELECT a FROM "t" SEMI JOIN "u" USING (a)'],
];

const REFUSALS: readonly [string, string][] = [
  ['SELECT 1 UNION SELECT 2', 'Unsupported ClickHouse syntax: UNION without ALL or DISTINCT at 1:10'],
  ['SELECT a FROM t ANY LEFT JOIN u USING a', 'Unsupported ClickHouse syntax: ANY JOIN at 1:17'],
  ['SELECT a FROM t ORDER BY a WITH FILL', 'Unsupported ClickHouse syntax: ORDER BY ... WITH FILL at 1:28'],
  ['SELECT a FROM t GROUP BY a WITH TOTALS', 'Unsupported ClickHouse syntax: GROUP BY ... WITH TOTALS at 1:28'],
  ["SELECT toStartOfDay(t, 'Europe/Madrid') FROM x", "Unsupported ClickHouse syntax: time zone 'Europe/Madrid' at 1:24"],
  ['SELECT a FROM t ARRAY JOIN arr', 'Unsupported ClickHouse syntax: ARRAY JOIN without an alias at 1:28'],
  ['SELECT x ? 1 : 2 FROM t', 'Unsupported ClickHouse syntax: ternary operator ?: at 1:10'],
  ['INSERT INTO t VALUES (1)', 'Unsupported ClickHouse syntax: statement INSERT at 1:1'],
];

describe('translateSql', () => {
  it.each(CASES)('%s', (ch, duck) => expect(translateSql(ch)).toBe(duck));
  it.each(REFUSALS)('refuses %s', (ch, msg) => expect(() => translateSql(ch)).toThrow(msg));
});

describe('splitFormat / referencedTables', () => {
  it('splits a trailing FORMAT', () => {
    expect(splitFormat('SELECT 1\nFORMAT JSON')).toEqual({ sql: 'SELECT 1', format: 'JSON' });
    expect(splitFormat('SELECT 1')).toEqual({ sql: 'SELECT 1', format: null });
  });
  it('lists tables, not CTEs', () => {
    expect(referencedTables('WITH c AS (SELECT * FROM a) SELECT * FROM c JOIN b ON 1 = 1, d WHERE x IN (SELECT y FROM f)')).toEqual(['a', 'b', 'd', 'f']);
  });
});
