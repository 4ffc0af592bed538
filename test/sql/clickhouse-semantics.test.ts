// ClickHouse semantics DuckDB does not share (issue 5): outer-join defaults, aggregates over nothing, sum types,
// byte-counting string functions, WITH FILL / TOTALS / ROLLUP. Each query runs in ClickHouse (chdb) and,
// translated, on DuckDB; names, meta types and rows must agree exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDualEngine, type DualEngine } from './dual-engine.ts';

const CASES: readonly string[] = [
  // RIGHT / FULL JOIN (join_use_nulls = 0): the unmatched side reads its types' defaults, not NULL.
  "SELECT a.session_id, b.c, b.s FROM charging_sessions AS a RIGHT JOIN (SELECT station_id, count() AS c, 'x' AS s FROM charging_sessions WHERE n > 0 GROUP BY station_id UNION ALL SELECT 'zz', 5, 'y') AS b ON a.station_id = b.station_id ORDER BY b.station_id, a.session_id",
  "SELECT a.session_id, a.n, b.c FROM charging_sessions AS a FULL JOIN (SELECT 'zz' AS station_id, 5 AS c) AS b ON a.station_id = b.station_id ORDER BY a.session_id",
  "SELECT station_id, a.n, b.c FROM charging_sessions AS a FULL JOIN (SELECT 'zz' AS station_id, 5 AS c) AS b USING (station_id) ORDER BY station_id, a.n",
  "SELECT station_id, a.start_time, b.c FROM charging_sessions AS a RIGHT JOIN (SELECT 'zz' AS station_id, 5 AS c UNION ALL SELECT 'st2', 6) AS b USING (station_id) ORDER BY station_id",
  "SELECT * FROM charging_sessions AS a FULL JOIN (SELECT 'zz' AS sid, 5 AS c) AS b ON a.station_id = b.sid ORDER BY a.session_id",
  "SELECT a.*, b.* FROM charging_sessions AS a RIGHT JOIN (SELECT 'zz' AS sid, 5 AS c) AS b ON a.station_id = b.sid ORDER BY a.session_id",
  "SELECT b.c, count() FROM charging_sessions AS a LEFT JOIN (SELECT 'st1' AS station_id, 5 AS c) AS b USING (station_id) GROUP BY b.c ORDER BY b.c",
  "SELECT a.session_id FROM charging_sessions AS a LEFT JOIN (SELECT 'st1' AS station_id, 5 AS c) AS b USING (station_id) WHERE b.c = 0 ORDER BY a.session_id",
  // Unqualified columns in the select list over an outer join read the default too.
  "SELECT user_id, c, e, t FROM (SELECT user_id, count() AS c FROM charging_sessions GROUP BY user_id) AS a LEFT JOIN (SELECT user_id, sum(energy_consumed) AS e, max(start_time) AS t FROM charging_sessions WHERE n > 0 GROUP BY user_id) AS b USING user_id ORDER BY user_id",
  "SELECT date, hits, visits FROM (SELECT toDate(start_time) AS date, count() AS hits FROM charging_sessions WHERE n <= 0 GROUP BY date) AS h FULL JOIN (SELECT toDate(start_time) AS date, uniq(user_id) AS visits FROM charging_sessions WHERE n > 0 GROUP BY date) AS v USING date ORDER BY date",
  // `*` over USING lists the keys first, once.
  "SELECT * FROM charging_sessions AS a LEFT JOIN (SELECT 'st1' AS station_id, 5 AS c) AS b USING (station_id) ORDER BY a.session_id",
  "SELECT * FROM charging_sessions AS a JOIN (SELECT 'st1' AS station_id, 5 AS c) AS b USING (station_id) ORDER BY a.session_id",
  "SELECT * FROM charging_sessions JOIN (SELECT 'st1' AS station_id, 'u1' AS user_id, 5 AS c) AS b USING (user_id, station_id) ORDER BY session_id",
  // Aggregates over no rows: type defaults (avg, variances, quantiles: nan, shown as null); over rows that are
  // all NULL (a Nullable argument): NULL.
  "SELECT avg(n), avg(energy_consumed), sum(energy_consumed), stddevPop(n), stddevSamp(n), varPop(n), varSamp(n), median(n), quantile(0.9)(n), quantiles(0.5)(n), quantileExact(0.5)(n) FROM charging_sessions WHERE n > 100",
  "SELECT uniq(n), uniqExact(n), groupArray(n), groupUniqArray(n), topK(2)(n), anyLast(n), argMin(session_id, n), corr(n, energy_consumed), groupBitOr(n), groupBitAnd(n) FROM charging_sessions WHERE n > 100",
  "SELECT station_id, avgIf(n, n > 100), medianIf(n, n > 100), quantileIf(0.9)(n, n > 100), stddevPopIf(n, n > 100), anyIf(location, n > 100), argMaxIf(session_id, n, n > 100), sumIf(energy_consumed, n > 100) FROM charging_sessions GROUP BY station_id ORDER BY station_id",
  "SELECT max(nullIf(n, n)), sum(nullIf(n, n)), avg(nullIf(n,n)), any(nullIf(n, n)), argMax(nullIf(session_id, session_id), n), min(nullIf(n, 3)), count(nullIf(n, n)) FROM charging_sessions",
  "SELECT max(nullIf(n, n)), sum(nullIf(n, n)), avg(nullIf(n,n)), any(nullIf(n, n)) FROM charging_sessions WHERE n > 100",
  "SELECT maxIf(nullIf(n, 3), n > 100), sumIf(nullIf(n, 3), n > 100) FROM charging_sessions",
  "SELECT avg(n), avgOrNull(n), sumOrNull(n), maxOrDefault(n), minOrNull(start_time) FROM charging_sessions WHERE n > 100",
  "SELECT ifNull(avg(n), 0) AS a, isNaN(avg(n)) AS b FROM charging_sessions WHERE n > 100",
  // sum's type: UInt64 for unsigned arguments, Int64 for signed, Float64 for floats.
  "SELECT sum(toUInt32(n*n)), sum(toUInt8(1)), sum(toInt8(n)), sum(toFloat32(n)), sumIf(toUInt16(5), n > 0), sum(CAST(abs(n) AS UInt16)), sum(toYear(start_time)), sum(length(location)), sum(abs(n)::UInt64) FROM charging_sessions",
  "SELECT sum(toUInt32(n*n)), sum(toFloat32(n)), max(toFloat64OrNull(location)), sum(toFloat64OrNull(location)), min(toUInt8OrNull(location)) FROM charging_sessions WHERE n > 100",
  // substring/substr/left/right count bytes (a cut character reads as U+FFFD); the -UTF8 forms count characters.
  "SELECT substring('hello', -3), substring('hello', -3, 2), substring('hello', 0, 2), left('h\u00e9llo', -2), right('h\u00e9llo', -2), substring('hello', 2), substring('h\u00e9llo', 2, 2), left('h\u00e9llo', 2), right('h\u00e9llo', 2), substring('h\u00e9llo', 2, 1), substr('hello', 2, -1), leftUTF8('h\u00e9llo', 2), rightUTF8('h\u00e9llo', 2), substringUTF8('h\u00e9llo', 2, 2), substring('abc', 2), LEFT('abc', 1)",
  "SELECT substring(location, 2, 5) AS a, left(url, 10) AS b, right(url, 4) AS c, substringUTF8(location, -3) AS d, length('\u00e9') AS e, lengthUTF8('\u00e9') AS f, substring('hello', -10, 2) AS g, substring('hello', 3, 0) AS h, substring('hello', 10) AS i FROM charging_sessions ORDER BY session_id",
  "SELECT isNaN(avg(n)) AS a, isFinite(1 / 0) AS b, isInfinite(1 / 0) AS c FROM charging_sessions",
  // ANY joins (join keys only where ClickHouse picks an arbitrary row of several).
  "SELECT a.station_id, b.m FROM charging_sessions AS a ANY INNER JOIN (SELECT 'st1' AS station_id, 1 AS m UNION ALL SELECT 'st1', 1 UNION ALL SELECT 'zz', 3) AS b ON a.station_id = b.station_id ORDER BY b.m",
  "SELECT a.station_id, b.m FROM charging_sessions AS a ANY INNER JOIN (SELECT 'st1' AS station_id, 1 AS m UNION ALL SELECT 'st1', 1 UNION ALL SELECT 'st2', 3) AS b USING (station_id) ORDER BY b.m",
  "SELECT a.station_id, b.m FROM charging_sessions AS a ANY RIGHT JOIN (SELECT 'st1' AS station_id, 1 AS m UNION ALL SELECT 'st1', 2 UNION ALL SELECT 'zz', 3) AS b ON a.station_id = b.station_id ORDER BY b.m",
  "SELECT a.start_time, b.m FROM charging_sessions AS a ANY RIGHT JOIN (SELECT 'u3' AS user_id, 1 AS m UNION ALL SELECT 'zz', 3) AS b USING (user_id) ORDER BY b.m",
  // Descending WITH FILL: from the largest key (or FROM) down by a negative STEP (default -1), TO exclusive.
  "SELECT n, session_id FROM charging_sessions ORDER BY n DESC WITH FILL",
  "SELECT n, session_id FROM charging_sessions ORDER BY n DESC WITH FILL FROM 12 TO -9 STEP -4",
  "SELECT n FROM charging_sessions ORDER BY n DESC WITH FILL STEP -3",
  "SELECT toDate(start_time) AS d, count() AS c FROM charging_sessions GROUP BY d ORDER BY d DESC WITH FILL STEP INTERVAL -1 DAY LIMIT 5",
  "SELECT toDate(start_time) AS d, count() AS c FROM charging_sessions GROUP BY d ORDER BY d DESC WITH FILL FROM toDate('2024-02-05') TO toDate('2024-01-25') STEP toIntervalDay(-2)",
  // ROLLUP / CUBE / GROUPING SETS: rolled-up keys read the type's default (NULL for a Nullable key).
  "SELECT station_id, user_id, sum(n) AS s, count() AS c FROM charging_sessions GROUP BY station_id, user_id WITH ROLLUP ORDER BY station_id, user_id",
  "SELECT station_id, toDate(start_time) AS d, sum(n) AS s FROM charging_sessions GROUP BY station_id, d WITH CUBE ORDER BY station_id, d",
  "SELECT charging_type, sum(n) AS s FROM charging_sessions GROUP BY ROLLUP(charging_type) ORDER BY charging_type",
  "SELECT upper(charging_type), sum(n) AS s FROM charging_sessions GROUP BY upper(charging_type) WITH ROLLUP ORDER BY s",
  "SELECT station_id, charging_type, count() AS c FROM charging_sessions GROUP BY GROUPING SETS ((station_id), (charging_type), ()) ORDER BY station_id, charging_type, c",
  "SELECT station_id, nullIf(charging_type, 'DC') AS t, count() AS c FROM charging_sessions GROUP BY station_id, t WITH ROLLUP ORDER BY station_id, t, c",
  "SELECT toStartOfMonth(start_time) AS m, count() AS c FROM charging_sessions GROUP BY m WITH ROLLUP ORDER BY m",
  // Found running web-analytics pipe SQL: products widen (toUnixTimestamp(t) * 1000 overflowed UInt32), extract()
  // is DuckDB syntax, URL functions.
  "SELECT toUnixTimestamp(start_time) * 1000 AS ms, count() OVER () * 100 AS d, 2 * 3 AS e, toUInt8(n + 7) * 2 AS h, 10 / 4 * 2 AS g FROM charging_sessions ORDER BY session_id",
  "SELECT toUInt8(1) * toUInt8(2) AS a, toInt8(1) * 1000 AS b, toUInt16(3) * toInt32(2) AS c, toUInt32(5) * 70000 AS d, toInt64(5) * 5 AS e, toUInt64(7) * 7 AS f, toUInt8(250) * 250 AS g",
  "SELECT extract(url, 'q=([^&#]*)') AS a, extract(url, '[a-z]+\\.[a-z]+') AS b, extract(url, 'zzz') AS c, extractAll(url, '[a-z]+') AS d, extractAll(url, '/([a-z])') AS e, extract(url, '(?:www\\.)?([a-z]+)\\.') AS f, extract(url, '[(]x') AS g FROM charging_sessions ORDER BY session_id",
  "SELECT u, firstSignificantSubdomain(u) AS a, cutToFirstSignificantSubdomain(u) AS b, extractURLParameters(u) AS c, extractURLParameterNames(u) AS d, port(u) AS e, pathFull(u) AS f FROM (SELECT arrayJoin(['https://www.example.com/a/b?q=1&r=x#f', 'http://news.clickhouse.com.tr/x', 'https://sub.www.test.io:8080/x/y.html', '/relative/path', 'http://a.co.uk', 'https://localhost/', 'https://foo.bar.baz.org/?a', 'http://www.example.com', 'http://a.b.gov.uk', 'http://a.b.c.example.com', 'http://com', 'https://x.y.ac.uk/?=3&b']) AS u) ORDER BY u",
  "SELECT arrayAvg([1, 2]) AS c, arrayZip(tags, tags) AS e, arrayPushBack(tags, 'z') AS f, arrayElement(tags, -1) AS g FROM charging_sessions ORDER BY session_id",
  "SELECT toStartOfInterval(start_time, INTERVAL 2 HOUR) AS d, toStartOfInterval(start_time, toIntervalDay(1)) AS e, toStartOfInterval(start_time, toIntervalMinute(15)) AS f FROM charging_sessions ORDER BY session_id",
  "SELECT like(location, '%Street') AS c, notLike(location, '%Street') AS d, ilike(location, 'main%') AS f FROM charging_sessions WHERE like(location, '%Street') OR NOT notLike(location, 'E%') ORDER BY session_id",
  "SELECT session_id, sum(n) OVER (PARTITION BY station_id) AS s, sum(energy_consumed) OVER (ORDER BY session_id) AS e FROM charging_sessions ORDER BY session_id",
  "SELECT toDate(start_time) AS d, count() AS c, sum(count()) OVER (ORDER BY d) AS running FROM charging_sessions GROUP BY d ORDER BY d",
  `SELECT JSONExtractArrayRaw(payload, 'tags') AS a, JSONExtractArrayRaw(payload) AS b, JSONExtractArrayRaw('[1, {"a": 2}, "x", null]') AS c FROM charging_sessions ORDER BY session_id`,
  // WITH FILL with a number STEP on a Date key counts days, on a DateTime key seconds.
  "SELECT toDate(timestamp) AS date, uniq(user_id) AS visits, countIf(n = 0) AS bounces FROM charging_sessions GROUP BY date ORDER BY date WITH FILL FROM toDate('2024-01-25') TO toDate('2024-02-05') STEP 1",
  "SELECT toStartOfHour(timestamp) AS t, count() AS c FROM charging_sessions WHERE timestamp >= toDateTime('2024-01-26 09:00:00') AND timestamp < toDateTime('2024-01-26 14:00:00') GROUP BY t ORDER BY t WITH FILL FROM toStartOfHour(toDateTime('2024-01-26 09:00:00')) TO toDateTime('2024-01-26 14:00:00') STEP 3600",
  "SELECT toDate(timestamp) AS d, count() AS c FROM charging_sessions GROUP BY d ORDER BY d WITH FILL",
  "SELECT toStartOfDay(timestamp) AS d, count() AS c FROM charging_sessions WHERE n > 0 GROUP BY d ORDER BY d DESC WITH FILL STEP -86400",
  "SELECT toStartOfMonth(timestamp) AS m, count() AS c FROM charging_sessions GROUP BY m ORDER BY m WITH FILL STEP 1 LIMIT 3",
  // Functions pipes use that were missing or differed (log is natural; MD5/SHA256 are binary digests).
  "SELECT lower(hex(MD5(user_id))) AS b, hex(SHA256(user_id)) AS c, positionUTF8(location, 'e') AS p FROM charging_sessions ORDER BY session_id",
  "SELECT splitByRegexp('[,;]', location) AS a, arrayFlatten([tags, ['z']]) AS b, countEqual(tags, 'a') AS h, arrayMax(tags) AS m, arrayMin(arrayMap(x -> length(x), tags)) AS n FROM charging_sessions ORDER BY session_id",
  "SELECT bitAnd(n, 3) AS a, bitOr(n, 8) AS b, truncate(energy_consumed) AS d, log(energy_consumed) AS f, LOG(amount_paid) AS g, toLastDayOfMonth(start_time) AS l FROM charging_sessions ORDER BY session_id",
];

