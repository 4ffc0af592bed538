import { describe, expect, it } from 'vitest';
import { referencedTables, splitFormat, translateSql, translateSqlWithTotals } from '../../src/sql/translate-sql.ts';

const CASES: readonly [string, string][] = [
  ["SELECT count() FROM t WHERE a == 'x'", "SELECT CAST(count(*) AS UBIGINT) AS \"count()\" FROM \"t\" WHERE a = 'x'"],
  ['SELECT * FROM t FINAL LIMIT 10, 20', 'SELECT * FROM "t" LIMIT 20 OFFSET 10'],
  ["SELECT `a b` FROM t WHERE x IN ['a','b']", `SELECT "a b" FROM "t" WHERE x IN ('a', 'b')`],
  ['SELECT 1 FROM t WHERE x IN []', 'SELECT CAST(1 AS UTINYINT) AS "1" FROM "t" WHERE x IN (SELECT NULL WHERE false)'],
  ["SELECT 'it\\'s', 'a\\%b'", "SELECT 'it''s' AS \"'it\\'s'\", 'a\\%b' AS \"'a\\\\%b'\""],
  ["SELECT x FROM t WHERE s LIKE 'a\\_%'", `SELECT x FROM "t" WHERE s LIKE 'a\\_%' ESCAPE '\\'`],
  ['WITH 5 AS n SELECT n FROM t', 'SELECT (5) AS "n" FROM "t"'],
  ['SELECT a FROM t PREWHERE b > 1 WHERE c < 2 SETTINGS max_threads = 1 FORMAT JSON', 'SELECT a FROM "t" WHERE (b > 1) AND (c < 2)'],
  ["SELECT quantile(0.9)(x), sumIf(x, x > 1) FROM t", "SELECT CASE WHEN count(*) = 0 THEN CAST('nan' AS DOUBLE) ELSE quantile_cont(x, CAST(0.9 AS DOUBLE)) END AS \"quantile(0.9)(x)\", cast_to_type(coalesce(sum(x) FILTER (WHERE x > 1), CASE WHEN count(*) FILTER (WHERE x > 1) = 0 THEN 0 END), max(x) + CAST(0 AS BIGINT)) AS \"sumIf(x, greater(x, 1))\" FROM \"t\""],
  ['SELECT a FROM t ORDER BY b LIMIT 2 BY a', 'SELECT a FROM "t" QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) <= 2 ORDER BY b'],
  ['SELECT * EXCEPT (a) FROM t', 'SELECT * EXCLUDE ("a") FROM "t"'],
  ['SELECT x::Int32, CAST(y AS Nullable(String)) FROM t', "SELECT toInt32(x) AS \"CAST(x, 'Int32')\", CAST(y AS VARCHAR) AS \"CAST(y, 'Nullable(String)')\" FROM \"t\""],
  ['SELECT e FROM t ARRAY JOIN arr AS e', 'SELECT e FROM "t" CROSS JOIN LATERAL (SELECT unnest(arr) AS "e") AS "__array_join_1"'],
  ['SELECT a FROM t LEFT SEMI JOIN u USING (a)', 'SELECT a FROM "t" SEMI JOIN "u" USING (a)'],
  ["SELECT a FROM t AS x ANY LEFT JOIN u AS y ON x.a = y.b", "SELECT coalesce(a, ch_default(a)) AS \"a\" FROM \"t\" AS \"x\" LEFT JOIN (SELECT * FROM (SELECT *, true AS \"__joined\" FROM \"u\") QUALIFY row_number() OVER (PARTITION BY \"b\") = 1) AS \"y\" ON x.\"a\" = y.\"b\""],
  ['SELECT e FROM t LEFT ARRAY JOIN arr', 'SELECT e FROM (SELECT * REPLACE (unnest(ch_left_array("arr")) AS "arr") FROM "t") AS "t"'],
  ['SELECT d FROM t ORDER BY d WITH FILL FROM 1 TO 5', `WITH "__fill_1" AS (SELECT d FROM "t") SELECT CASE WHEN "__filled" THEN coalesce(COLUMNS(* EXCLUDE ("__filled")), ch_default(COLUMNS(* EXCLUDE ("__filled")))) ELSE COLUMNS(* EXCLUDE ("__filled")) END FROM (SELECT *, false AS "__filled" FROM "__fill_1" UNION ALL BY NAME SELECT v AS "d", true AS "__filled" FROM (SELECT cast_to_type(g, (SELECT "d" FROM "__fill_1" LIMIT 1)) AS v FROM unnest(generate_series(1, 5, 1)) AS "__series"(g)) WHERE v NOT IN (SELECT "d" FROM "__fill_1" WHERE "d" IS NOT NULL) AND v < cast_to_type(5, (SELECT "d" FROM "__fill_1" LIMIT 1))) ORDER BY d`],
  // Comparisons and logic are UInt8 in ClickHouse; literals take the smallest integer type.
  ["SELECT a = 1 AS eq, b > 2 AND c, 300, -1 AS m FROM t", "SELECT CAST(a = 1 AS UTINYINT) AS \"eq\", CAST(b > 2 AND c AS UTINYINT) AS \"and(greater(b, 2), c)\", CAST(300 AS USMALLINT) AS \"300\", CAST(-1 AS TINYINT) AS \"m\" FROM \"t\""],
  ['SELECT x > 1 ? 1.5 : y ? 2 : 3 AS k FROM t', 'SELECT CASE WHEN x > 1 THEN CAST(1.5 AS DOUBLE) ELSE CASE WHEN y THEN 2 ELSE 3 END END AS k FROM "t"'],
  ["SELECT tuple(a, b).2, (a, b) AS t FROM x WHERE (a, b) IN (SELECT a, b FROM y)", "SELECT struct_extract_at({'1': a, '2': b}, 2) AS \"tupleElement(tuple(a, b), 2)\", {'1': a, '2': b} AS t FROM \"x\" WHERE (a, b) IN (SELECT a, b FROM \"y\")"],
  ["SELECT ts + INTERVAL 1 DAY, now() - INTERVAL 2 HOUR, d - toIntervalMonth(1) FROM t", "SELECT ch_plus(ts, INTERVAL (1) DAY) AS \"plus(ts, toIntervalDay(1))\", ch_minus_time(now(), INTERVAL (2) HOUR) AS \"minus(now(), toIntervalHour(2))\", ch_minus(d, toIntervalMonth(1)) AS \"minus(d, toIntervalMonth(1))\" FROM \"t\""],
  ["SELECT row_number() OVER (PARTITION BY a ORDER BY b), arr[1], m['k'] FROM t", "SELECT CAST(row_number() OVER (PARTITION BY a ORDER BY b) AS UBIGINT) AS \"row_number() OVER (PARTITION BY a ORDER BY b ASC)\", arrayElement(arr, 1) AS \"arrayElement(arr, 1)\", arrayElement(m, 'k') AS \"arrayElement(m, 'k')\" FROM \"t\""],
  // dateDiff with a literal unit other than a week is DuckDB's date_diff; weeks and computed units take the macro.
  ["SELECT dateDiff('minute', a, b) AS m, dateDiff('Week', a, b) AS w, dateDiff(u, a, b) AS c FROM t", "SELECT date_diff('minute', a, b) AS m, dateDiff('Week', a, b) AS w, dateDiff(u, a, b) AS c FROM \"t\""],
  // DateTime is a TIMESTAMP of whole seconds: casts to it truncate, DateTime64(0) too.
  ["SELECT CAST(s AS DateTime) AS a, s::DateTime64(6) AS b, toDateTime64(s, 0) AS c FROM t", "SELECT date_trunc('second', CAST(s AS TIMESTAMP)) AS a, CAST(s AS TIMESTAMP_NS) AS b, date_trunc('second', CAST(s AS TIMESTAMP)) AS c FROM \"t\""],
  ["SELECT round(x, 2), length(s), position(s, 'a'), CAST(f AS Int32) FROM t", "SELECT ch_round(x, 2) AS \"round(x, 2)\", ch_length(s) AS \"length(s)\", ch_position(s, 'a') AS \"position(s, 'a')\", toInt32(f) AS \"CAST(f, 'Int32')\" FROM \"t\""],
  ["SELECT a.x, b.y, b.* FROM t AS a LEFT JOIN u AS b ON a.k = b.k", "SELECT a.\"x\", CASE WHEN b.\"__joined\" THEN b.\"y\" ELSE ch_default(b.\"y\") END AS \"y\", CASE WHEN \"b\".\"__joined\" THEN COLUMNS(\"b\".* EXCLUDE (\"__joined\")) ELSE ch_default(COLUMNS(\"b\".* EXCLUDE (\"__joined\"))) END FROM \"t\" AS \"a\" LEFT JOIN (SELECT *, true AS \"__joined\" FROM \"u\") AS \"b\" ON a.\"k\" = b.\"k\""],
  // ANY INNER JOIN: one row per join key on each side.
  ['SELECT x.a, y.b FROM t AS x ANY INNER JOIN u AS y ON x.k = y.k', 'SELECT x."a", y."b" FROM (SELECT * FROM "t" QUALIFY row_number() OVER (PARTITION BY "k") = 1) AS "x" INNER JOIN (SELECT * FROM "u" QUALIFY row_number() OVER (PARTITION BY "k") = 1) AS "y" ON x."k" = y."k"'],
  // WITH ROLLUP: DuckDB's ROLLUP, rolled-up keys read their default; an aliased key groups by its expression.
  ["SELECT k, toDate(t) AS d, count() FROM x GROUP BY k, d WITH ROLLUP", "SELECT CASE WHEN grouping(k) = 1 THEN ch_default(k) ELSE k END AS \"k\", CASE WHEN grouping(toDate(t)) = 1 THEN ch_default(toDate(t)) ELSE toDate(t) END AS \"d\", CAST(count(*) AS UBIGINT) AS \"count()\" FROM \"x\" GROUP BY ROLLUP (k, toDate(t))"],
];

