// Differential suite: the same ClickHouse SQL runs in ClickHouse (chdb, in-process) and, translated, in
// DuckDB with FUNCTION_LIBRARY; rows, values and meta types must agree (Nullable/LowCardinality aside:
// DuckDB result types carry no nullability).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDualEngine, type DualEngine } from './dual-engine.ts';

const CASES: readonly string[] = [
  // The tutorial's user_usage node with its parameters rendered.
  `SELECT user_id, count() AS total_sessions, sum(energy_consumed) AS total_energy_consumed, sum(amount_paid) AS total_amount_spent,
     avg(energy_consumed) AS avg_energy_per_session, avg(amount_paid) AS avg_amount_per_session, min(start_time) AS first_session,
     max(start_time) AS latest_session, count(DISTINCT station_id) AS unique_stations_used
   FROM charging_sessions WHERE 1=1 AND start_time >= '2023-01-01 00:00:00' AND start_time <= '2024-12-31 23:59:59'
   AND user_id = 'u1' GROUP BY user_id ORDER BY total_sessions DESC LIMIT toInt32('100')`,
  `SELECT station_id, count() AS c, uniq(user_id) AS u, round(sum(energy_consumed), 1) AS e FROM charging_sessions GROUP BY station_id ORDER BY station_id`,
  `SELECT toDate(start_time) AS d, toStartOfDay(start_time) AS sd, toYYYYMM(timestamp) AS ym, dateDiff('minute', start_time, end_time) AS mins FROM charging_sessions ORDER BY session_id`,
  `SELECT session_id FROM charging_sessions ORDER BY session_id LIMIT 1, 2`,
  `SELECT session_id FROM charging_sessions ORDER BY session_id LIMIT 2 OFFSET 1`,
  `SELECT session_id FROM charging_sessions WHERE charging_type IN ['AC', 'X'] AND energy_consumed > toFloat32('1.0') ORDER BY session_id`,
  `WITH toInt32(10) AS lim SELECT session_id, lim FROM charging_sessions WHERE n < lim ORDER BY session_id`,
  `WITH s AS (SELECT station_id, count() c FROM charging_sessions GROUP BY station_id) SELECT * FROM s ORDER BY station_id`,
  `SELECT sum(n), sumIf(n, n > 0), countIf(n = 0), avgIf(energy_consumed, n > 0) FROM charging_sessions`,
  `SELECT sum(n), sumIf(energy_consumed, n > 1000), count(), countIf(n > 1000) FROM charging_sessions WHERE n > 1000`,
  `SELECT quantile(0.9)(energy_consumed), median(energy_consumed), quantileExact(0.5)(n), quantiles(0.25, 0.75)(energy_consumed) FROM charging_sessions`,
  `SELECT countMerge(c) AS c, uniqMerge(u) AS u, sumMerge(s) AS s, avgMerge(a) AS a FROM (SELECT station_id, countState() c, uniqState(user_id) u, sumState(n) s, avgState(energy_consumed) a FROM charging_sessions GROUP BY station_id)`,
  `SELECT station_id, session_id FROM charging_sessions ORDER BY station_id, session_id DESC LIMIT 1 BY station_id`,
  `SELECT session_id, toStartOfHour(start_time), toStartOfMonth(start_time), toStartOfWeek(start_time), toMonday(start_time), toStartOfInterval(start_time, INTERVAL 15 minute) FROM charging_sessions ORDER BY session_id`,
  `SELECT session_id, addHours(start_time, 2), toYear(start_time), toHour(start_time), toDayOfWeek(start_time) FROM charging_sessions WHERE start_time + INTERVAL 1 DAY > '2024-01-27 00:00:00' ORDER BY 1`,
  `SELECT multiIf(n > 5, 'big', n > 0, 'small', 'none') AS k, if(n == 3, 'y', 'n') AS i, CASE WHEN n BETWEEN 0 AND 3 THEN 'in' ELSE 'out' END AS b FROM charging_sessions ORDER BY session_id`,
  `SELECT session_id, lower(location), length(location), concat(user_id, '-', station_id) FROM charging_sessions WHERE location LIKE '%50\\%%' OR location ILIKE 'main%' ORDER BY session_id`,
  `SELECT arrayMap(x -> concat(x, '!'), tags) AS m, arrayFilter(x -> x != 'a', tags) AS f, has(tags, 'a') AS h, length(tags) FROM charging_sessions ORDER BY session_id`,
  `SELECT session_id, t FROM charging_sessions ARRAY JOIN tags AS t ORDER BY session_id, t`,
  `SELECT arrayJoin(['b', 'a']) AS x ORDER BY x`,
  `SELECT number FROM numbers(3)`,
  `SELECT * EXCEPT (tags, n, start_time, end_time, timestamp) FROM charging_sessions ORDER BY session_id LIMIT 1`,
  `SELECT session_id, lagInFrame(session_id, 1, '') OVER (PARTITION BY station_id ORDER BY start_time) AS prev FROM charging_sessions ORDER BY session_id`,
  `SELECT * FROM (SELECT station_id FROM charging_sessions WHERE user_id = 'u1' UNION ALL SELECT station_id FROM charging_sessions WHERE user_id = 'u3' ORDER BY station_id LIMIT 1) ORDER BY station_id`,
  `SELECT session_id FROM charging_sessions WHERE station_id IN (SELECT station_id FROM charging_sessions WHERE n > 5) ORDER BY session_id`,
  `SELECT a.session_id, b.c FROM charging_sessions AS a JOIN (SELECT station_id, count() AS c FROM charging_sessions GROUP BY station_id) AS b USING (station_id) ORDER BY a.session_id`,
  `SELECT session_id FROM charging_sessions PREWHERE n > 0 WHERE energy_consumed > 10 ORDER BY session_id SETTINGS max_threads = 1`,
  `SELECT toString(n), toInt32(energy_consumed), toUnixTimestamp(start_time), formatDateTime(start_time, '%Y-%m-%d %H:%i') FROM charging_sessions ORDER BY session_id`,
  `SELECT groupArray(session_id), argMax(session_id, energy_consumed), any(station_id) FROM (SELECT * FROM charging_sessions ORDER BY session_id) WHERE station_id = 'st1'`,
  `SELECT 'a\\'b' AS q, 'it''s' AS d, 'a\\%b' AS p, splitByChar(',', 'x,y,,z') AS s, JSONExtractString('{"a":"b"}', 'a') AS j, JSONExtractInt('{"a":1}', 'b') AS k`,
  `SELECT ifNull(NULL, 'x'), nullIf('a', 'a'), isNull(n), toFloat64OrNull('x'), toUInt32('7') FROM charging_sessions ORDER BY session_id`,
  // The constructs of the issue, one or more per query.
  "SELECT session_id, n > 0 ? 'pos' : (n < 0 ? 'neg' : 'zero') AS s FROM charging_sessions ORDER BY session_id",
  "SELECT tuple(n, session_id).2 AS a, (n, user_id).1 AS b FROM charging_sessions ORDER BY session_id",
  "SELECT session_id FROM charging_sessions WHERE (station_id, user_id) IN (SELECT station_id, user_id FROM charging_sessions WHERE n > 5) ORDER BY session_id",
  "SELECT session_id FROM charging_sessions WHERE (station_id, user_id) IN (('st1', 'u2'), ('st3', 'u3')) ORDER BY session_id",
  "SELECT session_id, start_time + INTERVAL 1 DAY AS a, toDate(start_time) - INTERVAL 1 MONTH AS b, toDate(start_time) + INTERVAL 3 HOUR AS c FROM charging_sessions ORDER BY session_id",
  "SELECT count() FROM charging_sessions WHERE start_time > toDateTime('2024-02-01 00:00:00') - INTERVAL 7 DAY",
  "SELECT session_id, CAST(n AS UInt8) AS a, n::String AS b, energy_consumed::Int64 AS c FROM charging_sessions WHERE n >= 0 ORDER BY session_id",
  "SELECT session_id, tags[1] AS a, tags[5] AS b, map('k', n)['k'] AS c, map('k', n)['z'] AS d FROM charging_sessions ORDER BY session_id",
  "SELECT count(), count(DISTINCT user_id), countDistinct(station_id) FROM charging_sessions",
  "SELECT session_id, rank() OVER (ORDER BY n) AS r, dense_rank() OVER (ORDER BY charging_type) AS d, count() OVER (PARTITION BY station_id) AS c FROM charging_sessions ORDER BY session_id",
  "SELECT 1 AS one, 256 AS big, -5 AS neg, 1.5 AS f, 'x' AS s, 0.1 + 0.2 AS sum",
  "SELECT station_id, sum(n > 0) AS pos FROM charging_sessions GROUP BY station_id ORDER BY station_id",
  "SELECT station_id FROM charging_sessions GROUP BY station_id HAVING count() > 1 ORDER BY station_id",
  "SELECT * FROM (SELECT n > 0 AS flag, session_id FROM charging_sessions) WHERE flag ORDER BY session_id",
  "SELECT session_id FROM charging_sessions WHERE location ILIKE '%STREET' ORDER BY session_id",
  // ORDER BY binds to the last SELECT of a UNION in ClickHouse: order the union's rows outside it.
  "SELECT * FROM (SELECT user_id FROM charging_sessions UNION DISTINCT SELECT user_id FROM charging_sessions) ORDER BY user_id",
  "SELECT session_id, round(energy_consumed * 1.1, 1) AS r, round(n / 4, 0) AS q FROM charging_sessions ORDER BY session_id",
  "SELECT sumIf(n, n > 0) AS a, countIf(n > 0) AS b, uniqIf(user_id, n > 0) AS c, avgIf(n, n > 0) AS d, minIf(n, n > 0) AS e, maxIf(start_time, n > 0) AS f FROM charging_sessions",
  "SELECT argMaxIf(session_id, n, n < 5) AS a, groupArrayIf(session_id, n > 0) AS b FROM (SELECT * FROM charging_sessions ORDER BY session_id)",
  "SELECT topK(2)(charging_type) AS t FROM charging_sessions",
  "SELECT sumOrNull(n) AS a, maxOrNull(n) AS b FROM charging_sessions WHERE n > 100",
  "SELECT session_id, station_id FROM charging_sessions ORDER BY session_id LIMIT 1 OFFSET 2",
  "SELECT number FROM numbers(2, 3)",
  "SELECT a.session_id, b.user_id AS user_id FROM charging_sessions AS a CROSS JOIN (SELECT user_id FROM charging_sessions WHERE n = 10) AS b ORDER BY a.session_id",
  "SELECT a.session_id FROM charging_sessions AS a LEFT ANTI JOIN (SELECT station_id FROM charging_sessions WHERE n = 10) AS b ON a.station_id = b.station_id ORDER BY a.session_id",
  "SELECT a.session_id FROM charging_sessions AS a LEFT SEMI JOIN (SELECT station_id FROM charging_sessions WHERE n > 0) AS b ON a.station_id = b.station_id ORDER BY a.session_id",
  "SELECT \`session_id\`, \`n\` FROM charging_sessions ORDER BY \`session_id\`",
  "SELECT session_id FROM charging_sessions WHERE n BETWEEN 0 AND 5 AND NOT (n = 3) ORDER BY session_id",
  "SELECT toYYYYMMDD(start_time) AS a, toMonday(start_time) AS b, toRelativeDayNum(start_time) AS c, toRelativeHourNum(start_time) AS d, toRelativeMonthNum(start_time) AS e FROM charging_sessions ORDER BY session_id",
  "SELECT upperUTF8(location) AS a, lowerUTF8(location) AS b, reverse(location) AS c, trim(BOTH ' ' FROM '  x ') AS d FROM charging_sessions ORDER BY session_id",
  "SELECT toInt32OrNull(location) AS a, toInt32OrZero('12') AS b, toUInt64OrZero('x') AS c, toDateOrNull('x') AS d, toDateTimeOrNull('2024-01-01 10:00:00') AS e FROM charging_sessions ORDER BY session_id",
  "SELECT empty(tags) AS a, notEmpty(location) AS b, endsWith(location, 'Street') AS c, arrayExists(x -> x = 'a', tags) AS d FROM charging_sessions ORDER BY session_id",
  "SELECT toDayOfMonth(start_time) AS a, toMonth(start_time) AS b, toMinute(start_time) AS c, toSecond(start_time) AS d, toQuarter(start_time) AS e, toDayOfYear(start_time) AS f FROM charging_sessions ORDER BY session_id",
  "SELECT arraySort(tags) AS a, arrayReverse(tags) AS b, arrayDistinct(tags) AS c, indexOf(tags, 'b') AS d, arrayConcat(tags, ['z']) AS e, arraySlice(tags, 1, 2) AS f FROM charging_sessions ORDER BY session_id",
  "SELECT domain(url) AS a, protocol(url) AS b, cutQueryString(url) AS c, cutFragment(url) AS d, queryString(url) AS e, fragment(url) AS f, extractURLParameter(url, 'q') AS g, topLevelDomain(url) AS h, cutWWW(url) AS i, encodeURLFormComponent(location) AS j, encodeURLComponent(location) AS k, decodeURLComponent('a%20b') AS l FROM charging_sessions ORDER BY session_id",
  "SELECT station_id, argMaxMerge(s) AS a FROM (SELECT station_id, argMaxMergeState(a) AS s FROM (SELECT station_id, user_id, argMaxState(session_id, energy_consumed) AS a FROM charging_sessions GROUP BY station_id, user_id) GROUP BY station_id, user_id) GROUP BY station_id ORDER BY station_id",
  "SELECT uniqMerge(s) AS u, countMerge(c) AS c FROM (SELECT uniqMergeState(u) AS s, countMergeState(c) AS c FROM (SELECT station_id, uniqState(user_id) AS u, countState() AS c FROM charging_sessions GROUP BY station_id) GROUP BY station_id)",
  // ARRAY JOIN without alias, LEFT ARRAY JOIN, ANY LEFT JOIN, WITH FILL.
  "SELECT session_id, tags FROM charging_sessions ARRAY JOIN tags ORDER BY session_id, tags",
  "SELECT session_id, t FROM charging_sessions LEFT ARRAY JOIN tags AS t ORDER BY session_id, t",
  "SELECT session_id, tags FROM charging_sessions LEFT ARRAY JOIN tags ORDER BY session_id, tags",
  "SELECT c.session_id, tags FROM charging_sessions AS c ARRAY JOIN tags WHERE tags != 'c' ORDER BY c.session_id, tags",
  "SELECT a.session_id, b.n AS n FROM charging_sessions AS a ANY LEFT JOIN (SELECT station_id, max(n) AS n FROM charging_sessions GROUP BY station_id) AS b ON a.station_id = b.station_id ORDER BY a.session_id",
  "SELECT session_id, user_id FROM charging_sessions ANY LEFT JOIN (SELECT user_id, count() AS c FROM charging_sessions GROUP BY user_id) AS u USING user_id ORDER BY session_id",
  "SELECT n, session_id FROM charging_sessions ORDER BY n WITH FILL",
  "SELECT n, session_id FROM charging_sessions ORDER BY n WITH FILL FROM -10 TO 14 STEP 3",
  "SELECT toDate(start_time) AS d, count() AS c FROM charging_sessions GROUP BY d ORDER BY d WITH FILL STEP INTERVAL 1 DAY",
  "SELECT toDate(start_time) AS d, count() AS c FROM charging_sessions GROUP BY d ORDER BY d WITH FILL FROM toDate('2023-12-29') TO toDate('2024-02-05') STEP INTERVAL 1 DAY",
  "SELECT toStartOfHour(start_time) AS h, sum(energy_consumed) AS e FROM charging_sessions WHERE start_time < '2024-01-01 05:00:00' GROUP BY h ORDER BY h WITH FILL TO toDateTime('2024-01-01 00:00:00') STEP INTERVAL 15 MINUTE",
  "SELECT toStartOfMonth(start_time) AS m, count() AS c FROM charging_sessions GROUP BY m ORDER BY m WITH FILL FROM toDate('2023-10-01') STEP toIntervalMonth(1) LIMIT 3",
  "SELECT n, session_id FROM charging_sessions ORDER BY n WITH FILL STEP 3",
  "SELECT n, session_id FROM charging_sessions WHERE n > 100 ORDER BY n WITH FILL FROM 1 TO 4",
  // Aggregates over no rows give the type default; toDayOfWeek modes.
  "SELECT min(n) AS a, max(start_time) AS b, any(location) AS c, argMax(session_id, n) AS d, minIf(energy_consumed, n > 100) AS e, maxOrNull(n) AS f, sum(n) AS g, avg(n) AS h, count() AS i FROM charging_sessions WHERE n > 1000",
  "SELECT station_id, minIf(n, n > 5) AS a, maxIf(toDate(start_time), n > 5) AS b FROM charging_sessions GROUP BY station_id ORDER BY station_id",
  "SELECT toDayOfWeek(start_time, 0) AS a, toDayOfWeek(start_time, 1) AS b, toDayOfWeek(start_time, 2) AS c, toDayOfWeek(end_time, 3) AS d FROM charging_sessions ORDER BY session_id",
  // cityHash64 through the scalar function the engine registers (dual-engine.ts: registerCityHash64).
  "SELECT user_id, cityHash64(user_id) AS h, cityHash64(n) AS i, cityHash64(toDate(start_time)) AS d, cityHash64(start_time) AS t, cityHash64(user_id, station_id) AS m, cityHash64(payload) AS p FROM charging_sessions ORDER BY session_id",
  "SELECT user_id FROM charging_sessions WHERE cityHash64(user_id) % 2 = 0 ORDER BY session_id",
  // LEFT JOIN: unmatched rows read the type's default (join_use_nulls = 0), through columns and stars.
  "SELECT a.session_id, b.c AS c, b.station_id AS s FROM charging_sessions AS a LEFT JOIN (SELECT station_id, count() AS c FROM charging_sessions WHERE n > 0 GROUP BY station_id) AS b ON a.station_id = b.station_id ORDER BY a.session_id",
  "SELECT a.session_id, b.c AS c FROM charging_sessions AS a LEFT JOIN (SELECT station_id, toDate(max(start_time)) AS c FROM charging_sessions WHERE n > 5 GROUP BY station_id) AS b USING (station_id) WHERE b.c = toDate('1970-01-01') ORDER BY a.session_id",
  "SELECT * FROM charging_sessions AS a LEFT JOIN (SELECT station_id AS sid, n AS m FROM charging_sessions WHERE n > 5) AS b ON a.station_id = b.sid ORDER BY a.session_id",
  "SELECT a.session_id, b.* FROM charging_sessions AS a LEFT JOIN (SELECT station_id AS sid, tags AS t FROM charging_sessions WHERE n > 5) AS b ON a.station_id = b.sid ORDER BY a.session_id",
  // DateTime is a TIMESTAMP holding whole seconds: every way of making one truncates a fraction, as ClickHouse does.
  "SELECT toDateTime('2024-01-01 00:00:00.7') AS a, toDateTime(1.7) AS b, CAST('2024-01-01 00:00:00.7' AS DateTime) AS c, parseDateTimeBestEffort('2024-01-01 00:00:00.7') AS d, toDateTime64('2024-01-01 00:00:00.7', 3) AS f",
  "SELECT session_id, toStartOfFiveMinutes(start_time) AS a, toStartOfMinute(end_time) AS b, toStartOfDay(toDate(start_time)) AS c, toDate(start_time) + INTERVAL 90 MINUTE AS d, fromUnixTimestamp(1706263200) AS e, toDateTime64(start_time, 3) + INTERVAL 1 HOUR AS f FROM charging_sessions ORDER BY session_id",
  "SELECT session_id FROM charging_sessions WHERE start_time >= toDateTime('2024-01-26 10:00:00.5') AND start_time <= '2024-02-03 08:15:30' ORDER BY session_id",
];

let engines: DualEngine;
beforeAll(async () => {
  engines = await openDualEngine();
});
afterAll(() => engines?.close());

describe('ClickHouse (chdb) vs translated SQL on DuckDB', () => {
  it.each(CASES)('%s', async (sql) => {
    const { expected, actual, translated } = await engines.run(sql);
    expect({ ...actual, translated }).toEqual({ ...expected, translated });
  });
});
