// The EV-charging tutorial data source (seed/ev-charging-tinybird-tutorial.md) as the parser would produce it.
import type { ColumnDef, DatasourceFile } from '../../src/datafiles/types.ts';

const col = (name: string, type: string): ColumnDef => ({
  name,
  type,
  nullable: type.startsWith('Nullable('),
  jsonpath: `$.${name}`,
  defaultExpr: null,
  codec: null,
});

export function datasource(
  name: string,
  columns: readonly ColumnDef[],
  partitionKey: string | null,
  sortingKey: string | null,
): DatasourceFile {
  return {
    kind: 'datasource',
    name,
    path: `datasources/${name}.datasource`,
    description: '',
    columns,
    engine: {
      engine: 'MergeTree',
      partitionKey,
      sortingKey,
      primaryKey: null,
      ttl: null,
      ver: null,
      isDeleted: null,
      sign: null,
      version: null,
      summingColumns: null,
      settings: null,
    },
    tokens: [],
    forwardQuery: null,
    indexes: null,
    text: '',
  };
}

export const CHARGING_SESSIONS = datasource(
  'charging_sessions',
  [
    col('session_id', 'String'),
    col('station_id', 'String'),
    col('user_id', 'String'),
    col('start_time', 'DateTime'),
    col('end_time', 'DateTime'),
    col('energy_consumed', 'Float64'),
    col('amount_paid', 'Float64'),
    col('charging_type', 'String'),
    col('location', 'String'),
    col('timestamp', 'DateTime'),
  ],
  'toYYYYMM(timestamp)',
  'station_id, start_time, session_id',
);

/** A row of the tutorial's shape; `i` makes session ids unique, `month` picks the partition (1-12, 2024). */
export function session(i: number, month = 1, station = `station${i % 7}`): Record<string, unknown> {
  const mm = String(month).padStart(2, '0');
  const ss = String(i % 60).padStart(2, '0');
  return {
    session_id: `session${i}`,
    station_id: station,
    user_id: `user${i % 13}`,
    start_time: `2024-${mm}-26 10:00:${ss}`,
    end_time: `2024-${mm}-26 11:00:${ss}`,
    energy_consumed: 15.5,
    amount_paid: 10,
    charging_type: i % 2 ? 'AC' : 'DC',
    location: 'Main Street',
    timestamp: `2024-${mm}-26 10:00:${ss}`,
  };
}

export const ndjson = (rows: readonly Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r)).join('\n');
