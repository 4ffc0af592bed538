// ClickHouse time zones (issue 5): the same SQL in ClickHouse (chdb, session zone UTC as Tinybird's) and,
// translated, on DuckDB over instants around daylight-saving changes in three kinds of zone (dual-engine.ts
// TZ_SCHEMA): same rows, values and `meta` types. DuckDB's result types cannot name a zone, so the zoned ones
// (`DateTime('Europe/Madrid')`) come from resultTimeZones, as the service takes them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_COLUMN_TYPES, openDualEngine, type DualEngine } from './dual-engine.ts';
import { resultTimeZones, translateSql } from '../../src/sql/translate-sql.ts';

/** A positive offset with DST, a negative one with DST, a half-hour one without. */
const ZONES = ['Europe/Madrid', 'America/New_York', 'Asia/Kolkata'] as const;

/** Queries with `$Z` for the zone; each runs once per zone. */
const PER_ZONE: readonly [string, string][] = [
  ['toTimezone', "SELECT id, toTimezone(ts, '$Z') AS a, toString(toTimeZone(ts, '$Z')) AS b, toTimezone(ts_ms, '$Z') AS c, toTimezone(toTimezone(ts, 'Asia/Tokyo'), '$Z') AS d FROM tz_events ORDER BY id"],
  ['toStartOfDay', "SELECT id, toStartOfDay(ts, '$Z') AS a, toStartOfDay(toTimezone(ts, '$Z')) AS b, toStartOfDay(day, '$Z') AS c FROM tz_events ORDER BY id"],
  ['toDate', "SELECT id, toDate(ts, '$Z') AS a, toDate(toTimezone(ts, '$Z')) AS b, toDate(toTimezone(ts_ms, '$Z')) AS c FROM tz_events ORDER BY id"],
  ['toStartOfHour', "SELECT id, toStartOfHour(toTimezone(ts, '$Z')) AS a, toStartOfHour(ts, '$Z') AS b, toStartOfMinute(ts, '$Z') AS c, toStartOfFifteenMinutes(ts, '$Z') AS d, toStartOfInterval(ts, INTERVAL 2 HOUR, '$Z') AS e, toStartOfInterval(ts, INTERVAL 1 DAY, '$Z') AS f FROM tz_events ORDER BY id"],
  ['formatDateTime', "SELECT id, formatDateTime(ts, '%Y-%m-%d %H:%i:%S', '$Z') AS a, formatDateTime(toTimezone(ts, '$Z'), '%F %T') AS b FROM tz_events ORDER BY id"],
  ['toHour', "SELECT id, toHour(ts, '$Z') AS a, toMinute(ts, '$Z') AS b, toHour(toTimezone(ts, '$Z')) AS c, toDayOfMonth(ts, '$Z') AS d, toDayOfWeek(ts, 0, '$Z') AS e, toYear(ts, '$Z') AS f, toMonth(ts, '$Z') AS g FROM tz_events ORDER BY id"],
  ['toDateTime', "SELECT id, toDateTime(wall, '$Z') AS a, toDateTime(day, '$Z') AS b, toDateTime(toUnixTimestamp(ts), '$Z') AS c, toDateTime(ts, '$Z') AS d, toDateTime('2024-03-31 02:30:00', '$Z') AS e FROM tz_events ORDER BY id"],
  ['toStartOfWeek', "SELECT id, toStartOfWeek(ts, 0, '$Z') AS a, toStartOfWeek(ts, 1, '$Z') AS b, toMonday(ts, '$Z') AS c, toStartOfMonth(ts, '$Z') AS d, toStartOfYear(ts, '$Z') AS e FROM tz_events ORDER BY id"],
  ['toYYYYMMDD', "SELECT id, toYYYYMMDD(ts, '$Z') AS a, toYYYYMM(ts, '$Z') AS b, toYYYYMMDD(toTimezone(ts, '$Z')) AS c, toRelativeDayNum(ts, '$Z') AS d FROM tz_events ORDER BY id"],
  ['toUnixTimestamp', "SELECT id, toUnixTimestamp(toTimezone(ts, '$Z')) AS a, toUnixTimestamp(wall, '$Z') AS b, toUnixTimestamp(ts, '$Z') AS c, toUnixTimestamp(toStartOfDay(ts, '$Z')) AS d FROM tz_events ORDER BY id"],
  ['now', "SELECT toDate(now('$Z')) = toDate(now(), '$Z') AS a, toHour(now('$Z')) = toHour(now(), '$Z') AS b, now('$Z') <= now() + INTERVAL 5 SECOND AS c, now('$Z') >= now() - INTERVAL 5 SECOND AS d, today() = toDate(now()) AS e"],
  ['comparisons', "SELECT id, toTimezone(ts, '$Z') = ts AS a, toTimezone(ts, '$Z') < toDateTime('2024-06-01 00:00:00') AS b, toTimezone(ts, '$Z') >= '2024-03-31 02:00:00' AS c, toStartOfDay(ts, '$Z') <= ts AS d, toTimezone(ts, '$Z') > day AS e FROM tz_events ORDER BY id"],
  ['dateDiff', "SELECT id, dateDiff('hour', toTimezone(ts, '$Z'), toTimezone(ts + INTERVAL 3 HOUR, '$Z')) AS a, dateDiff('day', ts, ts + INTERVAL 6 HOUR, '$Z') AS b, dateDiff('minute', toStartOfDay(ts, '$Z'), toTimezone(ts, '$Z')) AS c, dateDiff('hour', toStartOfDay(ts, '$Z'), toTimezone(ts, '$Z')) AS d, dateDiff('day', toStartOfDay(ts, '$Z'), toTimezone(ts, '$Z') + INTERVAL 1 DAY) AS e FROM tz_events ORDER BY id"],
  ['INTERVAL', "SELECT id, toTimezone(ts, '$Z') + INTERVAL 1 HOUR AS a, toTimezone(ts, '$Z') - INTERVAL 90 MINUTE AS b, toStartOfHour(toTimezone(ts, '$Z') + INTERVAL 30 MINUTE) AS c FROM tz_events ORDER BY id"],
  // Rows 4 and 8 are left out: their wall clock in Madrid / New York also happened an hour earlier (rows 3 and
  // 7), and a subquery's column no longer tells which (README: known differences; tested below).
  ['subquery', "SELECT id, toUnixTimestamp(lt) AS a, lt > toDateTime('2024-06-01 00:00:00') AS b, toDate(lt) AS c, toHour(h) AS d FROM (SELECT id, toTimezone(ts, '$Z') AS lt, toStartOfHour(lt) AS h FROM tz_events) WHERE id NOT IN (4, 8) ORDER BY id"],
  ['same name', "SELECT id, toUnixTimestamp(ts) AS u, ts > toDateTime('2024-06-01 00:00:00') AS b, toHour(ts) AS h, ts >= '2024-03-31 02:00:00' AS c FROM (SELECT id, toTimezone(ts, '$Z') AS ts FROM tz_events) WHERE id NOT IN (4, 8) ORDER BY id"],
  ['WITH', "WITH '$Z' AS tz SELECT id, toStartOfDay(toTimezone(ts, '$Z')) AS day_start, count() OVER (PARTITION BY toDate(ts, '$Z')) AS same_day FROM tz_events ORDER BY id"],
  ['parseDateTimeBestEffort', "SELECT id, parseDateTimeBestEffort(wall, '$Z') AS a, parseDateTimeBestEffortOrNull(concat(replaceOne(wall, ' ', 'T'), 'Z'), '$Z') AS b, parseDateTimeBestEffortOrNull('2024-03-31 01:30:00+05:30', '$Z') AS c FROM tz_events ORDER BY id"],
  ['CAST', "SELECT id, CAST(ts AS DateTime('$Z')) AS a, ts::DateTime('America/New_York') AS b, CAST(toTimezone(ts, '$Z') AS DateTime) AS c, CAST(wall AS DateTime('$Z')) AS d, toDateTime64(wall, 3, '$Z') AS e, toDateTime64(ts_ms, 3, '$Z') AS f FROM tz_events ORDER BY id"],
  ['BETWEEN', "SELECT id, toTimezone(ts, '$Z') BETWEEN toDateTime('2024-03-10 07:00:00') AND now() AS a, toTimezone(ts, '$Z') NOT BETWEEN '2024-03-10 07:00:00' AND toDateTime('2024-11-03 06:00:00') AS b, toTimezone(ts, '$Z') BETWEEN '2024-03-10 07:00:00' AND '2024-11-03 06:00:00' AS c FROM tz_events ORDER BY id"],
  ['minute buckets', "SELECT id, toStartOfTenMinutes(ts, '$Z') AS a, toStartOfFiveMinutes(toTimezone(ts, '$Z')) AS b, toStartOfInterval(ts, INTERVAL 7 MINUTE, '$Z') AS c, toStartOfInterval(toTimezone(ts, '$Z'), INTERVAL 90 MINUTE) AS d, toStartOfInterval(ts, INTERVAL 5 HOUR, '$Z') AS e FROM tz_events ORDER BY id"],
  ['GROUP BY', "SELECT toDate(toTimezone(ts, '$Z')) AS date, count() AS visits, min(toTimezone(ts, '$Z')) AS first FROM tz_events WHERE ts >= '2024-01-01 00:00:00' GROUP BY date ORDER BY date"],
];

