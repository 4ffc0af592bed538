// Differential suite: the same ClickHouse SQL runs in ClickHouse (chdb, in-process) and, translated, in
// DuckDB with FUNCTION_LIBRARY; rows, values and meta types must agree (Nullable/LowCardinality aside:
// DuckDB result types carry no nullability).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session } from 'chdb';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { translateSql } from '../../src/sql/translate-sql.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { clickhouseType, unwrapType } from '../../src/sql/types.ts';

const SCHEMA = [
  ['session_id', 'String'], ['station_id', 'String'], ['user_id', 'String'], ['start_time', 'DateTime'],
  ['end_time', 'DateTime'], ['energy_consumed', 'Float64'], ['amount_paid', 'Float64'], ['charging_type', 'String'],
  ['location', 'String'], ['timestamp', 'DateTime'], ['n', 'Int32'], ['tags', 'Array(String)'],
] as const;
const ROWS: (string | number | string[])[][] = [
  ['s1', 'st1', 'u1', '2024-01-26 10:00:00', '2024-01-26 11:00:00', 15.5, 10, 'AC', 'Main Street', '2024-01-26 10:00:00', 3, ['a', 'b']],
  ['s2', 'st1', 'u2', '2024-01-27 23:59:59', '2024-01-28 00:30:00', 7.25, 5.5, 'DC', 'Main Street', '2024-01-27 23:59:59', -7, []],
  ['s3', 'st2', 'u1', '2024-02-03 08:15:30', '2024-02-03 09:45:00', 30, 21.75, 'AC', 'Elm', '2024-02-03 08:15:30', 10, ['b']],
  ['s4', 'st3', 'u3', '2023-12-31 23:00:00', '2024-01-01 01:00:00', 2.5, 1.25, 'AC', 'it\'s 50%_off', '2023-12-31 23:00:00', 0, ['a', 'c', 'a']],
];
const lit = (v: string | number | string[]): string =>
  Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`;

let ch: Session;
let duck: DuckDBConnection;

beforeAll(async () => {
  ch = new Session();
  ch.query(`CREATE TABLE charging_sessions (${SCHEMA.map(([n, t]) => `\`${n}\` ${t}`).join(', ')}) ENGINE = MergeTree ORDER BY tuple()`);
  ch.query(`INSERT INTO charging_sessions VALUES ${ROWS.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  await duck.run("SET TimeZone = 'UTC'");
  for (const s of FUNCTION_LIBRARY) await duck.run(s);
  const { duckdbType } = await import('../../src/sql/types.ts');
  await duck.run(`CREATE TABLE charging_sessions (${SCHEMA.map(([n, t]) => `"${n}" ${duckdbType(t)}`).join(', ')})`);
  await duck.run(`INSERT INTO charging_sessions VALUES ${ROWS.map((r) => `(${r.map(lit).join(', ')})`).join(', ')}`);
});
afterAll(() => ch?.close());

function normalise(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v * 1e9) / 1e9 : null;
  if (typeof v === 'string') return /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) && false ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalise);
  const o = v as { items?: unknown[]; entries?: unknown };
  if (Array.isArray(o.items)) return o.items.map(normalise);
  return String(v);
}

async function both(sql: string) {
  const raw = JSON.parse(ch.query(sql, 'JSONCompact')) as { meta: { name: string; type: string }[]; data: unknown[][] };
  const expected = {
    types: raw.meta.map((m) => unwrapType(m.type)),
    rows: raw.data.map((r) => r.map((v, i) => (typeof v === 'boolean' ? (v ? 1 : 0) : /^(U?Int|Float)/.test(unwrapType(raw.meta[i]!.type)) && typeof v === 'string' ? normalise(Number(v)) : normalise(v)))),
  };
  const translated = translateSql(sql);
  const r = await duck.runAndReadAll(translated);
  const actual = {
    types: r.columnTypes().map((t) => clickhouseType(String(t))),
    rows: r.getRows().map((row) => row.map(normalise)),
  };
  return { expected, actual, translated };
}

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
];

describe('ClickHouse (chdb) vs translated SQL on DuckDB', () => {
  for (const sql of CASES) {
    it(sql.replace(/\s+/g, ' ').slice(0, 120), async () => {
      const { expected, actual, translated } = await both(sql);
      expect({ ...actual, translated }).toEqual({ ...expected, translated });
    });
  }
});
