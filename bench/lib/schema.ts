// The charging_sessions schema as DuckDB and ClickHouse see it (sql/datasources/charging_sessions.datasource).
export const COLUMNS: readonly (readonly [name: string, clickhouse: string, duckdb: string])[] = [
  ['session_id', 'String', 'VARCHAR'],
  ['station_id', 'String', 'VARCHAR'],
  ['user_id', 'String', 'VARCHAR'],
  ['start_time', 'DateTime', 'TIMESTAMP'],
  ['end_time', 'DateTime', 'TIMESTAMP'],
  ['energy_consumed', 'Float64', 'DOUBLE'],
  ['amount_paid', 'Float64', 'DOUBLE'],
  ['charging_type', 'String', 'VARCHAR'],
  ['location', 'String', 'VARCHAR'],
  ['timestamp', 'DateTime', 'TIMESTAMP'],
];

export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** `read_json` over NDJSON with the declared column types (no type sniffing, as duckbird does not sniff). */
export function duckdbReadJson(path: string): string {
  const cols = COLUMNS.map(([n, , t]) => `${n}: '${t}'`).join(', ');
  return `read_json(${sqlString(path)}, format = 'newline_delimited', columns = {${cols}}, timestampformat = '%Y-%m-%d %H:%M:%S')`;
}

export function clickhouseCreateTable(name: string): string {
  const cols = COLUMNS.map(([n, t]) => `\`${n}\` ${t}`).join(', ');
  return `CREATE TABLE ${name} (${cols}) ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp) ORDER BY (station_id, start_time, session_id)`;
}
