// The seed's three endpoints (sql/endpoints/*.pipe), each with several parameter sets, in three forms:
// the HTTP request duckbird answers, the same query written by hand in DuckDB SQL (what a DuckDB user would run over
// duckbird's live Parquet files), and the pipe's ClickHouse SQL with the parameters substituted the way Tinybird's
// template would (the defaults written in the .pipe apply when a parameter is absent).
import { sqlString } from './schema.ts';

export interface BenchQuery {
  readonly id: string;
  readonly endpoint: 'user_usage' | 'get_sessions' | 'station_analytics';
  readonly label: string;
  readonly params: Readonly<Record<string, string>>;
  readonly duckdb: string;
  readonly clickhouse: string;
}

type P = Readonly<Record<string, string>>;
const dt = (v: string, ch: boolean) => (ch ? `toDateTime(${sqlString(v)})` : `TIMESTAMP ${sqlString(v)}`);

function userUsage(p: P, ch: boolean): string {
  const start = p.start_date ?? '2023-01-01 00:00:00';
  const end = p.end_date ?? '2023-12-31 23:59:59';
  const count = ch ? 'count()' : 'count(*)';
  return `SELECT user_id, ${count} AS total_sessions, sum(energy_consumed) AS total_energy_consumed, sum(amount_paid) AS total_amount_spent,
  avg(energy_consumed) AS avg_energy_per_session, avg(amount_paid) AS avg_amount_per_session, min(start_time) AS first_session,
  max(start_time) AS latest_session, count(DISTINCT station_id) AS unique_stations_used
FROM charging_sessions
WHERE 1=1 AND start_time >= ${dt(start, ch)} AND start_time <= ${dt(end, ch)} AND user_id = ${sqlString(p.user_id ?? '')}
GROUP BY user_id ORDER BY total_sessions DESC LIMIT ${Number(p.limit ?? 100)}`;
}

function getSessions(p: P, ch: boolean): string {
  const where: string[] = [];
  for (const col of ['station_id', 'user_id', 'location', 'charging_type']) if (p[col] !== undefined) where.push(`AND ${col} = ${sqlString(p[col]!)}`);
  if (p.start_date !== undefined) where.push(`AND start_time >= ${dt(p.start_date, ch)}`);
  if (p.end_date !== undefined) where.push(`AND start_time <= ${dt(p.end_date, ch)}`);
  return `SELECT session_id, station_id, user_id, start_time, end_time, energy_consumed, amount_paid, charging_type, location, timestamp
FROM charging_sessions
WHERE 1=1 ${where.join(' ')}
ORDER BY start_time DESC, session_id LIMIT ${Number(p.limit ?? 100)} OFFSET ${Number(p.offset ?? 0)}`;
}

function stationAnalytics(p: P, ch: boolean): string {
  const start = p.start_date ?? '2024-01-01 00:00:00';
  const end = p.end_date ?? '2024-12-31 23:59:59';
  const loc = p.location !== undefined ? `AND location = ${sqlString(p.location)}` : '';
  // ClickHouse's pipe says uniq() (approximate); duckbird and the DuckDB side count exactly.
  const minutes = ch ? "dateDiff('minute', start_time, end_time)" : "date_diff('minute', start_time, end_time)";
  return `SELECT station_id, location, ${ch ? 'count()' : 'count(*)'} AS total_sessions, round(sum(energy_consumed), 2) AS total_energy_consumed,
  round(sum(amount_paid), 2) AS total_revenue, round(avg(${minutes}), 2) AS avg_session_minutes,
  ${ch ? 'uniq(user_id)' : 'count(DISTINCT user_id)'} AS unique_users
FROM charging_sessions
WHERE start_time >= ${dt(start, ch)} AND start_time <= ${dt(end, ch)} ${loc}
GROUP BY station_id, location ORDER BY total_revenue DESC, station_id LIMIT ${Number(p.limit ?? 100)}`;
}

const RENDER = { user_usage: userUsage, get_sessions: getSessions, station_analytics: stationAnalytics } as const;

// Users and stations with small numbers are the busy ones (the generator skews towards them).
const SETS: readonly [BenchQuery['endpoint'], string, P][] = [
  ['user_usage', 'busy user, default year (2023)', { user_id: 'user_7' }],
  ['user_usage', 'quiet user, two years', { user_id: 'user_73519', start_date: '2023-01-01 00:00:00', end_date: '2024-12-31 23:59:59' }],
  ['user_usage', 'busy user, one week', { user_id: 'user_7', start_date: '2024-03-04 00:00:00', end_date: '2024-03-10 23:59:59' }],
  ['get_sessions', 'newest 100, no filter', {}],
  ['get_sessions', 'one station', { station_id: 'station_42' }],
  ['get_sessions', 'one user', { user_id: 'user_123' }],
  ['get_sessions', 'one day at one location, page 2', { location: 'Airport', start_date: '2024-06-01 00:00:00', end_date: '2024-06-01 23:59:59', limit: '20', offset: '20' }],
  ['get_sessions', 'charging type, page 3', { charging_type: 'DC Fast', limit: '50', offset: '100' }],
  ['station_analytics', 'default year (2024)', {}],
  ['station_analytics', 'one week', { start_date: '2024-03-04 00:00:00', end_date: '2024-03-10 23:59:59' }],
  ['station_analytics', 'one location, 2023, top 10', { location: 'Airport', start_date: '2023-01-01 00:00:00', end_date: '2023-12-31 23:59:59', limit: '10' }],
];

export const QUERIES: readonly BenchQuery[] = SETS.map(([endpoint, label, params], i) => ({
  id: `${endpoint}#${i}`,
  endpoint,
  label,
  params,
  duckdb: RENDER[endpoint](params, false),
  clickhouse: RENDER[endpoint](params, true),
}));

export const ENDPOINTS = ['user_usage', 'get_sessions', 'station_analytics'] as const;

export function pipeUrl(base: string, q: BenchQuery): string {
  const qs = new URLSearchParams(q.params).toString();
  return `${base}/v0/pipes/${q.endpoint}.json${qs ? `?${qs}` : ''}`;
}
