// Runs one translated query against the live data, and turns DuckDB failures into errors a ClickHouse user reads.
import { AppError, BadRequestError, TimeoutError } from '../errors.ts';
import { QueryTimeoutError, type Database, type QueryResult } from '../engine/database.ts';
import type { Storage } from '../storage/storage.ts';
import type { QueryOutcome } from './duckbird.ts';
import { planRowsBeforeLimit, type LimitPlan } from './rows-before-limit.ts';

export class QueryError extends AppError {
  constructor(message: string, status: 400 | 403 = 400) {
    super(status, message);
  }
}

/** DuckDB error text → the message duckbird answers (spec §3.2 step 6: DB errors are 400s). */
export function translateDbError(e: unknown, timeoutMs: number): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof QueryTimeoutError) {
    return new TimeoutError(`[Error] Timeout exceeded: elapsed more than ${timeoutMs / 1000} seconds, maximum: ${timeoutMs / 1000} (controlled by the query_timeout_ms setting)`);
  }
  const raw = e instanceof Error ? e.message : String(e);
  const msg = raw.split('\n')[0]!.trim();
  let m: RegExpExecArray | null;
  if ((m = /^Catalog Error: Table with name (\S+) does not exist/.exec(msg))) return new QueryError(`Resource '${m[1]}' not found`, 403);
  if ((m = /^Catalog Error: Scalar Function with name (\S+) does not exist/.exec(msg))) return new QueryError(`Unknown function ${m[1]}`);
  if ((m = /^Binder Error: Referenced column "?([^"\s]+)"? not found/.exec(msg))) return new QueryError(`Missing columns: '${m[1]}' while processing query`);
  const cleaned = msg.replace(/^(Binder|Parser|Conversion|Invalid Input|Out of Range|Catalog|Not implemented|Constraint|Type mismatch) Error: /, '');
  return new BadRequestError(`[Error] ${cleaned}`);
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
