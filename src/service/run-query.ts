// Runs one translated query against the live data, and turns DuckDB failures into errors a ClickHouse user reads.
import { AppError, BadRequestError, TimeoutError } from '../errors.ts';
import { QueryTimeoutError, type Database } from '../engine/database.ts';
import type { Storage } from '../storage/storage.ts';
import type { QueryOutcome } from './duckbird.ts';
import { withoutOuterLimit } from './rows-before-limit.ts';

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
    const unlimited = countBeforeLimit ? withoutOuterLimit(sql) : null;
    const [result, counted] = await Promise.all([
      db.query(sql, { timeoutMs }),
      unlimited === null ? undefined : db.query(`SELECT count(*) FROM (${unlimited}) AS _rows_before_limit`, { timeoutMs }),
    ]);
    const rowsBeforeLimit = counted === undefined ? undefined : Number(counted.rows[0]![0]);
    return { result, elapsed: (performance.now() - started) / 1000, rowsBeforeLimit };
  } catch (e) {
    throw translateDbError(e, timeoutMs);
  } finally {
    lease.release();
  }
}