const REFUSALS: readonly [string, string][] = [
  ['SELECT 1 UNION SELECT 2', 'Unsupported ClickHouse syntax: UNION without ALL or DISTINCT at 1:10'],
  ['SELECT a FROM t ANY FULL JOIN u USING a', 'Unsupported ClickHouse syntax: ANY FULL JOIN at 1:17'],
  ['SELECT a FROM t JOIN v USING (a) ANY INNER JOIN u USING a', 'Unsupported ClickHouse syntax: ANY INNER JOIN after another join at 1:34'],
  ['SELECT a FROM t ANY INNER JOIN u ON t.a = u.a + 1', 'Unsupported ClickHouse syntax: ANY JOIN on anything but column equalities at 1:17'],
  ['SELECT a FROM t ANY LEFT JOIN u ON t.a = u.b + 1', 'Unsupported ClickHouse syntax: ANY JOIN on anything but column equalities at 1:17'],
  ['SELECT a FROM t ORDER BY a DESC WITH FILL STEP 2', 'Unsupported ClickHouse syntax: WITH FILL STEP value cannot be positive for sorting in descending direction at 1:48'],
  ['SELECT a FROM t ORDER BY b, a WITH FILL', 'Unsupported ClickHouse syntax: WITH FILL on a later ORDER BY key at 1:31'],
  ['SELECT a FROM t ORDER BY a + 1 WITH FILL', 'Unsupported ClickHouse syntax: WITH FILL on an expression (name the column) at 1:32'],
  ['SELECT a FROM t ORDER BY a WITH FILL STEP 1 INTERPOLATE (b)', 'Unsupported ClickHouse syntax: INTERPOLATE in WITH FILL at 1:45'],
  ['SELECT a FROM t JOIN u USING (a) ARRAY JOIN arr', 'Unsupported ClickHouse syntax: ARRAY JOIN without an alias after a JOIN at 1:34'],
  ['SELECT a FROM t ARRAY JOIN arr[1] + 1', 'Unsupported ClickHouse syntax: ARRAY JOIN of an expression without an alias at 1:28'],
  ['SELECT a FROM t GROUP BY a WITH TOTALS', 'Unsupported ClickHouse syntax: GROUP BY ... WITH TOTALS at 1:28'],
  ["SELECT toStartOfDay(t, concat('Europe/', 'Madrid')) FROM x", 'Unsupported ClickHouse syntax: toStartOfDay with a computed time zone at 1:24'],
  ['SELECT x ? : 2 FROM t', 'Unsupported ClickHouse syntax: ternary operator ?: at 1:10'],
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

describe('translateSql options', () => {
  const opts = { finalViews: new Set(['r']), queryParams: { key: "it's", n: '5' } };
  const cases: [string, string][] = [
    ['SELECT * FROM r FINAL', 'SELECT * FROM "r__final" AS "r"'],
    ['SELECT x.a FROM r AS x FINAL', 'SELECT x."a" FROM "r__final" AS "x"'],
    ['SELECT * FROM m FINAL', 'SELECT * FROM "m"'],
    ['SELECT * FROM r', 'SELECT * FROM "r"'],
    ['SELECT tags FROM r FINAL ARRAY JOIN tags', 'SELECT tags FROM (SELECT * REPLACE (unnest("tags") AS "tags") FROM "r__final") AS "r"'],
    // The outer-join marker wraps the deduplicating view, not the raw table.
    ['SELECT b.x FROM t AS a LEFT JOIN r FINAL AS b ON a.k = b.k', 'SELECT CASE WHEN b."__joined" THEN b."x" ELSE ch_default(b."x") END AS "x" FROM "t" AS "a" LEFT JOIN (SELECT *, true AS "__joined" FROM "r__final") AS "b" ON a."k" = b."k"'],
    ['SELECT {key: String} AS k', "SELECT CAST('it''s' AS VARCHAR) AS k"],
    ['SELECT {n:UInt8} AS n', "SELECT CAST('5' AS UTINYINT) AS n"],
  ];
  it.each(cases)('%s', (ch, duck) => expect(translateSql(ch, opts)).toBe(duck));
  it('refuses a parameter without a value', () => {
    expect(() => translateSql('SELECT {nope: String}', opts)).toThrow('Substitution `nope` is not set');
  });
});

describe('translateSql with declared column types', () => {
  const opts = { columnTypes: new Map([['x', 'Nullable(Int32)'], ['u', 'UInt32']]) };
  const cases: [string, string][] = [
    // A Nullable column keeps NULL where an outer join or an aggregate over nothing has no value.
    ['SELECT b.x FROM t AS a LEFT JOIN v AS b ON a.k = b.k', 'SELECT b."x" AS "x" FROM "t" AS "a" LEFT JOIN (SELECT *, true AS "__joined" FROM "v") AS "b" ON a."k" = b."k"'],
    // sum(UInt32) is UInt64; UInt32 × UInt16 is UInt64.
    ['SELECT sum(u) AS s, max(x) AS m, u * 1000 AS p FROM t', 'SELECT CAST(coalesce(sum(u), CASE WHEN count(*) = 0 THEN 0 END) AS UBIGINT) AS s, max(x) AS m, (CAST(u AS UBIGINT) * CAST(1000 AS UBIGINT)) AS p FROM "t"'],
  ];
  it.each(cases)('%s', (ch, duck) => expect(translateSql(ch, opts)).toBe(duck));
});

describe('translateSqlWithTotals', () => {
  it('answers the rows without WITH TOTALS and a totals query over every group', () => {
    expect(translateSqlWithTotals('SELECT k, count() AS c FROM x WHERE a > 1 GROUP BY k WITH TOTALS ORDER BY c DESC LIMIT 3')).toEqual({
      sql: 'SELECT k, CAST(count(*) AS UBIGINT) AS c FROM "x" WHERE a > 1 GROUP BY k ORDER BY c DESC LIMIT 3',
      totals: 'SELECT CASE WHEN grouping(k) = 1 THEN ch_default(k) ELSE k END AS "k", CAST(count(*) AS UBIGINT) AS c FROM "x" WHERE a > 1 GROUP BY GROUPING SETS ((k), ()) HAVING grouping(k) = 1',
    });
  });
  it('has no totals query without WITH TOTALS', () => {
    expect(translateSqlWithTotals('SELECT 1 AS x')).toEqual({ sql: 'SELECT CAST(1 AS UTINYINT) AS "x"', totals: null });
  });
  it.each([
    ['SELECT k FROM x GROUP BY k WITH TOTALS HAVING count() > 1', 'Unsupported ClickHouse syntax: GROUP BY ... WITH TOTALS with HAVING at 1:40'],
    ['SELECT k FROM (SELECT k FROM x GROUP BY k WITH TOTALS)', 'Unsupported ClickHouse syntax: GROUP BY ... WITH TOTALS at 1:43'],
  ])('refuses %s', (ch, msg) => expect(() => translateSqlWithTotals(ch)).toThrow(msg));
});
