// Materialized views for the kill -9 tests: every acknowledged batch of charging_sessions must reach both targets
// in the same durable step (issue 9 item 1), through the WAL replay too.
import { parseDatasource } from '../../src/datafiles/parse-datasource.ts';
import type { ViewDefinition } from '../../src/storage/storage.ts';

/** A plain copy of the session ids: exactly one row per source row. */
export const SESSION_IDS = parseDatasource('SCHEMA >\n    `session_id` String\n\nENGINE MergeTree\nENGINE_SORTING_KEY session_id\n', 'datasources/session_ids.datasource');

/** Sessions per user as count states (AggregateFunction(count) is a UBIGINT, sql/aggregate-states.ts). */
export const USER_SESSIONS = parseDatasource(
  'SCHEMA >\n    `user_id` String,\n    `sessions` AggregateFunction(count)\n\nENGINE AggregatingMergeTree\nENGINE_SORTING_KEY user_id\n',
  'datasources/user_sessions.datasource',
);

const from = (input: string | null) => input ?? 'main.charging_sessions';

export const CRASH_VIEWS: ViewDefinition[] = [
  { name: 'ids', origin: 'ids.pipe:3', source: 'charging_sessions', target: 'session_ids', select: (i) => `SELECT session_id FROM ${from(i)}` },
  {
    name: 'per_user',
    origin: 'per_user.pipe:3',
    source: 'charging_sessions',
    target: 'user_sessions',
    select: (i) => `SELECT user_id, CAST(count(*) AS UBIGINT) AS sessions FROM ${from(i)} GROUP BY user_id`,
  },
];