/** A quarter-hour zone, hour buckets and texts with offsets in UTC, and UTC under other names, and '' (the server's zone): the identity, meta `DateTime('UTC')` (or `DateTime`). */
const UTC_CASES: readonly string[] = [
  // Asia/Kathmandu is UTC+05:45: ten-minute buckets count on the instant, not the wall clock.
  "SELECT id, toStartOfTenMinutes(ts, 'Asia/Kathmandu') AS a, toStartOfHour(ts, 'Asia/Kathmandu') AS b, toStartOfInterval(ts, INTERVAL 5 HOUR) AS c, toStartOfInterval(ts, toIntervalHour(5)) AS d FROM tz_events ORDER BY id",
  "SELECT parseDateTimeBestEffort('2024-03-31 01:30:00+05:30') AS a, parseDateTimeBestEffortOrNull('2024-03-31T01:30:00-03:00') AS b, parseDateTimeBestEffortOrNull('2024-03-31 01:30:00') AS c",
  "SELECT id, toTimezone(ts, 'UTC') AS a, toStartOfDay(ts, 'Etc/UTC') AS b, toDate(ts, 'GMT') AS c, toHour(ts, 'Zulu') AS d, toTimezone(toTimezone(ts, 'Asia/Kolkata'), 'UTC') AS e, toTimezone(ts, '') AS f FROM tz_events ORDER BY id",
];

