// Runs one translated query against the live data, and turns DuckDB failures into errors a ClickHouse user reads.
import { AppError, TimeoutError } from '../errors.ts';
import { clickhouseErrorOf } from '../sql/index.ts';
import { QueryTimeoutError, type Database, type QueryResult, type Session } from '../engine/database.ts';
import { stateView } from '../storage/parts-views.ts';
import type { Storage } from '../storage/storage.ts';
import type { QueryOutcome } from './duckbird.ts';
import { planRowsBeforeLimit } from './rows-before-limit.ts';
import { shadowableTables, withPartsViews } from './with-parts-views.ts';

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

/** Runs one statement; `parallel` when statements may overlap (the pool), false on one held connection. */
type Run = ((sql: string) => Promise<QueryResult>) & { readonly parallel?: boolean };
type Answer = { result: QueryResult; rowsBeforeLimit: number | undefined };

export async function runQuery(db: Database, storage: Storage, sql: string, timeoutMs: number, countBeforeLimit: boolean): Promise<QueryOutcome> {
  const lease = storage.beginRead();
  const started = performance.now();
  try {
    const tables = shadowableTables(sql, (name) => storage.has(name));
    const answer = (run: Run, q: string): Promise<Answer> =>
      countBeforeLimit ? withRowsBeforeLimit(run, q) : run(q).then((result) => ({ result, rowsBeforeLimit: undefined }));
    const { result, rowsBeforeLimit } = tables.length
      ? await db.withConnection((s) => inSnapshot(s, tables, answer, sql, timeoutMs))
      : await answer(Object.assign((q: string) => db.query(q, { timeoutMs }), { parallel: true }), sql);
    return { result, elapsed: (performance.now() - started) / 1000, rowsBeforeLimit };
  } catch (e) {
    throw translateDbError(e, timeoutMs);
  } finally {
    lease.release();
  }
}

/**
 * Answers `sql` in one DuckDB transaction, reading the parts alone of the `tables` whose buffers are empty in
 * that snapshot (storage/parts-views.ts: then the parts are all the rows, and reading them alone is faster).
 */
async function inSnapshot(
  s: Session,
  tables: readonly string[],
  answer: (run: Run, sql: string) => Promise<Answer>,
  sql: string,
  timeoutMs: number,
): Promise<Answer> {
  const run: Run = (q) => s.query(q, { timeoutMs });
  await s.run('BEGIN TRANSACTION');
  try {
    const state = (await run(`SELECT * FROM ${tables.map((t, i) => `${stateView(t)} AS s${i}`).join(', ')}`)).rows[0]!;
    const empty = tables.filter((_t, i) => Number(state[i]) === 0);
    const out = await answer(run, withPartsViews(sql, empty));
    await s.run('COMMIT');
    return out;
  } catch (e) {
    await s.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** The query's result and the rows its outermost LIMIT saw, counted only when neither tells (rows-before-limit.ts). */
async function withRowsBeforeLimit(run: Run, sql: string): Promise<Answer> {
  const plan = planRowsBeforeLimit(sql);
  if (!plan) return { result: await run(sql), rowsBeforeLimit: undefined };
  const count = async () => Number((await run(`SELECT count(*) FROM (${plan.unlimited}) AS _rows_before_limit`)).rows[0]![0]);
  if (plan.windowed !== null) {
    const r = await run(plan.windowed);
    const result = { columns: r.columns.slice(0, -1), rows: r.rows.map((row) => row.slice(0, -1)) };
    // No row carries the window's count when the OFFSET skipped them all.
    const rowsBeforeLimit = r.rows.length > 0 ? Number(r.rows[0]!.at(-1)) : plan.offset === 0 ? 0 : await count();
    return { result, rowsBeforeLimit };
  }
  if (plan.limit !== null && plan.offset !== null) {
    const result = await run(sql);
    const n = result.rows.length;
    // A short page holds the last rows; a full one (or an empty page after an offset) says nothing of the rest.
    return { result, rowsBeforeLimit: n < plan.limit && (n > 0 || plan.offset === 0) ? plan.offset + n : await count() };
  }
  if (!run.parallel) return { result: await run(sql), rowsBeforeLimit: await count() };
  const [result, rowsBeforeLimit] = await Promise.all([run(sql), count()]);
  return { result, rowsBeforeLimit };
}