let engines: DualEngine;
beforeAll(async () => {
  engines = await openDualEngine();
});
afterAll(() => engines?.close());

describe('ClickHouse semantics on DuckDB (chdb vs translated)', () => {
  it.each(CASES)('%s', async (sql) => {
    const { expected, actual, translated } = await engines.run(sql);
    expect({ ...actual, translated }).toEqual({ ...expected, translated });
  });
});

// With the declared column types (TranslateOptions.columnTypes) products and sums take ClickHouse's types too.
const TYPED: readonly string[] = [
  "SELECT n * n AS a, n * 1000 AS b, toUnixTimestamp(start_time) * 1000 + 5 AS c, -n * 2 AS d, sum(n) OVER () * 2 AS e FROM charging_sessions ORDER BY session_id",
  "SELECT count() * 100 AS a, sum(n) * 2 AS b, max(n) * 3 AS c, avg(n) * 2 AS d, uniq(user_id) * 2 AS u, sum(ts_ms) AS t FROM charging_sessions",
  "SELECT toUInt8(1) * toUInt8(2) AS a, toInt8(1) * 1000 AS b, toUInt16(3) * toInt32(2) AS c, toUInt32(5) * 70000 AS d, toInt64(5) * 5 AS e, toUInt64(7) * 7 AS f, toUInt8(250) * 250 AS g, 2 * 3 AS h",
];

