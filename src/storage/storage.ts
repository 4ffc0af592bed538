// The storage engine (design.md, Storage): NDJSON bodies are converted by DuckDB, logged to the write-ahead log,
// and inserted into an in-memory buffer table that queries already see; buffers are flushed into sorted Parquet
// parts per partition, and small parts are merged in the background. `_manifest.json` says which parts are live.
//
// Data dir layout:
//   _manifest.json                         live parts of every table, walSeq, next part id (atomic replace)
//   _wal/wal-<first seq>.log               write-ahead log segments (one log for all data sources)
//   _ingest/<batch>/<line>.ndjson          a batch being converted, a file per request (deleted after; the WAL is
//                                          what is durable)
//   <ds>/partition=<value>/part-<id>.parquet            rows of data source <ds>, value of ENGINE_PARTITION_KEY
//   <ds>_quarantine/partition=all/part-<id>.parquet     rows of its quarantine table (spec §2.5)
// Only live parts carry the `.parquet` suffix at rest (temp files end in `.tmp`, merged-away files are deleted as
// soon as no query that started before the merge is running), so `read_parquet('<data>/<ds>/*/*.parquet')` from
// any tool reads exactly the flushed rows.
//
// Each table is a DuckDB VIEW named after it: the live parts (read_parquet over the manifest's file list, cast to
// the declared types, which Parquet cannot all hold, e.g. TIMESTAMP_MS) UNION ALL its buffer table(s). Views and
// buffers change together in one DuckDB transaction, so a query never sees a part twice or half of one.
//
// Concurrency: every change of buffers, views or the manifest runs under one write lock (one writer per process).
// Appends that queue up behind it are written as one batch per data source (group commit: one conversion, one
// WAL write, one transaction, one fsync shared by the `wait=true` callers); the conversion's line numbers (`__n`)
// split the counts per request. Large batches reach DuckDB as files in `_ingest/` read by its (parallel) CSV
// reader, not as a bound string parameter (binding costs ~10 ns a byte and the split runs on one thread).
// Flushes and merges write their Parquet files outside the lock and take it only to swap the manifest and views:
// a flush first moves the buffers to a new generation (ingest continues into the new one while the old one is
// written), a merge reads immutable parts.
import { mkdir, open, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DatasourceFile } from '../datafiles/types.ts';
import type { Database, Session } from '../engine/database.ts';
import { AppError, BadRequestError, NotFoundError } from '../errors.ts';
import { duckdbType } from '../sql/types.ts';
import { rephraseDuckdbError } from '../sql/rephrase-duckdb-error.ts';
import { fsyncDir, publishFile, removeFile } from './durable-fs.ts';
import { loadManifest, saveManifest, tableState, withTable, type Manifest, type PartInfo } from './manifest.ts';
import { DEFAULT_MERGE_POLICY, PartitionActivity, pickMerge, pickQuietMerge, type MergePolicy } from './merge-policy.ts';
import { engineRules, finalSelect, mergeSelect, NO_RULES, type EngineRules } from './merge-semantics.ts';
import { csvConversion, parquetConversion, type ImportInput } from './import-conversion.ts';
import { planJsFastRows, type FastValue, type JsFastRows } from './js-fast-rows.ts';
import { quarantineColumns } from './quarantine-schema.ts';
import {
  buildNdjsonConversion,
  countNdjsonRows,
  planNdjsonConversion,
  planNdjsonFileDirect,
  runNdjsonConversion,
  type ConversionPlan,
} from './row-conversion.ts';
import {
  datasourceLayout,
  NO_PARTITION,
  partitionFolder,
  quarantineLayout,
  quoteIdent,
  quoteLiteral,
  type TableLayout,
} from './table-layout.ts';
import { WriteAheadLog, type WalRecord } from './write-ahead-log.ts';
import { isWriteFailure, WriteFailedError } from './write-failed-error.ts';
import { translateSql } from '../sql/index.ts';
import {
  badValueError,
  badValuesQuery,
  forwardSelect,
  planSchemaMigration,
  reconcileQuarantineSelect,
  reconcileSelect,
  SchemaMigrationError,
  type MigrationPlan,
} from './schema-migration.ts';
import { cycleErrors, installView, ViewError, ViewFailedError, type InstalledView, type ViewDefinition } from './materialized-views.ts';

export type { ImportInput, CsvDialect } from './import-conversion.ts';
export type { ViewDefinition } from './materialized-views.ts';

export interface AppendResult {
  successfulRows: number;
  quarantinedRows: number;
}

/** An append or truncate that arrives while the server shuts down (spec §2.3 overload wording). */
export class ClosedError extends AppError {
  constructor() {
    super(503, 'Service temporarily unavailable, no data ingested, please retry again');
  }
}

export interface StorageOptions {
  /**
   * Without `wait=true`, an acknowledged append is fsynced to the write-ahead log within this many milliseconds:
   * the most a power loss or kill -9 can lose of such appends. `wait=true` appends are fsynced before they answer.
   */
  readonly fsyncIntervalMs?: number;
  /** Buffers are flushed into Parquet parts at least this often (ms) when they hold rows. */
  readonly flushIntervalMs?: number;
  /** ... or as soon as one table's buffer holds this many rows ... */
  readonly flushRows?: number;
  /** ... or the write-ahead log grew by this many bytes since the last flush. */
  readonly flushBytes?: number;
  /** Parts holding rows whose ENGINE_TTL has passed are rewritten without them this often (ms); see `expireTtl`. */
  readonly ttlIntervalMs?: number;
  readonly mergePolicy?: MergePolicy;
  /** ClickHouse expression → DuckDB expression, for DEFAULT expressions and the partition and sorting keys. */
  readonly translateExpr?: (expr: string) => string;
  /** Where background flush/merge failures are reported (they are retried on the next flush/merge). */
  readonly log?: (message: string) => void;
  /** Materialized views to run from the start (WAL replay included); see `setViews`. */
  readonly views?: readonly ViewDefinition[];
}

const DEFAULTS = {
  fsyncIntervalMs: 1000,
  flushIntervalMs: 5000,
  flushRows: 200_000,
  flushBytes: 64 * 1024 * 1024,
  ttlIntervalMs: 3_600_000,
};

/** Schema holding the buffer tables; the views live in `main` under the table names. */
const INTERNAL = '_duckbird';
const WAL_DIR = '_wal';
const INGEST_DIR = '_ingest';
/** The relation the row conversion reads: one row per NDJSON line of the body bound as $1. */
const NDJSON_SOURCE = `(SELECT unnest(l) AS __line, generate_subscripts(l, 1) AS __n FROM (SELECT string_split($1, chr(10)) AS l))`;
/**
 * The lines of the files matching the glob $1, one file per request, named by the number of its first line in the
 * batch: that number is each row's `__n`, all the per-request counts need. With no quote, no escape and a delimiter
 * (chr(31)) that valid JSON cannot hold raw, the CSV reader returns every line whole, blank ones as NULL, and
 * without the CR of a CRLF (the conversion strips it anyway; non-strict mode lets LF and CRLF mix, adding a blank
 * row after a CRLF). Bodies it would read otherwise (`csvReadable`) are bound as $1 instead.
 */
const NDJSON_FILE_SOURCE =
  `(SELECT coalesce(__line, '') AS __line, CAST(parse_filename(filename, true) AS BIGINT) AS __n FROM read_csv($1, ` +
  `columns = {'__line': 'VARCHAR'}, delim = chr(31), quote = '', escape = '', header = false, auto_detect = false, ` +
  `new_line = '\\n', strict_mode = false, filename = true))`;
/** The CSV reader's default max_line_size (bytes). */
const CSV_MAX_LINE_BYTES = 2_097_152;
/**
 * Batches at least this large (UTF-16 units) go through files; smaller ones are bound as a string, which costs less
 * than writing and deleting files.
 */
const FILE_BATCH_CHARS = 64 * 1024;
const PARQUET_OPTIONS = 'FORMAT parquet, COMPRESSION lz4, ROW_GROUP_SIZE 16384';
/** Batches of a data source that skip `appendDirect` after one of its batches needed the full conversion. */
const DIRECT_SKIP_AFTER_MISS = 16;
/** Bytes counted for a row a materialized view adds to a buffer (stats only; parts report their real size). */
const ESTIMATED_ROW_BYTES = 64;

/** DuckDB types that come back from Parquet unchanged, so the view need not cast them (keeps filter pushdown). */
const PARQUET_EXACT = /^(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DATE|TIMESTAMP|TIMESTAMP_NS|UUID)$/;

interface Source {
  readonly ds: DatasourceFile;
  readonly table: TableLayout;
  readonly quarantine: TableLayout;
  /** SELECT over NDJSON_SOURCE: the columns, `__error_column`, `__error`, then `__raw_<col>` (row-conversion.ts). */
  readonly conversion: string;
  /** The same conversion with a fast path for rows in the common forms (row-conversion.ts), body bound as $1. */
  readonly plan: ConversionPlan;
  /** `plan` reading the body from the file named by $1. */
  readonly filePlan: ConversionPlan;
  /** MergeTree family semantics of the data source (merge-semantics.ts). */
  readonly rules: EngineRules;
}

