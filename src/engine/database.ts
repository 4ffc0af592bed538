// The only module that imports DuckDB. One instance per process; a small pool of connections so a slow
// query does not block ingest, and one dedicated writer connection so storage steps are serialised.
import {
  ANY,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBScalarFunction,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampValue,
  UBIGINT,
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBResultReader,
} from '@duckdb/node-api';

export interface Column {
  readonly name: string;
  /** DuckDB type as DuckDB prints it, e.g. `BIGINT`, `TIMESTAMP_S`, `VARCHAR[]`. */
  readonly type: string;
}

export interface QueryResult {
  readonly columns: readonly Column[];
  /** Rows as arrays of DuckDB JS values (bigint for 64-bit ints, DuckDB value objects for dates, ...). */
  readonly rows: readonly (readonly unknown[])[];
}

export interface DatabaseOptions {
  /** Directories the SQL may read from/write to; everything else is refused once `lockDown()` ran. */
  readonly allowedDirectories?: readonly string[];
  readonly threads?: number;
  readonly memoryLimit?: string;
}

export class Database {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly pool: DuckDBConnection[],
  ) {
    this.idle.push(...pool);
  }

  /** Opens an in-memory DuckDB; data lives in Parquet files managed by storage/, not in a DuckDB file. */
  static async open(options: DatabaseOptions = {}, poolSize = 4): Promise<Database> {
    const config: Record<string, string> = {};
    if (options.threads) config.threads = String(options.threads);
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', config);
    const pool: DuckDBConnection[] = [];
    for (let i = 0; i < poolSize; i++) pool.push(await instance.connect());
    const db = new Database(instance, pool);
    await db.runOnEach("SET TimeZone = 'UTC'");
    return db;
  }

  /**
   * Restricts file access to the given directories and forbids further configuration changes
   * (design.md, Security). Call after start-up DDL.
   */
  async lockDown(allowedDirectories: readonly string[]): Promise<void> {
    const list = allowedDirectories.map((d) => `'${d.replaceAll("'", "''")}'`).join(', ');
    await this.run(`SET allowed_directories = [${list}]`);
    await this.run('SET enable_external_access = false');
    await this.run('SET lock_configuration = true');
  }

  private acquire(): Promise<DuckDBConnection> {
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(c: DuckDBConnection): void {
    const w = this.waiters.shift();
    if (w) w(c);
    else this.idle.push(c);
  }

  /** Runs `fn` with one connection held for its whole duration (for multi-statement steps). */
  async withConnection<T>(fn: (c: Session) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('database is closed');
    const c = await this.acquire();
    try {
      return await fn(new Session(c));
    } finally {
      this.release(c);
    }
  }

  run(sql: string, params?: Params): Promise<void> {
    return this.withConnection((s) => s.run(sql, params));
  }

  query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    return this.withConnection((s) => s.query(sql, opts));
  }

  /**
   * Registers a scalar function written in JavaScript on every pooled connection, for functions SQL macros cannot
   * express (a hash that loops over blocks). `fn` gets each argument's value and DuckDB type name.
   */
  registerFunction(name: string, returnType: 'UBIGINT', fn: (args: readonly { value: unknown; type: string }[]) => unknown): void {
    const type = { UBIGINT }[returnType];
    for (const c of this.pool) {
      c.registerScalarFunction(
        DuckDBScalarFunction.create({
          name,
          varArgsType: ANY,
          returnType: type,
          mainFunction: (_info, input, output) => {
            const vectors = Array.from({ length: input.columnCount }, (_, i) => input.getColumnVector(i));
            const types = vectors.map((v) => v.type.toString());
            for (let row = 0; row < input.rowCount; row++) {
              output.setItem(row, fn(vectors.map((v, i) => ({ value: v.getItem(row), type: types[i]! }))) as never);
            }
            output.flush();
          },
        }),
      );
    }
  }

  /**
   * Creates catalog objects (the function library's macros) once: they live in the shared in-memory catalog, so
   * every pooled connection sees them. One multi-statement call, because each statement sent on its own costs a
   * round trip through DuckDB's task queue (~210 statements: most of the library's start-up cost).
   */
  async installLibrary(statements: readonly string[]): Promise<void> {
    if (statements.length) await this.run(statements.map((s) => `${s};`).join('\n'));
  }

  /**
   * Drops `sql`'s prepared statement from every pooled connection, for statements that will not run again (the
   * ingest path's statements name a buffer table that a flush replaces). Only for statements no one is running.
   */
  forgetPrepared(sql: string): void {
    for (const c of this.pool) {
      const cache = prepared.get(c);
      const stmt = cache?.get(sql);
      if (!stmt) continue;
      cache!.delete(sql);
      stmt.destroySync();
    }
  }

  /** Runs the same statement on every pooled connection (session settings, temp macros). */
  async runOnEach(sql: string): Promise<void> {
    for (const c of this.pool) await c.run(sql);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.pool) c.closeSync();
    this.instance.closeSync();
  }
}

/** Values bound to `$1, $2, ...` (array) or `$name` (object) placeholders. */
export type Params = readonly (string | number | bigint | boolean | null)[] | Record<string, string | number | bigint | boolean | null>;