describe('with declared column types', () => {
  it.each(TYPED)('%s', async (sql) => {
    const { expected, actual, translated } = await engines.run(sql, { columnTypes: true });
    expect({ ...actual, translated }).toEqual({ ...expected, translated });
  });
});

// WITH TOTALS: the rows as without it, and a separate totals row (keys at their defaults, no ORDER BY / LIMIT).
const TOTALS: readonly string[] = [
  "SELECT station_id, count() AS c, sum(energy_consumed) AS e, avg(n) AS a FROM charging_sessions GROUP BY station_id WITH TOTALS ORDER BY station_id",
  "SELECT station_id, toDate(start_time) AS d, count() AS c FROM charging_sessions WHERE n >= 0 GROUP BY station_id, d WITH TOTALS ORDER BY c DESC, station_id LIMIT 2",
  "SELECT charging_type, uniq(user_id) AS u, max(start_time) AS m, min(toDate(end_time)) AS e FROM charging_sessions WHERE n > 0 GROUP BY charging_type WITH TOTALS",
];

describe('GROUP BY ... WITH TOTALS (chdb vs translateSqlWithTotals)', () => {
  it.each(TOTALS)('%s', async (sql) => {
    const { expected, actual } = await engines.runWithTotals(sql);
    expect(actual).toEqual(expected);
  });
});