let engines: DualEngine;
beforeAll(async () => {
  engines = await openDualEngine();
});
afterAll(() => engines?.close());

describe('time zones: chdb vs translated DuckDB', () => {
  const cases = PER_ZONE.flatMap(([fn, sql]) => ZONES.map((z) => [`${fn} in ${z}`, sql.replaceAll('$Z', z)] as const));
  it.each([...cases, ...UTC_CASES.map((sql) => [sql, sql] as const)])('%s', async (_name, sql) => {
    const { expected, actual, translated } = await engines.run(sql, { columnTypes: true });
    const zones = resultTimeZones(sql, { columnTypes: FIXTURE_COLUMN_TYPES });
    expect({ ...actual, types: actual.types.map((t, k) => zones?.[k] ?? t), translated }).toEqual({ ...expected, translated });
  });

  it('takes the earlier instant for a wall-clock time shown twice once only the wall clock is left', async () => {
    // 2024-10-27 01:30 UTC is 02:30 in Madrid, as 00:30 UTC was an hour before.
    const sql = "SELECT id, toUnixTimestamp(lt) AS u FROM (SELECT id, toTimezone(ts, 'Europe/Madrid') AS lt FROM tz_events) WHERE id IN (3, 4) ORDER BY id";
    const { expected, actual } = await engines.run(sql, { columnTypes: true });
    expect(expected.rows).toEqual([['3', '1729989000'], ['4', '1729992600']]);
    expect(actual.rows).toEqual([['3', '1729989000'], ['4', '1729989000']]);
  });

  it("reports zoned types as plain DateTime from DuckDB's result types alone", async () => {
    const { expected, actual } = await engines.run("SELECT toTimezone(ts, 'Asia/Kolkata') AS a, toTimezone(ts_ms, 'America/New_York') AS b, toStartOfDay(ts, 'Europe/Madrid') AS c FROM tz_events LIMIT 1", { columnTypes: true });
    expect(expected.types).toEqual(["DateTime('Asia/Kolkata')", "DateTime64(3, 'America/New_York')", "DateTime('Europe/Madrid')"]);
    expect(actual.types).toEqual(['DateTime', 'DateTime64(3)', 'DateTime']);
  });
});