export interface QueryOptions {
  /** Interrupts the query after this many milliseconds. */
  readonly timeoutMs?: number;
  readonly params?: Params;
}

export class QueryTimeoutError extends Error {}

/**
 * Statements with parameters are prepared once per connection and reused: for the ingest path the planning of the
 * conversion SQL costs more than converting a small batch (measured ~15-21 ms unprepared vs ~9-13 ms prepared).
 */
const prepared = new WeakMap<DuckDBConnection, Map<string, DuckDBPreparedStatement>>();
const MAX_PREPARED = 64;

async function preparedFor(connection: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  let cache = prepared.get(connection);
  if (!cache) prepared.set(connection, (cache = new Map()));
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = await connection.prepare(sql);
    if (cache.size >= MAX_PREPARED) {
      const [oldest, old] = cache.entries().next().value!;
      cache.delete(oldest);
      old.destroySync();
    }
    cache.set(sql, stmt);
  }
  return stmt;
}

/** One connection, held: statements run in order on it. */
export class Session {
  constructor(readonly connection: DuckDBConnection) {}

  async run(sql: string, params?: Params): Promise<void> {
    if (params === undefined) {
      await this.connection.run(sql);
      return;
    }
    const stmt = await preparedFor(this.connection, sql);
    stmt.bind(params as never);
    await stmt.run();
  }

  /** Runs a statement prepared once per connection (like `run` with params); returns the rows it changed. */
  async runCount(sql: string, params: Params): Promise<number> {
    const stmt = await preparedFor(this.connection, sql);
    stmt.bind(params as never);
    return (await stmt.run()).rowsChanged;
  }

  /**
   * Appends rows to `schema.table` with DuckDB's Appender (no SQL to plan: ~1 ms a small batch against ~2.6 ms
   * for a prepared INSERT ... SELECT). Each row holds one value per column of the table, in order, of the JS shape
   * its `types` entry names (AppendType); null is NULL. Inside an open transaction the rows commit or roll back
   * with it; otherwise they are committed when the appender closes.
   */
  async appendRows(schema: string, table: string, types: readonly AppendType[], rows: readonly (readonly AppendValue[])[]): Promise<void> {
    const appender = await this.connection.createAppender(table, schema);
    try {
      const put = types.map((t) => APPEND[t]);
      for (const row of rows) {
        for (let i = 0; i < put.length; i++) {
          const v = row[i];
          if (v === null || v === undefined) appender.appendNull();
          else put[i]!(appender, v as never);
        }
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  async query(sql: string, opts: QueryOptions = {}): Promise<QueryResult> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    if (opts.timeoutMs) {
      timer = setTimeout(() => {
        timedOut = true;
        this.connection.interrupt();
      }, opts.timeoutMs);
    }
    let reader: DuckDBResultReader;
    try {
      reader = await this.connection.runAndReadAll(sql, opts.params as never);
    } catch (e) {
      if (timedOut) throw new QueryTimeoutError(`query exceeded ${opts.timeoutMs} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
    }
    const columns = reader.columnNames().map((name, i) => ({ name, type: reader.columnType(i).toString() }));
    return { columns, rows: reader.getRows() as unknown[][] };
  }
}

/** Column types `Session.appendRows` takes, and the JS value each expects. */
export type AppendType =
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'UTINYINT'
  | 'USMALLINT'
  | 'UINTEGER'
  | 'UBIGINT'
  | 'FLOAT'
  | 'DOUBLE'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP_MS'
  | 'TIMESTAMP_NS';
export type AppendValue = string | number | bigint | boolean | null;

/** DATE: days since 1970-01-01; TIMESTAMP / _MS / _NS: bigint micro / milli / nanoseconds since the epoch. */
const APPEND: Record<AppendType, (a: DuckDBAppender, v: never) => void> = {
  VARCHAR: (a, v: string) => a.appendVarchar(v),
  BOOLEAN: (a, v: boolean) => a.appendBoolean(v),
  TINYINT: (a, v: number) => a.appendTinyInt(v),
  SMALLINT: (a, v: number) => a.appendSmallInt(v),
  INTEGER: (a, v: number) => a.appendInteger(v),
  BIGINT: (a, v: bigint) => a.appendBigInt(v),
  UTINYINT: (a, v: number) => a.appendUTinyInt(v),
  USMALLINT: (a, v: number) => a.appendUSmallInt(v),
  UINTEGER: (a, v: number) => a.appendUInteger(v),
  UBIGINT: (a, v: bigint) => a.appendUBigInt(v),
  FLOAT: (a, v: number) => a.appendFloat(v),
  DOUBLE: (a, v: number) => a.appendDouble(v),
  DATE: (a, v: number) => a.appendDate(new DuckDBDateValue(v)),
  TIMESTAMP: (a, v: bigint) => a.appendTimestamp(new DuckDBTimestampValue(v)),
  TIMESTAMP_MS: (a, v: bigint) => a.appendTimestampMilliseconds(new DuckDBTimestampMillisecondsValue(v)),
  TIMESTAMP_NS: (a, v: bigint) => a.appendTimestampNanoseconds(new DuckDBTimestampNanosecondsValue(v)),
};