interface QueuedAppend {
  readonly source: Source;
  readonly body: string;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

/** Upper bound for the bodies written as one batch (UTF-16 length; the Events API caps a request at 10 MB). */
const MAX_BATCH_CHARS = 32 * 1024 * 1024;

/** A converted batch: the temp table holding it, how to empty it, and the counts per body. */
interface Batch {
  readonly table: string;
  readonly clear: string;
  readonly results: AppendResult[];
}

interface BufferCount {
  rows: number;
  bytes: number;
}

/** Buffers being written to Parquet by a flush: generation `gen`, holding every WAL record up to `seq`. */
interface PendingFlush {
  readonly gen: number;
  readonly seq: number;
  readonly counts: Map<string, BufferCount>;
}

class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  get busy(): boolean {
    return this.queued > 0;
  }
  run<T>(fn: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(fn).finally(() => this.queued--);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export class Storage {
  private readonly sources = new Map<string, Source>();
  /** Every table by view name (data sources and quarantine tables). */
  private readonly tables = new Map<string, TableLayout>();
  private readonly writeLock = new Mutex();
  private readonly flushLock = new Mutex();
  private readonly opts: Required<Omit<StorageOptions, 'translateExpr' | 'log' | 'mergePolicy' | 'views'>> & {
    mergePolicy: MergePolicy;
    log: (m: string) => void;
  };
  private gen = 0;
  private counts = new Map<string, BufferCount>();
  private pending: PendingFlush | null = null;
  private nextPartId: number;
  /** Bumped by every swap that retires part files; a read lease remembers the version it started at. */
  private version = 0;
  private leaseId = 0;
  private readonly leases = new Map<number, number>();
  private retired: { file: string; retiredAt: number }[] = [];
  private merging: Promise<void> | null = null;
  private expiring: Promise<void> | null = null;
  private mergeAgain = false;
  /** When each partition last got a part, for the merges of quiet partitions (merge-policy.ts). */
  private readonly activity = new PartitionActivity();
  /** Wakes the merge loop when the next quiet partition is due (no flush may come to do it). */
  private quietTimer: { at: number; timer: NodeJS.Timeout } | null = null;
  private closing = false;
  private closed = false;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly translateExpr: (e: string) => string;
  /** Engine rules by table name (data sources only; quarantine tables are plain). */
  private readonly rules = new Map<string, EngineRules>();
  private readonly knownDirs = new Set<string>();
  private queue: QueuedAppend[] = [];
  private batchFiles = 0;
  /** Batches left to convert the full way before `appendDirect` is tried again, by data source. */
  private readonly directSkips = new Map<string, number>();
  /** The `direct` statement each plan last ran (prepared on the connections that ran it). */
  private readonly directSql = new WeakMap<ConversionPlan, string>();
  /** Live materialized views, in the order they were defined. */
  private views: InstalledView[] = [];
  /** Views refused when the storage opened (`file:line: message`). */
  viewErrors: readonly string[] = [];

  private constructor(
    private readonly db: Database,
    private readonly dataDir: string,
    private manifest: Manifest,
    private readonly wal: WriteAheadLog,
    opts: StorageOptions,
  ) {
    this.opts = {
      fsyncIntervalMs: opts.fsyncIntervalMs ?? DEFAULTS.fsyncIntervalMs,
      flushIntervalMs: opts.flushIntervalMs ?? DEFAULTS.flushIntervalMs,
      flushRows: opts.flushRows ?? DEFAULTS.flushRows,
      flushBytes: opts.flushBytes ?? DEFAULTS.flushBytes,
      ttlIntervalMs: opts.ttlIntervalMs ?? DEFAULTS.ttlIntervalMs,
      mergePolicy: opts.mergePolicy ?? DEFAULT_MERGE_POLICY,
      log: opts.log ?? ((m) => console.error(m)),
    };
    this.nextPartId = manifest.nextPartId;
    this.translateExpr = opts.translateExpr ?? ((e: string) => e);
  }

  private sourceOf(ds: DatasourceFile): Source {
    const translateExpr = this.translateExpr;
    const table = datasourceLayout(ds, translateExpr);
    const quarantine = quarantineLayout(
      ds,
      quarantineColumns(ds.columns).map((c) => ({ name: c.name, type: duckdbType(c.type) })),
    );
    const conversion = buildNdjsonConversion(ds.columns, NDJSON_SOURCE, { translateExpr });
    const plan = planNdjsonConversion(ds.columns, { translateExpr });
    const filePlan = planNdjsonConversion(ds.columns, { translateExpr }, NDJSON_FILE_SOURCE);
    return { ds, table, quarantine, conversion, plan, filePlan, rules: engineRules(ds, table, translateExpr) };
  }

  private register(source: Source): void {
    this.sources.set(source.ds.name, source);
    this.rules.set(source.table.name, source.rules);
    this.tables.set(source.table.name, source.table);
    this.tables.set(source.quarantine.name, source.quarantine);
  }

  /** Opens/creates the data dir, loads the manifest, removes orphan files, replays the WAL, creates the query views. */
  static async open(
    db: Database,
    dataDir: string,
    datasources: readonly DatasourceFile[],
    opts: StorageOptions = {},
  ): Promise<Storage> {
    const dir = resolve(dataDir);
    await mkdir(dir, { recursive: true });
    const manifest = await loadManifest(dir);
    const { wal, records, repairs } = await WriteAheadLog.open(join(dir, WAL_DIR), manifest.walSeq);
    const storage = new Storage(db, dir, manifest, wal, opts);
    for (const r of repairs) storage.opts.log(`write-ahead log: ${r}`);
    try {
      for (const ds of datasources) storage.register(storage.sourceOf(ds));
      await storage.removeOrphans();
      await db.withConnection(async (s) => {
        await s.run(`CREATE SCHEMA IF NOT EXISTS ${INTERNAL}`);
        await storage.reconcileStoredSchemas(s);
        await storage.createBuffers(s, storage.gen);
        // Views bind against the tables (and a view may join other data sources while the log replays).
        await storage.swapViews(s);
        const { installed, errors } = await storage.installViews(s, opts.views ?? []);
        storage.viewErrors = errors;
        // Views not yet populated join after the replay (setViews below), so no row reaches them twice.
        storage.views = installed.filter((v) => v.def.name in (manifest.views ?? {}));
        for (const group of replayGroups(records, manifest, storage.sources, storage.opts.log, (seq) => storage.viewKey(seq))) {
          const { source, records: recs } = group;
          try {
            const body = recs.map((r) => r.body).join('\n');
            const batch = await storage.convert(s, source, [body]);
            storage.addCounts(await storage.insertBatch(s, source, batch, recs[0]!.seq, Buffer.byteLength(body), batch.results[0]!));
            await s.run(batch.clear);
          } catch (e) {
            const seqs = `${recs[0]!.seq}..${recs.at(-1)!.seq}`;
            throw new Error(`write-ahead log records ${seqs} for ${source.ds.name} cannot be replayed: ${errorText(e)}`);
          }
        }
        await storage.swapViews(s);
      });
      if (opts.views?.length || Object.keys(manifest.views ?? {}).length) await storage.setViews(opts.views ?? []);
    } catch (e) {
      await wal.close();
      throw e;
    }
    storage.startTimers();
    storage.scheduleMerges();
    return storage;
  }

  /** body = raw NDJSON text. Rows are visible to queries when the promise resolves; with wait, also durable. */
  async append(datasource: string, ndjson: string, opts: { wait: boolean }): Promise<AppendResult> {
    const source = this.sources.get(datasource);
    if (!source) throw new NotFoundError(`Data Source "${datasource}" does not exist`);
    if (this.closing) throw new ClosedError();
    const result = await new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ source, body: ndjson, resolve, reject });
      // Requests that arrive while a batch is being written form the next batch (group commit).
      if (this.queue.length === 1) void this.writeLock.run(() => this.drainQueue());
    });
    if (opts.wait) await this.wal.sync();
    if (this.needsFlush()) this.flushInBackground();
    return result;
  }

  /** Pins the parts the views currently reference so a merge cannot delete them mid-query. */
  beginRead(): { release(): void } {
    const id = ++this.leaseId;
    this.leases.set(id, this.version);
    return {
      release: () => {
        if (this.leases.delete(id)) void this.collectRetired();
      },
    };
  }

  /** True for data sources and their `<ds>_quarantine` tables. */
  has(datasource: string): boolean {
    return this.tables.has(datasource);
  }

  /** Counts for a data source (or a quarantine table); `quarantineRows` is its quarantine table's row count. */
  stats(datasource: string): { rows: number; bytes: number; parts: number; partitions: number; quarantineRows: number } {
    const table = this.requireTable(datasource);
    const own = this.tableStats(table.name);
    const quarantineRows = table.kind === 'datasource' ? this.tableStats(`${table.name}_quarantine`).rows : own.rows;
    return { ...own, quarantineRows };
  }

  /** Writes every buffered row into Parquet parts now. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.flushLock.run(() => this.flushLocked());
  }

  /** Runs merges until every partition is within the merge policy (merges otherwise run in the background). */
  async compact(): Promise<void> {
    await this.merging;
    // A background merge started meanwhile may pick the same parts; the loser's swap finds its inputs gone.
    for (let next = this.nextMerge(); next && !this.closing; next = this.nextMerge()) {
      await this.mergeParts(next.table, next.parts);
    }
  }

  /** Empties a data source or a quarantine table (spec §5 truncate). */
  async truncate(datasource: string): Promise<void> {
    const table = this.requireTable(datasource);
    if (this.closing) throw new ClosedError();
    await this.flushLock.run(() =>
      this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          const old = tableState(this.manifest, table.name).parts;
          const manifest = withTable(this.manifest, table.name, { parts: [], truncatedSeq: this.wal.lastSeq });
          await saveManifest(this.dataDir, manifest);
          this.manifest = manifest;
          await s.run('BEGIN TRANSACTION');
          try {
            for (const gen of this.liveGens()) await s.run(`DELETE FROM ${bufferTable(table, gen)}`);
            await this.createViews(s);
            await s.run('COMMIT');
          } catch (e) {
            await s.run('ROLLBACK').catch(() => undefined);
            throw e;
          }
          this.counts.delete(table.name);
          this.pending?.counts.delete(table.name);
          this.retire(old);
        }),
      ),
    );
    await this.collectRetired();
  }

  /** The datafile a data source was registered with. */
  datasource(name: string): DatasourceFile | undefined {
    return this.sources.get(name)?.ds;
  }

  /**
   * Registers a data source while running (Data Sources API create, hot reload): buffers, views and, if the
   * manifest already lists parts for it (a restart, a re-added file), those parts.
   */
  async addDatasource(ds: DatasourceFile): Promise<void> {
    if (this.closing) throw new ClosedError();
    const source = this.sourceOf(ds);
    await this.writeLock.run(() =>
      this.db.withConnection(async (s) => {
        if (this.tables.has(ds.name) || this.tables.has(source.quarantine.name)) {
          throw new BadRequestError(`Data Source "${ds.name}" already exists`);
        }
        const tables = [source.table, source.quarantine];
        await s.run('BEGIN TRANSACTION');
        try {
          for (const gen of this.liveGens()) await this.createBuffers(s, gen, tables);
          await this.createViews(s, tables);
          await s.run('COMMIT');
        } catch (e) {
          await s.run('ROLLBACK').catch(() => undefined);
          throw e;
        }
        this.register(source);
      }),
    );
  }

  /**
   * Removes a data source and its quarantine table: views, buffers, parts. Its WAL records are fenced off (the
   * manifest keeps `truncatedSeq`), so a data source created later under the same name starts empty.
   */
  async dropDatasource(name: string): Promise<void> {
    const source = this.sources.get(name);
    if (!source) throw new NotFoundError(`Data Source "${name}" does not exist`);
    if (this.closing) throw new ClosedError();
    await this.flushLock.run(async () => {
      // Rows its views added elsewhere are replayed from its WAL records, which the drop fences off: flushed first.
      if (this.views.some((v) => v.def.source === name)) await this.flushLocked();
      await this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          const tables = [source.table, source.quarantine];
          const old = tables.flatMap((t) => tableState(this.manifest, t.name).parts);
          let manifest: Manifest = { ...this.manifest, nextPartId: this.nextPartId };
          for (const t of tables) manifest = withTable(manifest, t.name, { parts: [], truncatedSeq: this.wal.lastSeq });
          await saveManifest(this.dataDir, manifest);
          this.manifest = manifest;
          await s.run('BEGIN TRANSACTION');
          try {
            for (const t of tables) {
              await s.run(`DROP VIEW IF EXISTS main.${quoteIdent(t.name)}`);
              await s.run(`DROP VIEW IF EXISTS main.${quoteIdent(finalView(t))}`);
              for (const gen of this.liveGens()) await s.run(`DROP TABLE IF EXISTS ${bufferTable(t, gen)}`);
            }
            await s.run('COMMIT');
          } catch (e) {
            await s.run('ROLLBACK').catch(() => undefined);
            throw e;
          }
          for (const t of tables) {
            this.tables.delete(t.name);
            this.counts.delete(t.name);
            this.pending?.counts.delete(t.name);
            this.knownDirs.forEach((d) => d.startsWith(`${t.name}/`) && this.knownDirs.delete(d));
          }
          this.sources.delete(name);
          this.rules.delete(name);
          this.views = this.views.filter((v) => v.def.source !== name && v.def.target !== name);
          this.retire(old);
        }),
      );
    });
    await this.collectRetired();
  }

  /**
   * Data Sources API import (spec §5.1): converts the input (NDJSON, CSV or Parquet), writes the accepted rows
   * as Parquet parts of the data source and the others as parts of its quarantine table, and makes them live in
   * one manifest swap. NDJSON appends take the Events API path (WAL, buffer) instead. Durable when it resolves.
   */
  async importRows(name: string, input: ImportInput, opts: { mode: 'append' | 'replace'; importId?: string }): Promise<AppendResult> {
    const source = this.sources.get(name);
    if (!source) throw new NotFoundError(`Data Source "${name}" does not exist`);
    if (this.closing) throw new ClosedError();
    if (input.format === 'ndjson' && opts.mode === 'append') return this.append(name, input.body, { wait: true });
    const run = () => this.writeImport(source, input, opts.mode, opts.importId ?? null);
    // A replace holds back flushes so no buffer of the old rows is made a part after the swap.
    return opts.mode === 'replace' ? this.flushLock.run(run) : run();
  }

  /** Replaces every row of a data source atomically: queries see the old rows or the new, never a mix. */
  replace(name: string, input: ImportInput, importId?: string): Promise<AppendResult> {
    return this.importRows(name, input, { mode: 'replace', importId });
  }

  /** Rows of a data source for which the DuckDB boolean expression `condition` is true. */
  async countWhere(name: string, condition: string): Promise<number> {
    const table = this.requireTable(name);
    const lease = this.beginRead();
    try {
      const r = await this.db.query(`SELECT count(*) FROM main.${quoteIdent(table.name)} WHERE ${condition}`);
      return Number(r.rows[0]![0]);
    } finally {
      lease.release();
    }
  }

  /**
   * Deletes the rows matching `condition` (DuckDB SQL): rewrites the parts holding such rows and moves the
   * buffered rows into a part, then swaps the manifest, so the delete is atomic and durable when it resolves.
   * Ingest into every data source waits meanwhile. Returns the number of rows deleted.
   */
  async deleteWhere(name: string, condition: string): Promise<number> {
    const table = this.requireTable(name);
    if (this.closing) throw new ClosedError();
    const deleted = await this.flushLock.run(() =>
      this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          const match = `coalesce((${condition}), false)`;
          const parts = tableState(this.manifest, table.name).parts;
          const order = table.sortExpr ? ` ORDER BY ${table.sortExpr}` : '';
          const removed: PartInfo[] = [];
          const added: PartInfo[] = [];
          let deleted = 0;
          let fence = false;
          try {
            for (const p of parts) {
              const rel = `(SELECT ${castColumns(table)} FROM ${parquetScan(this.dataDir, [p])})`;
              const n = Number((await s.query(`SELECT count(*) FROM ${rel} WHERE ${match}`)).rows[0]![0]);
              if (n === 0) continue;
              deleted += n;
              removed.push(p);
              if (n < p.rows) added.push(await this.writePart(s, table, p.partition, `SELECT ${storedColumns(table)} FROM ${rel} WHERE NOT ${match}${order}`));
            }
            const buffered = this.liveGens().map((g) => `SELECT ${table.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${bufferTable(table, g)}`);
            const bufferRel = `(${buffered.join(' UNION ALL ')})`;
            const counted = (await s.query(`SELECT count(*) FILTER (WHERE ${match}), count(*) FROM ${bufferRel}`)).rows[0]!;
            const [inBuffers, bufferRows] = [Number(counted[0]), Number(counted[1])];
            deleted += inBuffers;
            // Buffered rows live in the WAL too: they become a part and the table is fenced off from replay.
            fence = inBuffers > 0;
            if (fence && bufferRows > inBuffers) {
              added.push(...(await this.writeRelationParts(s, table, `(SELECT * FROM ${bufferRel} WHERE NOT ${match})`)));
            }
            if (deleted === 0) return 0;
            const st = tableState(this.manifest, table.name);
            const gone = new Set(removed.map((p) => p.file));
            const manifest = withTable({ ...this.manifest, nextPartId: this.nextPartId }, table.name, {
              parts: [...st.parts.filter((p) => !gone.has(p.file)), ...added],
              truncatedSeq: fence ? this.wal.lastSeq : st.truncatedSeq,
            });
            await saveManifest(this.dataDir, manifest);
            this.manifest = manifest;
          } catch (e) {
            for (const p of added) await removeFile(join(this.dataDir, p.file));
            throw e;
          }
          await s.run('BEGIN TRANSACTION');
          try {
            if (fence) {
              for (const gen of this.liveGens()) await s.run(`DELETE FROM ${bufferTable(table, gen)}`);
              this.counts.delete(table.name);
              this.pending?.counts.delete(table.name);
            }
            await this.createViews(s, [table]);
            await s.run('COMMIT');
          } catch (e) {
            await s.run('ROLLBACK').catch(() => undefined);
            throw e;
          }
          this.retire(removed);
          return deleted;
        }),
      ),
    );
    await this.collectRetired();
    this.scheduleMerges();
    return deleted;
  }

  /**
   * Gives a data source a changed schema or engine (hot reload, deploy; spec §9.2 `FORWARD_QUERY >`): its stored
   * rows and its quarantine's are rewritten into parts of the new layout (schema-migration.ts says how), and the new
   * layout, parts, buffers and views replace the old in one manifest swap, so a failure or a crash before it leaves
   * the old data intact and served. Buffered rows are flushed first; ingest waits meanwhile. With `dryRun`, the
   * migration's SELECT runs over every stored row (so a bad value is found) and nothing changes.
   * Throws SchemaMigrationError (with the datafile line) when the rows cannot follow the change.
   */
  async alterDatasource(next: DatasourceFile, opts: { dryRun?: boolean } = {}): Promise<{ rewritten: boolean; rows: number }> {
    const current = this.sources.get(next.name);
    if (!current) throw new NotFoundError(`Data Source "${next.name}" does not exist`);
    if (this.closing) throw new ClosedError();
    // What the datafiles alone refuse (a type change without FORWARD_QUERY...) fails before any flush or lock.
    try {
      planSchemaMigration(current.ds, next, { translateExpr: this.translateExpr, translateSql: (sql) => translateSql(sql) });
    } catch (e) {
      throw migrationFailure(next, e);
    }
    if (opts.dryRun) {
      const lease = this.beginRead();
      try {
        return await this.db.withConnection(async (s) => {
          try {
            const { select, plan } = await this.migrationSelect(s, this.sources.get(next.name)!, next);
            if (!plan.rewrite) return { rewritten: false, rows: 0 };
            const rows = Number((await s.query(`SELECT count(*) FROM (${select}) AS __m WHERE __m IS NOT NULL`)).rows[0]![0]);
            return { rewritten: true, rows };
          } catch (e) {
            throw migrationFailure(next, e);
          } finally {
            await s.run('DROP VIEW IF EXISTS temp.__migrate_old').catch(() => undefined);
          }
        });
      } finally {
        lease.release();
      }
    }
    const result = await this.flushLock.run(async () => {
      // The buffers go to parts through the usual flush, so the rewrite reads parts (and what arrived since).
      await this.flushLocked();
      return this.writeLock.run(() => this.db.withConnection((s) => this.migrateLocked(s, next)));
    });
    await this.collectRetired();
    this.scheduleMerges();
    return result;
  }

  /**
   * Creates temp view `__migrate_old` (the data source's stored rows: parts and buffers, old columns) and returns
   * the SELECT of the new rows over it, after checking the casts it does (a bad value fails with its column).
   */
  private async migrationSelect(s: Session, current: Source, next: DatasourceFile): Promise<{ select: string; plan: MigrationPlan }> {
    const plan = planSchemaMigration(current.ds, next, {
      translateExpr: this.translateExpr,
      translateSql: (sql) => translateSql(sql, { columnTypes: new Map(current.ds.columns.map((c) => [c.name, c.type])) }),
    });
    if (!plan.rewrite) return { select: '', plan };
    await s.run(`CREATE OR REPLACE TEMP VIEW __migrate_old AS ${this.storedRows(current.table)}`);
    if (plan.select) return { select: plan.select('temp.__migrate_old'), plan };
    const fq = plan.forwardQuery!('__migrate_old');
    const described = (await s.query(`DESCRIBE ${fq}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    const { select, casts } = forwardSelect(next, described, `(${fq})`);
    if (casts.length) {
      const first = (await s.query(badValuesQuery(casts, `(${fq})`))).rows[0]!;
      casts.forEach((c, i) => {
        if (first[i] !== null && first[i] !== undefined) throw badValueError(next, c, String(first[i]));
      });
    }
    return { select, plan };
  }

  /**
   * At open: rewrites the parts of tables whose Parquet columns are not the declared ones (schema-migration.ts
   * reconcileSelect says when and how), in one manifest swap before the log replays. A value that does not fit
   * stops the start with the data source named, and leaves the data as it was.
   */
  private async reconcileStoredSchemas(s: Session): Promise<void> {
    let manifest = this.manifest;
    const written: PartInfo[] = [];
    const retired: PartInfo[] = [];
    try {
      for (const source of this.sources.values()) {
        for (const table of [source.table, source.quarantine]) {
          const parts = tableState(manifest, table.name).parts;
          if (!parts.length) continue;
          const stored = (await s.query(`DESCRIBE SELECT * FROM ${parquetScan(this.dataDir, parts.slice(0, 1))}`)).rows.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
          const relation = parquetScan(this.dataDir, parts);
          const select =
            table.kind === 'datasource'
              ? reconcileSelect(stored, source.ds, this.translateExpr, relation)
              : reconcileQuarantineSelect(stored, table.columns, relation);
          if (!select) continue;
          let rewritten: PartInfo[];
          try {
            rewritten = await this.writeRelationParts(s, table, `(${select})`);
          } catch (e) {
            throw new Error(
              `${source.ds.path}: the stored rows of ${table.name} have the columns ${stored.map((c) => c.name).join(', ')} and cannot be rewritten ` +
                `for the datafile's: ${rephraseDuckdbError(errorText(e))}. Restore the previous datafile, or change the schema while duckbird ` +
                'runs (hot reload or deploy), where a FORWARD_QUERY can say how',
            );
          }
          written.push(...rewritten);
          retired.push(...parts);
          manifest = withTable({ ...manifest, nextPartId: this.nextPartId }, table.name, { ...tableState(manifest, table.name), parts: rewritten });
          this.opts.log(`${source.ds.path}: the stored rows of ${table.name} were rewritten for the datafile's columns (they had ${stored.map((c) => c.name).join(', ')})`);
        }
      }
      if (!retired.length) return;
      await saveManifest(this.dataDir, manifest);
      this.manifest = manifest;
    } catch (e) {
      for (const p of written) await removeFile(join(this.dataDir, p.file));
      throw e;
    }
    this.retire(retired);
    await this.collectRetired();
  }

  /** Rows of a table as a relation: its live parts (cast to its types) and its buffers. */
  private storedRows(table: TableLayout): string {
    const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    const branches: string[] = [];
    const parts = tableState(this.manifest, table.name).parts;
    if (parts.length) branches.push(`SELECT ${castColumns(table)} FROM ${parquetScan(this.dataDir, parts)}`);
    for (const gen of this.liveGens()) branches.push(`SELECT ${cols} FROM ${bufferTable(table, gen)}`);
    return branches.join(' UNION ALL ');
  }

  /** The rewrite and swap of alterDatasource; runs under the flush and write locks. */
  private async migrateLocked(s: Session, next: DatasourceFile): Promise<{ rewritten: boolean; rows: number }> {
    const current = this.sources.get(next.name);
    if (!current) throw new NotFoundError(`Data Source "${next.name}" does not exist`);
    const source = this.sourceOf(next);
    const written: PartInfo[] = [];
    try {
      const { select, plan } = await this.migrationSelect(s, current, next);
      if (!plan.rewrite) {
        // Only how new rows are read changed (jsonpaths, DEFAULTs): same columns, same parts, same buffers.
        this.register(source);
        return { rewritten: false, rows: 0 };
      }
      const tables = [source.table, source.quarantine];
      const rows = await this.writeRelationParts(s, source.table, `(${select})`, source.rules);
      written.push(...rows);
      const quarantine = await this.writeRelationParts(s, source.quarantine, `(${plan.quarantineSelect(`(${this.storedRows(current.quarantine)})`)})`);
      written.push(...quarantine);
      const old = [current.table, current.quarantine].flatMap((t) => tableState(this.manifest, t.name).parts);
      // Every WAL record of this data source so far is in the new parts (flushed, then rewritten): none replays.
      let manifest: Manifest = { ...this.manifest, nextPartId: this.nextPartId };
      manifest = withTable(manifest, source.table.name, { parts: rows, truncatedSeq: this.wal.lastSeq });
      manifest = withTable(manifest, source.quarantine.name, { parts: quarantine, truncatedSeq: this.wal.lastSeq });
      await saveManifest(this.dataDir, manifest);
      this.manifest = manifest;
      await s.run('BEGIN TRANSACTION');
      try {
        for (const t of [current.table, current.quarantine]) {
          await s.run(`DROP VIEW IF EXISTS main.${quoteIdent(finalView(t))}`);
          for (const gen of this.liveGens()) await s.run(`DROP TABLE IF EXISTS ${bufferTable(t, gen)}`);
        }
        for (const gen of this.liveGens()) await this.createBuffers(s, gen, tables);
        this.register(source);
        await this.createViews(s, tables);
        await s.run('COMMIT');
      } catch (e) {
        await s.run('ROLLBACK').catch(() => undefined);
        this.register(current);
        throw e;
      }
      for (const t of tables) {
        this.counts.delete(t.name);
        this.pending?.counts.delete(t.name);
      }
      this.retire(old);
      // Views reading or filling this data source are bound again to its new columns; one that no longer fits
      // stops until the project's views are set again (setViews reports it).
      if (this.views.some((v) => v.def.source === next.name || v.def.target === next.name)) {
        const { installed, errors } = await this.installViews(s, this.views.map((v) => v.def));
        this.views = installed;
        for (const e of errors) this.opts.log(e);
      }
      return { rewritten: true, rows: rows.reduce((n, p) => n + p.rows, 0) };
    } catch (e) {
      if (!this.manifestLists(written)) for (const p of written) await removeFile(join(this.dataDir, p.file));
      throw migrationFailure(next, e);
    } finally {
      await s.run('DROP VIEW IF EXISTS temp.__migrate_old').catch(() => undefined);
    }
  }

  /** Flushes, fsyncs and stops timers and merges; after close nothing acknowledged is lost. */
  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    if (this.quietTimer) clearTimeout(this.quietTimer.timer);
    await this.merging;
    await this.expiring;
    await this.writeLock.run(async () => undefined);
    try {
      await this.flush();
    } finally {
      // Whatever the flush did not write is still in the log and comes back at the next open.
      await this.wal.close();
    }
    await this.wal.dropOldSegments();
    this.leases.clear();
    await this.collectRetired();
    this.closed = true;
  }

  // --- materialized views -------------------------------------------------------------------------------------

  /** Binds each view and matches it to its target (materialized-views.ts); the ones that fit, and the errors. */
  private async installViews(s: Session, defs: readonly ViewDefinition[]): Promise<{ installed: InstalledView[]; errors: string[] }> {
    const errors = cycleErrors(defs);
    const installed: InstalledView[] = [];
    for (const def of defs) {
      if (errors.some((e) => e.startsWith(`${def.origin}:`))) continue;
      const target = this.sources.get(def.target);
      if (!this.sources.has(def.source)) errors.push(`${def.origin}: materialized view ${def.name}: data source ${def.source} does not exist`);
      else if (!target) errors.push(`${def.origin}: materialized view ${def.name}: target data source ${def.target} does not exist`);
      else {
        try {
          installed.push(await installView(s, def, target, this.translateExpr));
        } catch (e) {
          if (!(e instanceof ViewError)) throw e;
          errors.push(e.message);
        }
      }
    }
    return { installed, errors };
  }

  /** Which views a WAL record replays through (records with equal keys convert as one batch). */
  private viewKey(seq: number): string {
    return this.views.map((v) => (this.viewLive(v, seq) ? '1' : '0')).join('');
  }

  private viewLive(v: InstalledView, seq: number | null): boolean {
    if (seq === null) return true;
    return seq > (this.manifest.views?.[v.def.name] ?? Infinity) && seq > tableState(this.manifest, v.def.target).truncatedSeq;
  }

  /**
   * Runs the views whose source is `table` over `input` (a relation with its columns), hands each view's rows to
   * `store` as a SELECT, and follows chains: a target's new rows run through the views reading that target.
   * `seq` is the WAL record of the rows (replay skips views populated after it), null for imports.
   */
  private async derive(
    s: Session,
    table: string,
    input: string,
    seq: number | null,
    store: (target: TableLayout, select: string) => Promise<number>,
    depth = 0,
  ): Promise<void> {
    for (const [i, v] of this.views.entries()) {
      if (v.def.source !== table || !this.viewLive(v, seq)) continue;
      const target = this.tables.get(v.def.target)!;
      const failed = (e: unknown) => {
        throw e instanceof ViewFailedError ? e : new ViewFailedError(v.def.name, e);
      };
      if (!this.views.some((w) => w.def.source === target.name)) {
        await store(target, v.rows(input)).catch(failed);
        continue;
      }
      // The rows feed further views too: computed once into a temp table.
      const tmp = quoteIdent(`__view_${depth}_${i}`);
      await s.run(`CREATE OR REPLACE TEMP TABLE ${tmp} AS ${v.rows(input)}`).catch(failed);
      try {
        if ((await store(target, `SELECT * FROM temp.${tmp}`)) > 0) await this.derive(s, target.name, `temp.${tmp}`, seq, store, depth + 1);
      } finally {
        await s.run(`DROP TABLE IF EXISTS temp.${tmp}`);
      }
    }
  }

  /** derive() for rows that become parts (imports, populating a view): the views' parts are added to `into`. */
  private deriveParts(s: Session, table: string, input: string, into: Map<string, PartInfo[]>): Promise<void> {
    return this.derive(s, table, input, null, async (t, select) => {
      const parts = await this.writeRelationParts(s, t, `(${select})`);
      into.set(t.name, [...(into.get(t.name) ?? []), ...parts]);
      return parts.reduce((n, p) => n + p.rows, 0);
    });
  }

  /**
   * Makes `defs` the live materialized views (project load, hot reload, deploy) and returns the refused ones as
   * `file:line: message`. A view not live before is populated first, as Tinybird does when a view is deployed: its
   * SQL runs over the whole source and the rows go to the target (and on through views reading the target) in
   * one manifest swap that also records the view as live from the current WAL position. Ingest waits meanwhile.
   * A view refused now (or named in `keep`: its pipe did not even render) that is live keeps its last good version
   * running, so fixing it later does not populate it twice.
   */
  async setViews(defs: readonly ViewDefinition[], keep: readonly string[] = []): Promise<string[]> {
    if (this.closing) throw new ClosedError();
    const errors = await this.flushLock.run(() =>
      this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          const { installed, errors } = await this.installViews(s, defs);
          const refused = new Set([...keep, ...defs.map((d) => d.name)].filter((n) => !installed.some((v) => v.def.name === n)));
          installed.push(...this.views.filter((v) => refused.has(v.def.name)));
          const known = this.manifest.views ?? {};
          this.views = installed.filter((v) => v.def.name in known);
          const live: InstalledView[] = [];
          for (const v of installed) {
            if (!(v.def.name in known)) {
              try {
                await this.populate(s, v);
              } catch (e) {
                errors.push(`${v.def.origin}: materialized view ${v.def.name}: populating it failed: ${rephraseDuckdbError(errorText(e))}`);
                continue;
              }
              this.views = [...this.views, v];
            }
            live.push(v);
          }
          // Views no longer defined are forgotten: defined again later, they are populated again (a new deployment).
          // A refused view is still defined: once fixed it runs from then on, without populating twice.
          const names = new Set([...keep, ...defs.map((d) => d.name)]);
          if (Object.keys(known).some((n) => !names.has(n))) {
            const views = Object.fromEntries(Object.entries(this.manifest.views ?? {}).filter(([n]) => names.has(n)));
            this.manifest = { ...this.manifest, views, nextPartId: this.nextPartId };
            await saveManifest(this.dataDir, this.manifest);
          }
          this.views = live;
          return errors;
        }),
      ),
    );
    this.viewErrors = errors;
    this.scheduleMerges();
    return errors;
  }

  /** Writes the rows of a new view over its whole source (and the chains it feeds) as parts; see setViews. */
  private async populate(s: Session, view: InstalledView): Promise<void> {
    const written = new Map<string, PartInfo[]>();
    try {
      const target = this.tables.get(view.def.target)!;
      const tmp = quoteIdent('__view_populate');
      await s.run(`CREATE OR REPLACE TEMP TABLE ${tmp} AS ${view.rows(null)}`);
      try {
        written.set(target.name, await this.writeRelationParts(s, target, `temp.${tmp}`));
        await this.deriveParts(s, target.name, `temp.${tmp}`, written);
      } finally {
        await s.run(`DROP TABLE IF EXISTS temp.${tmp}`);
      }
      let manifest: Manifest = {
        ...this.manifest,
        nextPartId: this.nextPartId,
        views: { ...(this.manifest.views ?? {}), [view.def.name]: this.wal.lastSeq },
      };
      for (const [name, parts] of written) {
        const st = tableState(manifest, name);
        manifest = withTable(manifest, name, { ...st, parts: [...st.parts, ...parts] });
      }
      await saveManifest(this.dataDir, manifest);
      this.manifest = manifest;
    } catch (e) {
      if (!this.manifestLists([...written.values()].flat())) for (const p of [...written.values()].flat()) await removeFile(join(this.dataDir, p.file));
      throw e;
    }
    await s.run('BEGIN TRANSACTION');
    try {
      await this.createViews(s, [...written.keys()].map((n) => this.tables.get(n)!));
      await s.run('COMMIT');
    } catch (e) {
      await s.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  // --- ingest -------------------------------------------------------------------------------------------------

  /**
   * Calls `run` with the plan that reads `bodies` (joined by newlines), the value to bind as its `$1` (the text
   * itself, or for large batches a glob of files written under `_ingest/`, one per body, deleted after) and, when
   * files were written, the bodies' UTF-8 (for the write-ahead log, so it does not encode them again). With
   * `first`, large batches are written as files whatever they hold and `first` runs on them before `run`: a
   * non-null answer is the result, and `run` is not called.
   */
  private async withBatchInput<T>(
    source: Source,
    bodies: readonly string[],
    run: (plan: ConversionPlan, input: string, encoded: readonly Buffer[] | null) => Promise<T>,
    first?: (glob: string, encoded: readonly Buffer[]) => Promise<T | null>,
  ): Promise<T> {
    let chars = 0;
    for (const b of bodies) chars += b.length;
    const text = () => (bodies.length === 1 ? bodies[0]! : bodies.join('\n'));
    if (chars < FILE_BATCH_CHARS || /[*?[\]{}]/.test(this.dataDir)) return run(source.plan, text(), null);
    // Only `filePlan`'s CSV reader needs `csvReadable` (a scan of every body): checked once a conversion needs it.
    let viaCsv = first ? null : bodies.every(csvReadable);
    if (viaCsv === false) return run(source.plan, text(), null);
    const dir = join(this.dataDir, INGEST_DIR, String(++this.batchFiles));
    await mkdir(dir);
    try {
      const encoded = bodies.map((b) => Buffer.from(b, 'utf8'));
      let line = 1;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < bodies.length; i++) {
        writes.push(writeWhole(join(dir, `${line}.ndjson`), encoded[i]!));
        line += countLines(bodies[i]!);
      }
      await Promise.all(writes);
      const glob = join(dir, '*.ndjson');
      if (first) {
        const done = await first(glob, encoded);
        if (done !== null) return done;
      }
      viaCsv ??= bodies.every(csvReadable);
      return await (viaCsv ? run(source.filePlan, glob, encoded) : run(source.plan, text(), encoded));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * Runs the row conversion of `bodies` (joined by newlines) into the plan's temp table, and counts good and
   * quarantined rows per body: the conversion numbers the lines, and body i owns a known range of them.
   */
  private convert(s: Session, source: Source, bodies: readonly string[]): Promise<Batch> {
    return this.withBatchInput(source, bodies, (plan, input) => this.convertInput(s, plan, input, bodies));
  }

  private async convertInput(s: Session, plan: ConversionPlan, input: string, bodies: readonly string[]): Promise<Batch> {
    const batch = { table: `temp.${quoteIdent(plan.table)}`, clear: plan.clear };
    const total = await runNdjsonConversion(plan, s, input);
    if (bodies.length === 1) return { ...batch, results: [total] };
    // Grouped by `__n` in DuckDB (few groups: a batch bound as a string is small, and from files `__n` is per
    // body), then each group goes to the body whose lines hold it; cheaper than a range join.
    const starts: number[] = [];
    let first = 1;
    for (const b of bodies) {
      starts.push(first);
      first += countLines(b);
    }
    const r = await s.query(
      `SELECT __n, count(*) FILTER (WHERE len(__error) = 0), count(*) FILTER (WHERE len(__error) > 0) FROM ${batch.table} GROUP BY __n`,
    );
    const results = bodies.map(() => ({ successfulRows: 0, quarantinedRows: 0 }));
    for (const [n, good, bad] of r.rows) {
      const line = Number(n);
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= line) lo = mid;
        else hi = mid - 1;
      }
      results[lo]!.successfulRows += Number(good);
      results[lo]!.quarantinedRows += Number(bad);
    }
    return { ...batch, results };
  }

  /**
   * Writes queued appends, one data source at a time: one conversion for all of its queued bodies (the
   * conversion's cost is mostly per statement: ~10 ms for one row), one WAL write, one transaction. Runs under the
   * write lock.
   */
  private async drainQueue(): Promise<void> {
    // Only what is queued now: later arrivals wait behind a flush or merge swap already waiting for the lock.
    // An append queued before alterDatasource swapped its data source converts with the new schema.
    let todo = this.queue.map((q) => ({ ...q, source: this.sources.get(q.source.ds.name) ?? q.source }));
    this.queue = [];
    while (todo.length) {
      const source = todo[0]!.source;
      const batch: QueuedAppend[] = [];
      const rest: QueuedAppend[] = [];
      let chars = 0;
      for (const q of todo) {
        const fits = batch.length === 0 || chars + q.body.length <= MAX_BATCH_CHARS;
        if (q.source === source && fits) {
          batch.push(q);
          chars += q.body.length;
        } else rest.push(q);
      }
      todo = rest;
      try {
        const results = await this.applyAppends(source, batch.map((q) => q.body));
        batch.forEach((q, i) => q.resolve(results[i]!));
      } catch (e) {
        if (batch.length === 1) batch[0]!.reject(e);
        // One bad body must not fail the others: retry them one by one.
        else for (const q of batch) await this.applyAppends(source, [q.body]).then(([r]) => q.resolve(r!), q.reject);
      }
    }
  }

  private applyAppends(source: Source, bodies: readonly string[]): Promise<AppendResult[]> {
    return this.db.withConnection(async (s) => {
      if (!this.viewReads(source)) {
        const done = await this.appendJs(s, source, bodies);
        if (done) return done;
      }
      const direct = this.mayInsertDirectly(source);
      // Batches written as files try the JSON reader's direct insert (cheapest per row) instead of the CSV one.
      const jsonPlan = direct ? jsonFilePlan(source) : null;
      let tried = false;
      const first = jsonPlan
        ? (glob: string, encoded: readonly Buffer[]) => {
            tried = true;
            return this.appendDirect(s, source, jsonPlan, glob, bodies, encoded);
          }
        : undefined;
      return this.withBatchInput(
        source,
        bodies,
        async (plan, input, encoded) => {
          if (direct && !tried) {
            const done = await this.appendDirect(s, source, plan, input, bodies, encoded);
            if (done) return done;
          }
          let batch: Batch | null = null;
          try {
            batch = await this.convertInput(s, plan, input, bodies);
            const results = batch.results;
            const total = results.reduce(
              (t, r) => ({ successfulRows: t.successfulRows + r.successfulRows, quarantinedRows: t.quarantinedRows + r.quarantinedRows }),
              { successfulRows: 0, quarantinedRows: 0 },
            );
            if (total.successfulRows + total.quarantinedRows === 0) return results;
            const kept = (encoded ?? bodies).filter((_b, i) => results[i]!.successfulRows + results[i]!.quarantinedRows > 0);
            // Logged before it becomes visible (inside the transaction), so a visible row is always in the log.
            await s.run('BEGIN TRANSACTION');
            let logged: { seq: number; length: number; bodyBytes: number }[] = [];
            try {
              logged = await this.wal.appendAll(source.ds.name, kept);
              const bytes = logged.reduce((n, l) => n + l.bodyBytes, 0);
              const added = await this.insertBatch(s, source, batch, logged[0]!.seq, bytes, total);
              await s.run('COMMIT');
              this.addCounts(added);
            } catch (e) {
              await s.run('ROLLBACK').catch(() => undefined);
              // Not visible, so not acknowledged: it must not appear after a restart either.
              for (const l of logged.reverse()) await this.wal.discardLast(l.seq, l.length);
              throw e;
            }
            return results;
          } finally {
            // Frees the batch's memory; the fast plan's table stays (recreating it would re-plan its statement).
            if (batch) await s.run(batch.clear);
          }
        },
        first,
      );
    });
  }

  /**
   * Whether an append may try `appendDirect`: no materialized view reads the data source (a view reads the batch's
   * accepted rows from the conversion table), and its last batches did not miss (a miss costs part of a
   * conversion, so a stream of rows in uncommon forms stops trying for a while).
   */
  private mayInsertDirectly(source: Source): boolean {
    if (this.viewReads(source)) return false;
    const skip = this.directSkips.get(source.ds.name) ?? 0;
    if (skip > 0) this.directSkips.set(source.ds.name, skip - 1);
    return skip === 0;
  }

  /** Whether a materialized view reads the data source (views read a batch's rows from the conversion table). */
  private viewReads(source: Source): boolean {
    return this.views.some((v) => v.def.source === source.table.name);
  }

  /**
   * Small batches whose lines js-fast-rows.ts reads itself (flat objects, common value forms): appended to the
   * buffer with DuckDB's Appender, with no SQL to plan or run (measured in-process: ~1.3-1.5 ms CPU a 1-row
   * append against ~2.5-3.5 ms through appendDirect). Returns null, having changed nothing, when a line needs the
   * SQL conversion.
   */
  private async appendJs(s: Session, source: Source, bodies: readonly string[]): Promise<AppendResult[] | null> {
    let chars = 0;
    for (const b of bodies) chars += b.length;
    const plan = chars < FILE_BATCH_CHARS ? jsRowsPlan(source) : null;
    if (plan === null) return null;
    const rows: FastValue[][] = [];
    const counts: number[] = [];
    for (const b of bodies) {
      const r = plan.rows(b);
      if (r === null) return null;
      counts.push(r.length);
      for (const row of r) rows.push(row);
    }
    if (rows.length === 0) return bodies.map(() => ({ successfulRows: 0, quarantinedRows: 0 }));
    // Logged before the rows become visible, as in appendDirect. Up to APPEND_AUTOCOMMIT_ROWS rows the Appender's
    // one flush is the commit (measured ~0.35 ms CPU less than BEGIN ... COMMIT around it); more could be flushed
    // in parts, so they go in a transaction.
    const logged = await this.wal.appendAll(source.ds.name, bodies.filter((_b, i) => counts[i]! > 0));
    const wrap = rows.length > APPEND_AUTOCOMMIT_ROWS;
    try {
      if (wrap) await s.run('BEGIN TRANSACTION');
      await s.appendRows(INTERNAL, bufferTableName(source.table, this.gen), plan.types, rows);
      if (wrap) await s.run('COMMIT');
    } catch {
      // Nothing visible: unlog it and let the SQL path decide (it reports real errors).
      if (wrap) await s.run('ROLLBACK').catch(() => undefined);
      for (const l of logged.reverse()) await this.wal.discardLast(l.seq, l.length);
      return null;
    }
    this.addCounts([[source.table.name, { rows: rows.length, bytes: logged.reduce((n, l) => n + l.bodyBytes, 0) }]]);
    return counts.map((n) => ({ successfulRows: n, quarantinedRows: 0 }));
  }

  /**
   * The common append: every line in the forms the fast path accepts, so nothing is quarantined. The rows go from
   * the body straight into the buffer (row-conversion.ts `direct`), without the conversion table and the copy out
   * of it: measured 1.2-1.6x the rows/s of 10,000-row requests over HTTP, 2-4x the 1-row appends/s, and one copy
   * of a batch less in memory (BENCHMARKS.md). Returns null, having changed nothing, when a line needs the full
   * conversion.
   */
  private async appendDirect(
    s: Session,
    source: Source,
    plan: ConversionPlan,
    input: string,
    bodies: readonly string[],
    encoded: readonly Buffer[] | null,
  ): Promise<AppendResult[] | null> {
    const rows = bodies.map(countNdjsonRows);
    const total = rows.reduce((n, r) => n + r, 0);
    if (total === 0) return bodies.map(() => ({ successfulRows: 0, quarantinedRows: 0 }));
    const sql = plan.direct(bufferTable(source.table, this.gen));
    // The statement names the current buffer: once a flush replaced it, the old one is never run again.
    const previous = this.directSql.get(plan);
    if (previous !== sql) {
      if (previous !== undefined) this.db.forgetPrepared(previous);
      this.directSql.set(plan, sql);
    }
    await s.run('BEGIN TRANSACTION');
    let inserted = -1;
    try {
      inserted = await s.runCount(sql, [input]);
    } catch {
      // DIRECT_MISS (or anything else: the full conversion is the reference and reports real errors).
    }
    if (inserted !== total) {
      await s.run('ROLLBACK');
      this.directSkips.set(source.ds.name, DIRECT_SKIP_AFTER_MISS);
      return null;
    }
    let logged: { seq: number; length: number; bodyBytes: number }[] = [];
    try {
      // Logged before it becomes visible (inside the transaction), so a visible row is always in the log.
      logged = await this.wal.appendAll(source.ds.name, (encoded ?? bodies).filter((_b, i) => rows[i]! > 0));
      await s.run('COMMIT');
    } catch (e) {
      await s.run('ROLLBACK').catch(() => undefined);
      for (const l of logged.reverse()) await this.wal.discardLast(l.seq, l.length);
      throw e;
    }
    this.addCounts([[source.table.name, { rows: total, bytes: logged.reduce((n, l) => n + l.bodyBytes, 0) }]]);
    return rows.map((n) => ({ successfulRows: n, quarantinedRows: 0 }));
  }

  /**
   * Moves a converted batch into the current buffers of the data source and its quarantine table; returns the
   * buffer counts to add once the transaction committed.
   */
  private async insertBatch(
    s: Session,
    source: Source,
    batch: Batch,
    seq: number,
    bytes: number,
    counts: AppendResult,
  ): Promise<[string, BufferCount][]> {
    const added: [string, BufferCount][] = [];
    const { table, quarantine, ds } = source;
    const state = (name: string) => tableState(this.manifest, name);
    const good = counts.successfulRows;
    const bad = counts.quarantinedRows;
    const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    if (good > 0 && seq > state(table.name).truncatedSeq) {
      await s.run(`INSERT INTO ${bufferTable(table, this.gen)} SELECT ${cols} FROM ${batch.table} WHERE len(__error) = 0`);
      added.push([table.name, { rows: good, bytes: Math.round((bytes * good) / (good + bad)) }]);
    }
    // Views run even when the source was truncated after this record: their targets were not.
    if (good > 0) {
      await this.derive(s, table.name, `(SELECT ${cols} FROM ${batch.table} WHERE len(__error) = 0)`, seq, async (target, select) => {
        const r = await s.query(`INSERT INTO ${bufferTable(target, this.gen)} ${select}`);
        const rows = Number(r.rows[0]?.[0] ?? 0);
        // Derived rows have no body of their own; their byte count is an estimate until they are flushed.
        if (rows > 0) added.push([target.name, { rows, bytes: rows * ESTIMATED_ROW_BYTES }]);
        return rows;
      });
    }
    if (bad > 0 && seq > state(quarantine.name).truncatedSeq) {
      const exprs = [
        '__error_column',
        '__error',
        'NULL',
        ...ds.columns.map((c) => quoteIdent(`__raw_${c.name}`)),
        'now()',
      ];
      const select = quarantine.columns.map((c, i) => `CAST(${exprs[i]} AS ${c.type})`).join(', ');
      await s.run(`INSERT INTO ${bufferTable(quarantine, this.gen)} SELECT ${select} FROM ${batch.table} WHERE len(__error) > 0`);
      added.push([quarantine.name, { rows: bad, bytes: Math.round((bytes * bad) / (good + bad)) }]);
    }
    return added;
  }

  /** Converts an import into temp table `__import`, writes its parts, and swaps them in (see importRows). */
  private async writeImport(source: Source, input: ImportInput, mode: 'append' | 'replace', importId: string | null): Promise<AppendResult> {
    const { table, quarantine, ds } = source;
    const conversion =
      input.format === 'ndjson'
        ? source.conversion
        : input.format === 'parquet'
          ? parquetConversion(ds.columns, input.file, this.translateExpr)
          : csvConversion(ds.columns, input.file, input.dialect, input.header, input.fields, this.translateExpr);
    const good: PartInfo[] = [];
    const bad: PartInfo[] = [];
    /** Parts of the materialized views' targets, by table: they replace or append as the import does. */
    const derived = new Map<string, PartInfo[]>();
    const views = this.views;
    let result: AppendResult = { successfulRows: 0, quarantinedRows: 0 };
    try {
      await this.db.withConnection(async (s) => {
        await s.run(`CREATE OR REPLACE TEMP TABLE __import AS ${conversion}`, input.format === 'ndjson' ? [input.body] : []);
        try {
          const [ok, ko] = (await s.query('SELECT count(*) FILTER (WHERE len(__error) = 0), count(*) FILTER (WHERE len(__error) > 0) FROM temp.__import')).rows[0]!.map(Number) as [number, number];
          result = { successfulRows: ok, quarantinedRows: ko };
          if (ok > 0) {
            const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
            const rows = `(SELECT ${cols} FROM temp.__import WHERE len(__error) = 0)`;
            good.push(...(await this.writeRelationParts(s, table, rows)));
            await this.deriveParts(s, table.name, rows, derived);
          }
          if (ko > 0) {
            const exprs = ['__error_column', '__error', importId === null ? 'NULL' : quoteLiteral(importId), ...ds.columns.map((c) => quoteIdent(`__raw_${c.name}`)), 'now()'];
            const select = quarantine.columns.map((c, i) => `CAST(${exprs[i]} AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ');
            bad.push(...(await this.writeRelationParts(s, quarantine, `(SELECT ${select} FROM temp.__import WHERE len(__error) > 0)`)));
          }
        } finally {
          await s.run('DROP TABLE IF EXISTS temp.__import');
        }
      });
      if (mode === 'append' && good.length + bad.length === 0) return result;
      await this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          if (!this.sources.has(ds.name)) throw new NotFoundError(`Data Source "${ds.name}" does not exist`);
          // A view deployed while the import was converting did not see its rows: the import is refused rather
          // than leave that view behind its source.
          if (this.views !== views) throw new AppError(503, 'Materialized views changed during the import, no data ingested, please retry again');
          if (this.sources.get(ds.name) !== source) throw new AppError(503, 'The data source schema changed during the import, no data ingested, please retry again');
          const old = tableState(this.manifest, table.name);
          const q = tableState(this.manifest, quarantine.name);
          let manifest: Manifest = { ...this.manifest, nextPartId: this.nextPartId };
          manifest = withTable(
            manifest,
            table.name,
            mode === 'replace' ? { parts: good, truncatedSeq: this.wal.lastSeq } : { ...old, parts: [...old.parts, ...good] },
          );
          manifest = withTable(manifest, quarantine.name, { ...q, parts: [...q.parts, ...bad] });
          // spec §5.1: a replace cascades to the views' targets, which then hold what the views make of the new rows.
          const replaced = mode === 'replace' ? [table.name, ...derived.keys()] : [];
          const retired: PartInfo[] = mode === 'replace' ? [...old.parts] : [];
          for (const [name, parts] of derived) {
            const st = tableState(manifest, name);
            if (mode === 'replace') retired.push(...st.parts);
            manifest = withTable(manifest, name, mode === 'replace' ? { parts, truncatedSeq: this.wal.lastSeq } : { ...st, parts: [...st.parts, ...parts] });
          }
          await saveManifest(this.dataDir, manifest);
          this.manifest = manifest;
          const touched = [table, quarantine, ...[...derived.keys()].map((n) => this.tables.get(n)!)];
          await s.run('BEGIN TRANSACTION');
          try {
            for (const name of replaced) for (const gen of this.liveGens()) await s.run(`DELETE FROM ${bufferTable(this.tables.get(name)!, gen)}`);
            await this.createViews(s, touched);
            await s.run('COMMIT');
          } catch (e) {
            await s.run('ROLLBACK').catch(() => undefined);
            throw e;
          }
          for (const name of replaced) {
            this.counts.delete(name);
            this.pending?.counts.delete(name);
          }
          if (retired.length) this.retire(retired);
        }),
      );
    } catch (e) {
      // Nothing of a failed import becomes live (the manifest was not written, or it was and then the views failed,
      // which the next swap repairs); its files go.
      const files = [...good, ...bad, ...[...derived.values()].flat()];
      if (!this.manifestLists(files)) for (const p of files) await removeFile(join(this.dataDir, p.file));
      throw e;
    }
    await this.collectRetired();
    this.scheduleMerges();
    return result;
  }

  private manifestLists(parts: readonly PartInfo[]): boolean {
    const live = new Set(Object.values(this.manifest.tables).flatMap((t) => t.parts.map((p) => p.file)));
    return parts.some((p) => live.has(p.file));
  }

  private addCounts(added: readonly [string, BufferCount][]): void {
    for (const [table, { rows, bytes }] of added) {
      const c = this.counts.get(table) ?? { rows: 0, bytes: 0 };
      c.rows += rows;
      c.bytes += bytes;
      this.counts.set(table, c);
    }
  }

  private needsFlush(): boolean {
    if (this.wal.segmentBytes >= this.opts.flushBytes) return true;
    for (const c of this.counts.values()) if (c.rows >= this.opts.flushRows) return true;
    return false;
  }

  private flushInBackground(): void {
    if (this.flushLock.busy || this.closing) return;
    this.flush().catch((e: unknown) => this.opts.log(`flush failed (will retry): ${errorText(e)}`));
  }

  private startTimers(): void {
    const fsync = setInterval(() => {
      if (this.wal.dirty) this.wal.sync().catch((e: unknown) => this.opts.log(`WAL fsync failed: ${errorText(e)}`));
    }, this.opts.fsyncIntervalMs);
    const flush = setInterval(() => {
      if ([...this.counts.values()].some((c) => c.rows > 0) || this.pending) this.flushInBackground();
    }, this.opts.flushIntervalMs);
    const ttl = setInterval(() => {
      if (this.expiring || this.closing) return;
      this.expiring = this.expireTtl()
        .then(() => undefined, (e: unknown) => this.opts.log(`TTL rewrite failed (will retry): ${errorText(e)}`))
        .finally(() => {
          this.expiring = null;
        });
    }, this.opts.ttlIntervalMs);
    fsync.unref();
    flush.unref();
    ttl.unref();
    this.timers.push(fsync, flush, ttl);
  }

  /**
   * Rewrites the parts that hold rows whose ENGINE_TTL has passed, without those rows (ClickHouse's TTL merges,
   * `merge_with_ttl_timeout`): parts no merge touches any more still lose their expired rows. Runs every
   * `ttlIntervalMs`; returns the number of parts rewritten.
   */
  async expireTtl(): Promise<number> {
    let rewritten = 0;
    for (const table of [...this.tables.values()]) {
      const keep = this.rules.get(table.name)?.keep;
      if (!keep) continue;
      for (const part of tableState(this.manifest, table.name).parts) {
        if (this.closing) return rewritten;
        const lease = this.beginRead();
        let expired: number;
        try {
          const rows = `(SELECT ${castColumns(table)} FROM ${parquetScan(this.dataDir, [part])})`;
          expired = Number((await this.db.query(`SELECT count(*) FROM ${rows} WHERE NOT (${keep})`)).rows[0]![0]);
        } finally {
          lease.release();
        }
        if (expired === 0) continue;
        await this.mergeParts(table, [part]);
        rewritten++;
      }
    }
    return rewritten;
  }

  // --- flush --------------------------------------------------------------------------------------------------

  private async flushLocked(): Promise<void> {
    if (!this.pending) {
      if (![...this.counts.values()].some((c) => c.rows > 0)) return;
      // Phase 1: new buffers take the appends from now on; the old generation is frozen and still queried.
      await this.writeLock.run(() =>
        this.db.withConnection(async (s) => {
          const seq = await this.wal.rotate();
          this.pending = { gen: this.gen, seq, counts: this.counts };
          this.counts = new Map();
          this.gen++;
          await this.createBuffers(s, this.gen);
          await this.swapViews(s);
        }),
      );
    }
    const pending = this.pending!;
    // Phase 2: write the frozen buffers as Parquet parts, outside the lock.
    const written = new Map<string, PartInfo[]>();
    try {
      await this.db.withConnection(async (s) => {
        for (const [name, count] of pending.counts) {
          if (count.rows === 0) continue;
          const table = this.tables.get(name)!;
          written.set(name, await this.writeBufferParts(s, table, pending.gen));
        }
      });
    } catch (e) {
      for (const parts of written.values()) for (const p of parts) await removeFile(join(this.dataDir, p.file));
      throw e;
    }
    // Phase 3: one manifest swap makes every table's new parts live and moves walSeq past the frozen records.
    await this.writeLock.run(() =>
      this.db.withConnection(async (s) => {
        let manifest: Manifest = { ...this.manifest, walSeq: pending.seq, nextPartId: this.nextPartId };
        for (const [name, parts] of written) {
          const st = tableState(manifest, name);
          manifest = withTable(manifest, name, { ...st, parts: [...st.parts, ...parts] });
        }
        await saveManifest(this.dataDir, manifest);
        this.manifest = manifest;
        this.pending = null;
        await s.run('BEGIN TRANSACTION');
        try {
          await this.createViews(s);
          for (const table of this.tables.values()) await s.run(`DROP TABLE IF EXISTS ${bufferTable(table, pending.gen)}`);
          await s.run('COMMIT');
        } catch (e) {
          await s.run('ROLLBACK').catch(() => undefined);
          throw e;
        }
      }),
    );
    await this.wal.dropOldSegments();
    this.scheduleMerges();
  }

  /**
   * One sorted part per partition value present in the buffer; files are published but not yet live. The buffer is
   * read once per partition instead of being copied into a temp table with its partition key first (what
   * writeRelationParts does for any relation): copying a table costs as much CPU as the scans it saves, and a
   * second copy of the buffer in memory was the peak of a bulk load. Each part's scan first keeps the rows within
   * the partition's range of the columns the key reads (e.g. `timestamp` for `toYYYYMM(timestamp)`), a cheap
   * comparison that zone maps may even skip, so the key is evaluated only on about that partition's rows: 3.4 vs
   * 3.9 µs a row for 100k rows over 12 months. Sorting the whole buffer once into a temp table and cutting row-id
   * ranges cost 6.2 (the copy), and one COPY with PARTITION_BY does not keep each file sorted (DuckDB 1.5: rows out
   * of order at chunk boundaries).
   */
  private async writeBufferParts(s: Session, table: TableLayout, gen: number): Promise<PartInfo[]> {
    if (!table.partitionExpr) return this.writeRelationParts(s, table, bufferTable(table, gen));
    // ENGINE_TTL: expired rows are not written (merge-semantics.ts).
    const keep = this.rules.get(table.name)?.keep;
    const buffer = keep ? `(SELECT * FROM ${bufferTable(table, gen)} WHERE ${keep})` : bufferTable(table, gen);
    const key = `CAST((${table.partitionExpr}) AS VARCHAR)`;
    const order = table.sortExpr ? ` ORDER BY ${table.sortExpr}` : '';
    const bounded = keyRangeColumns(table);
    const stats = bounded.map((c) => {
      const q = quoteIdent(c.name);
      return `, CAST(min(${q}) AS VARCHAR), CAST(max(${q}) AS VARCHAR), count(*) - count(${q})`;
    });
    const values = await s.query(`SELECT ${key}${stats.join('')} FROM ${buffer} GROUP BY 1 ORDER BY 1`);
    const parts: PartInfo[] = [];
    for (const row of values.rows) {
      const value = row[0] === null ? null : String(row[0]);
      const where: string[] = [];
      bounded.forEach((c, i) => {
        const [min, max, nulls] = row.slice(1 + 3 * i, 4 + 3 * i);
        // The partition's own min and max: a filter that keeps every row of the partition (none NULL there).
        if (Number(nulls) > 0 || min === null || max === null) return;
        where.push(`${quoteIdent(c.name)} BETWEEN CAST(${quoteLiteral(String(min))} AS ${c.type}) AND CAST(${quoteLiteral(String(max))} AS ${c.type})`);
      });
      where.push(value === null ? `${key} IS NULL` : `${key} = ${quoteLiteral(value)}`);
      const folder = partitionFolder(value).slice('partition='.length);
      parts.push(await this.writePart(s, table, folder, `SELECT ${storedColumns(table)} FROM ${buffer} WHERE ${where.join(' AND ')}${order}`));
    }
    return parts;
  }

  /** Parts for the rows of `buffer` (a table or a parenthesised SELECT with the table's columns). */
  private async writeRelationParts(s: Session, table: TableLayout, relation: string, rules?: EngineRules): Promise<PartInfo[]> {
    // `rules`: a migration writes parts of a layout not registered yet (alterDatasource).
    const keep = (rules ?? this.rules.get(table.name))?.keep;
    // ENGINE_TTL: expired rows are not written (merge-semantics.ts).
    const buffer = keep ? `(SELECT * FROM ${relation} WHERE ${keep})` : relation;
    const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
    const order = table.sortExpr ? ` ORDER BY ${table.sortExpr}` : '';
    if (!table.partitionExpr) {
      const part = await this.writePart(s, table, NO_PARTITION, `SELECT ${storedColumns(table)} FROM ${buffer}${order}`);
      if (part.rows > 0) return [part];
      await removeFile(join(this.dataDir, part.file));
      return [];
    }
    // The partition key is evaluated once into a temp table rather than once per partition (measured ~2x faster
    // for 12 months in one buffer).
    await s.run(`CREATE OR REPLACE TEMP TABLE __flush AS SELECT ${cols}, CAST((${table.partitionExpr}) AS VARCHAR) AS __p FROM ${buffer}`);
    try {
      const values = await s.query('SELECT DISTINCT __p FROM temp.__flush ORDER BY 1');
      const parts: PartInfo[] = [];
      for (const [v] of values.rows) {
        const value = v === null ? null : String(v);
        const where = value === null ? '__p IS NULL' : `__p = ${quoteLiteral(value)}`;
        const folder = partitionFolder(value).slice('partition='.length);
        parts.push(await this.writePart(s, table, folder, `SELECT ${storedColumns(table)} FROM temp.__flush WHERE ${where}${order}`));
      }
      return parts;
    } finally {
      await s.run('DROP TABLE IF EXISTS temp.__flush');
    }
  }

  /** COPY to a temp name, fsync, rename into `<table>/partition=<folder>/part-<id>.parquet`, fsync the folder. */
  private async writePart(s: Session, table: TableLayout, folder: string, select: string): Promise<PartInfo> {
    const dir = join(table.name, `partition=${folder}`);
    const id = String(this.nextPartId++).padStart(10, '0');
    const file = join(dir, `part-${id}.parquet`);
    const tmp = join(this.dataDir, dir, `.part-${id}.parquet.tmp`);
    try {
      await this.ensureDir(dir);
      const r = await s.query(`COPY (${select}) TO ${quoteLiteral(tmp)} (${PARQUET_OPTIONS})`);
      await publishFile(tmp, join(this.dataDir, file));
      const { size } = await stat(join(this.dataDir, file));
      return { file, partition: folder, rows: Number(r.rows[0]![0]), bytes: size };
    } catch (e) {
      await removeFile(tmp).catch(() => undefined);
      throw isWriteFailure(e) ? new WriteFailedError(`a part of ${table.name}`, e) : e;
    }
  }

  /** mkdir -p, fsyncing each parent whose entries changed, so a published part never sits in a lost folder. */
  private async ensureDir(rel: string): Promise<void> {
    if (this.knownDirs.has(rel)) return;
    const segments = rel.split('/');
    let parent = this.dataDir;
    for (const seg of segments) {
      const dir = join(parent, seg);
      const created = await mkdir(dir).then(
        () => true,
        (e: NodeJS.ErrnoException) => {
          if (e.code === 'EEXIST') return false;
          throw e;
        },
      );
      if (created) await fsyncDir(parent);
      parent = dir;
    }
    this.knownDirs.add(rel);
  }

  // --- merges -------------------------------------------------------------------------------------------------

  private nextMerge(): { table: TableLayout; parts: PartInfo[] } | null {
    const now = Date.now();
    for (const table of this.tables.values()) this.activity.observe(table.name, tableState(this.manifest, table.name).parts, now);
    for (const table of this.tables.values()) {
      const parts = pickMerge(tableState(this.manifest, table.name).parts, this.opts.mergePolicy);
      if (parts) return { table, parts };
    }
    // Lowest priority: partitions that stopped getting parts are merged down to one.
    let dueAt: number | null = null;
    for (const table of this.tables.values()) {
      const lastNewPart = (partition: string) => this.activity.lastNewPart(table.name, partition, now);
      const quiet = pickQuietMerge(tableState(this.manifest, table.name).parts, this.opts.mergePolicy, lastNewPart, now);
      if (quiet.parts) return { table, parts: quiet.parts };
      if (quiet.dueAt !== null) dueAt = dueAt === null ? quiet.dueAt : Math.min(dueAt, quiet.dueAt);
    }
    if (dueAt !== null) this.wakeMergesAt(dueAt);
    return null;
  }

  private wakeMergesAt(at: number): void {
    if (this.closing || (this.quietTimer && this.quietTimer.at <= at)) return;
    if (this.quietTimer) clearTimeout(this.quietTimer.timer);
    const timer = setTimeout(() => {
      this.quietTimer = null;
      this.scheduleMerges();
    }, Math.max(0, at - Date.now()));
    // Never keeps the process alive; after close, scheduleMerges does nothing.
    timer.unref();
    this.quietTimer = { at, timer };
  }

  private scheduleMerges(): void {
    if (this.closing) return;
    if (this.merging) {
      this.mergeAgain = true;
      return;
    }
    this.merging = (async () => {
      do {
        this.mergeAgain = false;
        for (let next = this.nextMerge(); next && !this.closing; next = this.nextMerge()) {
          await this.mergeParts(next.table, next.parts);
        }
      } while (this.mergeAgain && !this.closing);
    })()
      .catch((e: unknown) => this.opts.log(`merge failed (will retry after the next flush): ${errorText(e)}`))
      .finally(() => {
        this.merging = null;
      });
  }

  /** Rewrites `parts` (one partition) as one sorted part, then swaps it in under the write lock. */
  private async mergeParts(table: TableLayout, parts: readonly PartInfo[]): Promise<void> {
    const lease = this.beginRead();
    let merged: PartInfo;
    try {
      const order = table.sortExpr ? ` ORDER BY ${table.sortExpr}` : '';
      const rows = mergeSelect(table, this.rules.get(table.name) ?? NO_RULES, rankedScan(this.dataDir, table, parts));
      const select = `SELECT ${storedColumns(table)} FROM (${rows})${order}`;
      merged = await this.db.withConnection((s) => this.writePart(s, table, parts[0]!.partition, select));
    } finally {
      lease.release();
    }
    const swapped = await this.writeLock.run(() =>
      this.db.withConnection(async (s) => {
        const current = tableState(this.manifest, table.name);
        const inputs = new Set(parts.map((p) => p.file));
        // A truncate may have removed the inputs meanwhile; then the merged part must not come back.
        if (current.parts.filter((p) => inputs.has(p.file)).length !== inputs.size) return false;
        // alterDatasource gave the table a new layout meanwhile: the merged part has the old columns.
        if (this.tables.get(table.name) !== table) return false;
        // Every row expired (ENGINE_TTL): the inputs go and no empty part takes their place.
        const manifest = withTable({ ...this.manifest, nextPartId: this.nextPartId }, table.name, {
          ...current,
          parts: [...current.parts.filter((p) => !inputs.has(p.file)), ...(merged.rows > 0 ? [merged] : [])],
        });
        await saveManifest(this.dataDir, manifest);
        this.manifest = manifest;
        await s.run('BEGIN TRANSACTION');
        try {
          await this.createViews(s, [table]);
          await s.run('COMMIT');
        } catch (e) {
          await s.run('ROLLBACK').catch(() => undefined);
          throw e;
        }
        this.retire(parts);
        return true;
      }),
    );
    if (!swapped || merged.rows === 0) await removeFile(join(this.dataDir, merged.file));
    await this.collectRetired();
  }

  // --- views, buffers, files ----------------------------------------------------------------------------------

  private liveGens(): number[] {
    return this.pending ? [this.pending.gen, this.gen] : [this.gen];
  }

  private async createBuffers(s: Session, gen: number, tables: Iterable<TableLayout> = this.tables.values()): Promise<void> {
    for (const table of tables) {
      const cols = table.columns.map((c) => `${quoteIdent(c.name)} ${c.type}`).join(', ');
      await s.run(`CREATE OR REPLACE TABLE ${bufferTable(table, gen)} (${cols})`);
    }
  }

  /** (Re)creates the views of `tables` from the manifest and live buffers; callers own the transaction. */
  private async createViews(s: Session, tables: Iterable<TableLayout> = this.tables.values()): Promise<void> {
    for (const table of tables) {
      const cols = table.columns.map((c) => quoteIdent(c.name)).join(', ');
      const parts = tableState(this.manifest, table.name).parts;
      // Each branch starts with a constant: a query that needs no column of the table (`count(*)` of a filter)
      // makes DuckDB keep one column through the UNION ALL, the first, which would otherwise be read from every
      // Parquet row (measured at 1M rows: a filtered count 35 -> 20 ms CPU, `count(*)` 24 -> 8, as over the bare
      // files).
      const branches: string[] = [];
      if (parts.length) branches.push(`SELECT NULL::BOOLEAN AS ${ANY_COLUMN}, ${castColumns(table)} FROM ${parquetScan(this.dataDir, newestFirst(parts))}`);
      for (const gen of this.liveGens()) branches.push(`SELECT NULL::BOOLEAN AS ${ANY_COLUMN}, ${cols} FROM ${bufferTable(table, gen)}`);
      await s.run(`CREATE OR REPLACE VIEW main.${quoteIdent(table.name)} AS SELECT * EXCLUDE (${ANY_COLUMN}) FROM (${branches.join(' UNION ALL ')})`);
      const rules = this.rules.get(table.name);
      if (!rules) continue;
      // What `FROM <ds> FINAL` reads: the same rows, with the part and row order that picks the surviving row.
      const ranked: string[] = [];
      if (parts.length) ranked.push(`SELECT * FROM ${rankedScan(this.dataDir, table, parts)}`);
      for (const gen of this.liveGens()) ranked.push(`SELECT ${cols}, ${BUFFER_RANK + gen} AS __rank, rowid AS __row FROM ${bufferTable(table, gen)}`);
      const final = finalSelect(table, rules, `(${ranked.join(' UNION ALL ')})`, table.partitionExpr);
      if (final) await s.run(`CREATE OR REPLACE VIEW main.${quoteIdent(finalView(table))} AS ${final}`);
    }
  }

  private async swapViews(s: Session): Promise<void> {
    await s.run('BEGIN TRANSACTION');
    try {
      await this.createViews(s);
      await s.run('COMMIT');
    } catch (e) {
      await s.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  private retire(parts: readonly PartInfo[]): void {
    this.version++;
    for (const p of parts) this.retired.push({ file: p.file, retiredAt: this.version });
  }

  /** Deletes retired files no running query can still be reading (every lease is newer than the retirement). */
  private async collectRetired(): Promise<void> {
    if (!this.retired.length) return;
    let oldest = Infinity;
    for (const v of this.leases.values()) oldest = Math.min(oldest, v);
    const ready = this.retired.filter((r) => r.retiredAt <= oldest);
    if (!ready.length) return;
    this.retired = this.retired.filter((r) => r.retiredAt > oldest);
    for (const r of ready) await removeFile(join(this.dataDir, r.file));
  }

  /** Deletes part files and temp files the manifest does not list (interrupted flushes/merges, retired parts). */
  private async removeOrphans(): Promise<void> {
    // Batches being converted when the process stopped (their rows are in the WAL, or were never acknowledged).
    await rm(join(this.dataDir, INGEST_DIR), { recursive: true, force: true });
    await mkdir(join(this.dataDir, INGEST_DIR));
    const live = new Set<string>();
    for (const st of Object.values(this.manifest.tables)) for (const p of st.parts) live.add(p.file);
    const names = new Set([...this.tables.keys(), ...Object.keys(this.manifest.tables)]);
    await removeFile(join(this.dataDir, '_manifest.json.tmp'));
    for (const name of names) {
      const tableDir = join(this.dataDir, name);
      const folders = await readdir(tableDir).catch(() => [] as string[]);
      for (const folder of folders) {
        if (!folder.startsWith('partition=')) continue;
        const dir = join(tableDir, folder);
        const files = await readdir(dir).catch(() => [] as string[]);
        let kept = 0;
        for (const f of files) {
          const rel = join(name, folder, f);
          if (live.has(rel) || !(f.endsWith('.parquet') || f.endsWith('.tmp'))) kept++;
          else await rm(join(dir, f), { force: true });
        }
        if (kept === 0) await rmdir(dir).catch(() => undefined);
      }
    }
  }

  private requireTable(name: string): TableLayout {
    const t = this.tables.get(name);
    if (!t) throw new NotFoundError(`Data Source "${name}" does not exist`);
    return t;
  }

  private tableStats(name: string): { rows: number; bytes: number; parts: number; partitions: number } {
    const parts = tableState(this.manifest, name).parts;
    let rows = 0;
    let bytes = 0;
    for (const p of parts) {
      rows += p.rows;
      bytes += p.bytes;
    }
    for (const c of [this.counts.get(name), this.pending?.counts.get(name)]) {
      rows += c?.rows ?? 0;
      bytes += c?.bytes ?? 0;
    }
    return { rows, bytes, parts: parts.length, partitions: new Set(parts.map((p) => p.partition)).size };
  }
}

function bufferTable(table: TableLayout, gen: number): string {
  return `${INTERNAL}.${quoteIdent(`${table.name}__buffer_${gen}`)}`;
}

/** Types whose text form casts back to the same value and whose order is a plain comparison. */
const RANGE_TYPES = /^(VARCHAR|TINYINT|SMALLINT|INTEGER|BIGINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|DATE|TIMESTAMP|TIMESTAMP_NS)$/;

/**
 * Columns the partition key appears to read, for writeBufferParts' range filters. A name matched by mistake only
 * adds a filter that keeps every row of the partition anyway.
 */
function keyRangeColumns(table: TableLayout): TableLayout['columns'][number][] {
  const expr = table.partitionExpr ?? '';
  return table.columns.filter((c) => {
    const name = c.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return RANGE_TYPES.test(c.type) && new RegExp(`(^|[^\\w"])"?${name}"?(?![\\w"(])`, 'i').test(expr);
  });
}

/**
 * The columns as written to Parquet: 128-bit integers (Int128/UInt128/Int256/UInt256) as text, because DuckDB
 * writes HUGEINT to Parquet as DOUBLE and would lose digits; the view casts them back.
 */
function storedColumns(table: TableLayout): string {
  return table.columns
    .map((c) => (/^U?HUGEINT$/.test(c.type) ? `CAST(${quoteIdent(c.name)} AS VARCHAR) AS ${quoteIdent(c.name)}` : quoteIdent(c.name)))
    .join(', ');
}

function castColumns(table: TableLayout): string {
  return table.columns
    .map((c) => (PARQUET_EXACT.test(c.type) ? quoteIdent(c.name) : `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`))
    .join(', ');
}

/** Buffered rows are newer than any part. */
const BUFFER_RANK = 9_000_000_000_000_000;

/** The view `FROM <ds> FINAL` reads (SQL translator: `FROM t FINAL` → `FROM "t__final"`). */
export function finalView(table: TableLayout): string {
  return `${table.name}__final`;
}

/** Parts as a relation of the table's columns plus `__rank` (part id: newer parts have higher ids) and `__row`. */
function rankedScan(dataDir: string, table: TableLayout, parts: readonly PartInfo[]): string {
  const files = parts.map((p) => quoteLiteral(join(dataDir, p.file))).join(', ');
  const rank = `CAST(regexp_extract(__part_file, 'part-([0-9]+)\\.parquet$', 1) AS BIGINT)`;
  return `(SELECT ${castColumns(table)}, ${rank} AS __rank, file_row_number AS __row FROM read_parquet([${files}], hive_partitioning = false, filename = '__part_file', file_row_number = true))`;
}

/** The first column of the branches of a table's view (createViews), never a data source column's name. */
const ANY_COLUMN = '"__duckbird any column"';

/**
 * The parts newest first: latest partition (for time keys), then latest part. Queries over a table's view get its
 * rows in this order, and the commonest endpoint shape, `ORDER BY <time> DESC LIMIT n`, profits a lot: DuckDB's
 * top-N pushes its running threshold into the Parquet scan, which then skips every row group of older partitions
 * whose maximum is below it, once the newest ones filled the page. Measured at 1M rows over 25 monthly parts:
 * the newest 100 sessions 120 -> 17 ms CPU, a filtered page 148 -> 23 ms; queries that read everything are unchanged.
 */
function newestFirst(parts: readonly PartInfo[]): PartInfo[] {
  const byPartition = (a: PartInfo, b: PartInfo) => b.partition.localeCompare(a.partition, 'en', { numeric: true });
  return [...parts].sort((a, b) => byPartition(a, b) || b.file.localeCompare(a.file));
}

function parquetScan(dataDir: string, parts: readonly PartInfo[]): string {
  const files = parts.map((p) => quoteLiteral(join(dataDir, p.file))).join(', ');
  return `read_parquet([${files}], hive_partitioning = false)`;
}

/**
 * Whether DuckDB's CSV reader (NDJSON_FILE_SOURCE) reads `body` into the lines `string_split(body, chr(10))` makes,
 * up to blank lines (which the conversion drops): no NUL, no delimiter, no CR but in CRLF, no line too long.
 */
function csvReadable(body: string): boolean {
  if (body.includes('\0') || body.includes('\x1f')) return false;
  for (let i = body.indexOf('\r'); i !== -1; i = body.indexOf('\r', i + 1)) if (body.charCodeAt(i + 1) !== 10) return false;
  // A UTF-16 unit is at most 3 bytes of UTF-8.
  if (body.length * 3 <= CSV_MAX_LINE_BYTES) return true;
  for (let start = 0; ; ) {
    const end = body.indexOf('\n', start);
    if (((end === -1 ? body.length : end) - start) * 3 > CSV_MAX_LINE_BYTES) return false;
    if (end === -1) return true;
    start = end + 1;
  }
}

/** `filePlan` whose `direct` reads the batch's files with DuckDB's JSON reader, by data source (null: it cannot). */
const jsonFilePlans = new WeakMap<Source, ConversionPlan | null>();

function jsonFilePlan(source: Source): ConversionPlan | null {
  let plan = jsonFilePlans.get(source);
  if (plan === undefined) {
    const direct = planNdjsonFileDirect(source.ds.columns);
    plan = direct && { ...source.filePlan, direct };
    jsonFilePlans.set(source, plan);
  }
  return plan;
}

/** The JS path's plan by data source (null: some column is outside its subset, or the buffer differs). */
const jsRowsPlans = new WeakMap<Source, JsFastRows | null>();

function jsRowsPlan(source: Source): JsFastRows | null {
  let plan = jsRowsPlans.get(source);
  if (plan === undefined) {
    plan = planJsFastRows(source.ds.columns);
    const types = source.table.columns.map((c) => c.type);
    if (plan && (types.length !== plan.types.length || types.some((t, i) => t !== plan!.types[i]))) plan = null;
    jsRowsPlans.set(source, plan);
  }
  return plan;
}

/** Rows a JS-path batch may append without a transaction around the Appender (it flushes once below this). */
const APPEND_AUTOCOMMIT_ROWS = 2048;

/** `bufferTable` unquoted, in schema INTERNAL, for the Appender. */
function bufferTableName(table: TableLayout, gen: number): string {
  return `${table.name}__buffer_${gen}`;
}

/** Writes `data` to a new file with one write call (`writeFile` writes 512 KiB chunks: measured 3-5x the CPU). */
async function writeWhole(path: string, data: Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < data.length; ) off += (await fh.write(data, off)).bytesWritten;
  } finally {
    await fh.close();
  }
}

/** Lines `string_split(body, chr(10))` makes of `body`. */
function countLines(body: string): number {
  let n = 1;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
  return n;
}

/** Consecutive WAL records of one data source that replay into the same tables, to convert as one batch. */
function replayGroups(
  records: readonly WalRecord[],
  manifest: Manifest,
  sources: ReadonlyMap<string, Source>,
  log: (m: string) => void,
  viewKey: (seq: number) => string,
): { source: Source; records: WalRecord[] }[] {
  const groups: { source: Source; records: WalRecord[]; key: string; chars: number }[] = [];
  for (const r of records) {
    if (r.seq <= manifest.walSeq) continue;
    const source = sources.get(r.datasource);
    if (!source) {
      log(`write-ahead log: record ${r.seq} is for unknown data source ${r.datasource}; skipped`);
      continue;
    }
    // A truncate between two records splits them: each side replays into different tables.
    const live = (t: TableLayout) => r.seq > tableState(manifest, t.name).truncatedSeq;
    const key = `${r.datasource}\0${live(source.table)}\0${live(source.quarantine)}\0${viewKey(r.seq)}`;
    const last = groups.at(-1);
    if (last && last.key === key && last.chars + r.body.length <= MAX_BATCH_CHARS) {
      last.records.push(r);
      last.chars += r.body.length;
    } else groups.push({ source, records: [r], key, chars: r.body.length });
  }
  return groups;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Any failure of a migration as a SchemaMigrationError, so callers can say `file:line: message`. */
function migrationFailure(next: DatasourceFile, e: unknown): unknown {
  if (e instanceof SchemaMigrationError || !(e instanceof Error) || e instanceof ClosedError) return e;
  const lines = next.text.split('\n');
  const fq = lines.findIndex((l) => /^FORWARD_QUERY\b/i.test(l));
  const line = fq >= 0 ? fq : lines.findIndex((l) => /^SCHEMA\b/i.test(l));
  return new SchemaMigrationError(`cannot migrate the stored rows of data source ${next.name}: ${rephraseDuckdbError(errorText(e))}`, line + 1);
}