/** Exact translations: a known DateTime column moves with ch_wall, an untyped one with ch_wall_of. */
const TRANSLATIONS: readonly [string, string, boolean][] = [
  ["SELECT toStartOfDay(t, 'Europe/Madrid') AS d FROM x", `SELECT toStartOfDay(ch_wall(t, 'Europe/Madrid')) AS d FROM "x"`, true],
  ["SELECT toStartOfDay(t, 'Europe/Madrid') AS d FROM x", `SELECT toStartOfDay(ch_wall_of(t, 'Europe/Madrid')) AS d FROM "x"`, false],
  ["SELECT toTimezone(t, 'UTC') AS a, toHour(t, 'Etc/UTC') AS b FROM x", `SELECT t AS a, toHour(t) AS b FROM "x"`, true],
  // toTimezone only changes how t is shown: its instant is t's.
  ["SELECT toUnixTimestamp(toTimezone(t, 'Asia/Kolkata')) AS u FROM x", `SELECT toUnixTimestamp(t) AS u FROM "x"`, true],
  ["SELECT toUnixTimestamp(toStartOfDay(t, 'Asia/Kolkata')) AS u FROM x", `SELECT toUnixTimestamp(ch_instant(toStartOfDay(ch_wall(t, 'Asia/Kolkata')), 'Asia/Kolkata')) AS u FROM "x"`, true],
  ["SELECT now('America/New_York') AS n", "SELECT ch_wall(now(), 'America/New_York') AS n", false],
  ["SELECT t FROM x WHERE toStartOfHour(t, 'Asia/Kolkata') > now() - INTERVAL 1 DAY", `SELECT t FROM "x" WHERE ch_instant(toStartOfHour(ch_wall(t, 'Asia/Kolkata')), 'Asia/Kolkata') > ch_minus(now(), INTERVAL (1) DAY)`, true],
  // `t` is the column inside its own definition, the zoned value in the SELECT around it.
  ["SELECT toUnixTimestamp(t) AS u FROM (SELECT toTimezone(t, 'Asia/Kolkata') AS t FROM x)", `SELECT toUnixTimestamp(ch_instant(t, 'Asia/Kolkata')) AS u FROM (SELECT ch_wall(t, 'Asia/Kolkata') AS t FROM "x")`, true],
  ["SELECT t FROM (SELECT toTimezone(t, 'Asia/Kolkata') AS t FROM x) WHERE t > now()", `SELECT t FROM (SELECT ch_wall(t, 'Asia/Kolkata') AS t FROM "x") WHERE ch_instant(t, 'Asia/Kolkata') > now()`, true],
  // A literal is read in the DateTime's zone, through the instant for times the zone skips.
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS l FROM x WHERE l >= '2024-01-01 00:00:00'", `SELECT ch_wall(t, 'Asia/Kolkata') AS l FROM "x" WHERE l >= ch_wall(ch_instant(CAST('2024-01-01 00:00:00' AS TIMESTAMP), 'Asia/Kolkata'), 'Asia/Kolkata')`, true],
];

