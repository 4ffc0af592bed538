// Runs one translated query against the live data, and turns DuckDB failures into errors a ClickHouse user reads.
import { AppError, TimeoutError } from '../errors.ts';
import { clickhouseErrorOf } from '../sql/index.ts';
import { QueryTimeoutError, type Database, type QueryResult } from '../engine/database.ts';
import type { Storage } from '../storage/storage.ts';
import type { QueryOutcome } from './duckbird.ts';
import { planRowsBeforeLimit, type LimitPlan } from './rows-before-limit.ts';

export class QueryError extends AppError {
  /** ClickHouse's error code, sent as `X-DB-Exception-Code` (spec §3.6). */
  readonly dbCode: number | undefined;
  constructor(message: string, status: 400 | 403 = 400, dbCode?: number) {
    super(status, message);
    this.dbCode = dbCode;
  }
}

/** DuckDB error text → the message duckbird answers (spec §3.2 step 6: DB errors are 400s). */
export function translateDbError(e: unknown, timeoutMs: number): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof QueryTimeoutError) {
    return new TimeoutError(`[Error] Timeout exceeded: elapsed more than ${timeoutMs / 1000} seconds, maximum: ${timeoutMs / 1000} (controlled by the query_timeout_ms setting)`);
  }
  const raw = e instanceof Error ? e.message : String(e);
  const m = /^Catalog Error: Table with name (\S+) does not exist/.exec(raw);
  // Unknown tables answer 403 as the Query API does for resources the token cannot see (spec §4.2).
  if (m) return new QueryError(`Resource '${m[1]}' not found`, 403, 60);
  const ch = clickhouseErrorOf(raw);
  return new QueryError(`[Error] ${ch.message}`, 400, ch.code);
}

export async function runQuery(db: Database, storage: Storage, sql: string, timeoutMs: number, countBeforeLimit: boolean): Promise<QueryOutcome> {
  const lease = storage.beginRead();
  const started = performance.now();
  try {
    const plan = countBeforeLimit ? planRowsBeforeLimit(sql) : null;
    const { result, rowsBeforeLimit } = plan ? await withRowsBeforeLimit(db, sql, plan, timeoutMs) : { result: await db.query(sql, { timeoutMs }), rowsBeforeLimit: undefined };
    return { result, elapsed: (performance.now() - started) / 1000, rowsBeforeLimit };
  } catch (e) {
    throw translateDbError(e, timeoutMs);
  } finally {
    lease.release();
  }
}

/** The query's result and the rows its outermost LIMIT saw, counted only when neither tells (rows-before-limit.ts). */
async function withRowsBeforeLimit(db: Database, sql: string, plan: LimitPlan, timeoutMs: number): Promise<{ result: QueryResult; rowsBeforeLimit: number }> {
  const count = async () => Number((await db.query(`SELECT count(*) FROM (${plan.unlimited}) AS _rows_before_limit`, { timeoutMs })).rows[0]![0]);
  if (plan.windowed !== null) {
    const r = await db.query(plan.windowed, { timeoutMs });
    const result = { columns: r.columns.slice(0, -1), rows: r.rows.map((row) => row.slice(0, -1)) };
    // No row carries the window's count when the OFFSET skipped them all.
    const rowsBeforeLimit = r.rows.length > 0 ? Number(r.rows[0]!.at(-1)) : plan.offset === 0 ? 0 : await count();
    return { result, rowsBeforeLimit };
  }
  if (plan.limit !== null && plan.offset !== null) {
    const result = await db.query(sql, { timeoutMs });
    const n = result.rows.length;
    // A short page holds the last rows; a full one (or an empty page after an offset) says nothing of the rest.
    return { result, rowsBeforeLimit: n < plan.limit && (n > 0 || plan.offset === 0) ? plan.offset + n : await count() };
  }
  const [result, rowsBeforeLimit] = await Promise.all([db.query(sql, { timeoutMs }), count()]);
  return { result, rowsBeforeLimit };
}