const REFUSALS: readonly [string, string][] = [
  ["SELECT toStartOfDay(t, concat('Europe/', 'Madrid')) FROM x", 'Unsupported ClickHouse syntax: toStartOfDay with a computed time zone at 1:24'],
  ["SELECT toTimezone(t, tz) FROM x", 'Unsupported ClickHouse syntax: toTimezone with a computed time zone at 1:22'],
  ["SELECT toTimezone(t, 'Europe/Nowhere') FROM x", 'Cannot load time zone Europe/Nowhere. (BAD_ARGUMENTS)'],
  ["SELECT toDate(t, 'europe/madrid') FROM x", 'Cannot load time zone europe/madrid. (BAD_ARGUMENTS)'],
  ["SELECT toRelativeHourNum(t, 'Asia/Kolkata') FROM x", "Unsupported ClickHouse syntax: toRelativeHourNum in time zone 'Asia/Kolkata' at 1:8"],
  ["SELECT dateDiff('hour', toTimezone(t, 'Asia/Kolkata'), toTimezone(t, 'Europe/Madrid')) FROM x", 'Unsupported ClickHouse syntax: dateDiff of DateTimes in different time zones at 1:8'],
  ["SELECT dateDiff(unit, toTimezone(t, 'Asia/Kolkata'), t, 'Asia/Kolkata') FROM x", "Unsupported ClickHouse syntax: dateDiff with a computed unit in time zone 'Asia/Kolkata' at 1:17"],
  ["SELECT toTimezone(t, 'Asia/Kolkata') > n FROM x", "Unsupported ClickHouse syntax: comparison of DateTime('Asia/Kolkata') with a number at 1:38"],
  ["SELECT toTimezone(t, 'Asia/Kolkata') > v FROM x", "Unsupported ClickHouse syntax: comparison of DateTime('Asia/Kolkata') with an expression of unknown type at 1:38"],
  ["SELECT toTimezone(t, 'Asia/Kolkata') BETWEEN n AND now() FROM x", "Unsupported ClickHouse syntax: BETWEEN of DateTime('Asia/Kolkata') and a number at 1:38"],
  ["SELECT CAST(t AS DateTime('Mars/Olympus')) FROM x", 'Cannot load time zone Mars/Olympus. (BAD_ARGUMENTS)'],
  ["SELECT parseDateTimeBestEffortOrZero(s, 'Asia/Kolkata') FROM x", "Unsupported ClickHouse syntax: parseDateTimeBestEffortOrZero in time zone 'Asia/Kolkata' at 1:8"],
  // In its own SELECT, `t` is the alias in ClickHouse but the column in DuckDB.
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS t FROM x WHERE toHour(t) > 3", "Unsupported ClickHouse syntax: toHour of t (an alias reusing a column's name, read in its own SELECT) at 1:63"],
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS t FROM x WHERE t > '2024-01-01 00:00:00'", "Unsupported ClickHouse syntax: comparison of t (an alias reusing a column's name, read in its own SELECT) at 1:58"],
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS t, toUnixTimestamp(t) AS u FROM x", "Unsupported ClickHouse syntax: time zone of t (an alias reusing a column's name, read in its own SELECT) at 1:60"],
  ["SELECT a FROM (SELECT toTimezone(t, 'Asia/Kolkata') AS a FROM x UNION ALL SELECT toTimezone(t, 'Europe/Madrid') AS a FROM x) WHERE a < now()", 'Unsupported ClickHouse syntax: comparison of a (a name bound to DateTimes of different time zones) at 1:134'],
];

const COLUMNS = new Map([['t', 'DateTime'], ['n', 'Int32'], ['s', 'String']]);

const RESULT_ZONES: readonly [string, (string | null)[] | null][] = [
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS a, n, toDate(t, 'Asia/Kolkata') AS d, toTimezone(t, 'UTC') AS u, toTimezone(t, '') AS e FROM x", ["DateTime('Asia/Kolkata')", null, null, "DateTime('UTC')", null]],
  ["SELECT DISTINCT max(h) AS m, toStartOfHour(h) FROM (SELECT toTimezone(t, 'Europe/Madrid') AS h FROM x) FORMAT JSON", ["DateTime('Europe/Madrid')", "DateTime('Europe/Madrid')"]],
  ["WITH toTimezone(t, 'America/New_York') AS l SELECT l + INTERVAL 1 DAY FROM x", ["DateTime('America/New_York')"]],
  ["SELECT * FROM (SELECT toTimezone(t, 'Asia/Kolkata') AS l FROM x)", null],
  ["SELECT toTimezone(t, 'Asia/Kolkata') AS l FROM x UNION ALL SELECT t FROM y", null],
];

describe('translateSql with time zones', () => {
  it.each(TRANSLATIONS)('%s (declared types: %s)', (ch, duck, typed) => expect(translateSql(ch, typed ? { columnTypes: COLUMNS } : {})).toBe(duck));
  it.each(REFUSALS)('refuses %s', (ch, msg) => expect(() => translateSql(ch, { columnTypes: COLUMNS })).toThrow(msg));
  it.each(RESULT_ZONES)('result time zones of %s', (ch, zones) => expect(resultTimeZones(ch, { columnTypes: COLUMNS })).toEqual(zones));
});
