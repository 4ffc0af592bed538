// Schema changes of a data source (spec §9.2 FORWARD_QUERY; Tinybird Forward "evolve data sources"): the plan's SQL
// (pure, exact text), then the storage rewriting stored rows (parts and buffers) into the new layout against a real
// DuckDB in a temp dir: by-name matching with DEFAULTs, FORWARD_QUERY, sorting/partition key changes, a bad cast
// that changes nothing, restarts after a migration (no WAL record of the old schema replays).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDatasource } from '../../src/datafiles/parse-datasource.ts';
import type { DatasourceFile } from '../../src/datafiles/types.ts';
import { Database } from '../../src/engine/database.ts';
import { translateSql } from '../../src/sql/index.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { translateExpression } from '../../src/service/translate-expression.ts';
import { forwardQueryBody, planSchemaMigration, SchemaMigrationError, typeDefault } from '../../src/storage/schema-migration.ts';
import { Storage } from '../../src/storage/storage.ts';

const ds = (schema: string, extra = ''): DatasourceFile =>
  parseDatasource(`SCHEMA >\n    ${schema.split('\n').join('\n    ')}\n${extra}`, 'datasources/events.datasource');

const V1 = ds('`id` Int32 `json:$.id`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
const T = { translateExpr: translateExpression, translateSql: (s: string) => translateSql(s) };

describe('planSchemaMigration', () => {
  const cases: { name: string; next: DatasourceFile; select: string | null }[] = [
    {
      name: 'same stored shape (a jsonpath changed): no rewrite',
      next: ds('`id` Int32 `json:$.ident`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n'),
      select: null,
    },
    {
      name: 'added with DEFAULT, Nullable, type default; removed; reordered',
      next: ds(
        "`ts` DateTime `json:$.ts`,\n`id` Int32 `json:$.id`,\n`country` String `json:$.c` DEFAULT 'ES',\n`score` Nullable(Float64) `json:$.s`,\n`n` UInt8 `json:$.n`,\n`tags` Array(String) `json:$.t[:]`",
        'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n',
      ),
      select:
        `SELECT "ts", "id", CAST(('ES') AS VARCHAR) AS "country", CAST(NULL AS DOUBLE) AS "score", CAST(0 AS UTINYINT) AS "n", ` +
        `CAST([] AS VARCHAR[]) AS "tags" FROM old`,
    },
    {
      name: 'a column made Nullable, and the sorting key changed',
      next: ds('`id` Int32 `json:$.id`,\n`name` Nullable(String) `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY ts, id\n'),
      select: 'SELECT "id", CAST("name" AS VARCHAR) AS "name", "ts" FROM old',
    },
    {
      name: 'a DEFAULT computed from another column',
      next: ds('`id` Int32 `json:$.id`,\n`ts` DateTime `json:$.ts`,\n`day` Date `json:$.day` DEFAULT toDate(ts)', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n'),
      select: 'SELECT "id", "ts", CAST((toDate(ts)) AS DATE) AS "day" FROM old',
    },
  ];
  it.each(cases)('$name', ({ next, select }) => {
    const plan = planSchemaMigration(V1, next, T);
    expect(plan.rewrite).toBe(select !== null);
    expect(plan.select?.('old') ?? null).toBe(select);
  });

  it('translates a FORWARD_QUERY over the old rows', () => {
    const next = ds('`id` String `json:$.id`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`', "FORWARD_QUERY >\n    SELECT * EXCEPT 'id', toString(id) AS id\n");
    const plan = planSchemaMigration(V1, next, T);
    expect(plan.select).toBe(null);
    expect(plan.forwardQuery!('old')).toBe('SELECT * EXCLUDE ("id"), toString(id) AS id FROM "old"');
  });

  const refused: { name: string; next: DatasourceFile; error: string; line: number }[] = [
    {
      name: 'a type change without FORWARD_QUERY',
      next: ds('`id` Int32 `json:$.id`,\n`name` Int32 `json:$.name`,\n`ts` DateTime `json:$.ts`'),
      error:
        "column 'name' of data source events changed type from String to Int32: the stored rows need a FORWARD_QUERY to be migrated (spec §9.2), " +
        'e.g. FORWARD_QUERY > SELECT * EXCEPT (name), toInt32(name) AS name',
      line: 3,
    },
    {
      name: 'String to LowCardinality(String), which Tinybird refuses too',
      next: ds('`id` Int32 `json:$.id`,\n`name` LowCardinality(String) `json:$.name`,\n`ts` DateTime `json:$.ts`'),
      error:
        "column 'name' of data source events changed type from String to LowCardinality(String): the stored rows need a FORWARD_QUERY to be migrated " +
        '(spec §9.2), e.g. FORWARD_QUERY > SELECT * EXCEPT (name), toString(name) AS name',
      line: 3,
    },
    {
      name: 'a FORWARD_QUERY with FROM',
      next: ds('`id` String `json:$.id`', 'FORWARD_QUERY >\n    SELECT toString(id) AS id FROM events\n'),
      error: 'FORWARD_QUERY is the column selection only: FROM and WHERE are not supported',
      line: 3,
    },
  ];
  it.each(refused)('refuses $name', ({ next, error, line }) => {
    let caught: unknown;
    try {
      const plan = planSchemaMigration(V1, next, T);
      plan.forwardQuery?.('old');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SchemaMigrationError);
    expect((caught as SchemaMigrationError).message).toBe(error);
    expect((caught as SchemaMigrationError).line).toBe(line);
  });

  it.each([
    ["SELECT * except 'guid', toUUID(guid) AS guid", 'SELECT * EXCEPT (guid), toUUID(guid) AS guid'],
    ['SELECT * EXCEPT (a, `b`), 1 AS c', 'SELECT * EXCEPT (a, b), 1 AS c'],
    ['SELECT * EXCEPT a, 1 AS a', 'SELECT * EXCEPT (a), 1 AS a'],
    ['SELECT * EXCEPT `a` , b AS a', 'SELECT * EXCEPT (a) , b AS a'],
    ["SELECT a, 'from here' AS b;", "SELECT a, 'from here' AS b"],
  ])('forward query body %s', (fq, body) => {
    expect(forwardQueryBody(ds('`a` String', `FORWARD_QUERY >\n    ${fq}\n`))).toBe(body);
  });

  it.each([
    ['Int64', 'CAST(0 AS BIGINT)'],
    ['LowCardinality(String)', "CAST('' AS VARCHAR)"],
    ['DateTime64(3)', "CAST('1970-01-01 00:00:00' AS TIMESTAMP_MS)"],
    ['Date', "CAST('1970-01-01' AS DATE)"],
    ['UUID', "CAST('00000000-0000-0000-0000-000000000000' AS UUID)"],
    ['Map(String, UInt64)', 'CAST(MAP {} AS MAP(VARCHAR, UBIGINT))'],
    ['Tuple(a String, b Int32)', `CAST(ROW(CAST('' AS VARCHAR), CAST(0 AS INTEGER)) AS STRUCT("a" VARCHAR, "b" INTEGER))`],
    ["Enum8('x' = 1, 'y' = 2)", "CAST('x' AS VARCHAR)"],
    ['Tuple(String, Array(Int8))', `CAST(ROW(CAST('' AS VARCHAR), CAST([] AS TINYINT[])) AS STRUCT("1" VARCHAR, "2" TINYINT[]))`],
    ['Nullable(Int32)', 'CAST(0 AS INTEGER)'],
  ])('type default of %s', async (type, sql) => {
    expect(typeDefault(type)).toBe(sql);
    const db = await Database.open();
    try {
      expect((await db.query(`SELECT ${sql} IS NOT NULL`)).rows).toEqual([[true]]);
    } finally {
      db.close();
    }
  });
});

describe('Storage.alterDatasource', () => {
  let dir: string;
  const open: { db: Database; storage: Storage; closed: boolean }[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-migrate-'));
  });
  afterEach(async () => {
    for (const h of open.splice(0)) {
      if (!h.closed) await h.storage.close();
      h.db.close();
    }
    await rm(dir, { recursive: true, force: true });
  });

  async function start(datasources: DatasourceFile[]) {
    const db = await Database.open();
    for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
    const storage = await Storage.open(db, dir, datasources, {
      flushIntervalMs: 3_600_000,
      fsyncIntervalMs: 3_600_000,
      translateExpr: translateExpression,
      log: () => undefined,
    });
    const h = { db, storage, closed: false };
    open.push(h);
    return h;
  }

  const rows = async (db: Database, sql: string) =>
    (await db.query(sql)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v !== null && typeof v === 'object' ? String(v) : v)));

  /** Two rows in parts (January), one buffered (February), one quarantined. */
  async function seed(storage: Storage) {
    await storage.append('events', '{"id":2,"name":"b","ts":"2024-01-02 00:00:00"}\n{"id":1,"name":"a","ts":"2024-01-01 00:00:00"}', { wait: true });
    await storage.flush();
    await storage.append('events', '{"id":3,"name":"123","ts":"2024-02-01 00:00:00"}\n{"id":"x","name":"bad","ts":"2024-02-01"}', { wait: true });
  }

  it('adds columns with their DEFAULT / NULL / type default, drops and reorders, over parts and buffers', async () => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const next = ds(
      "`ts` DateTime `json:$.ts`,\n`id` Int32 `json:$.id`,\n`country` String `json:$.country` DEFAULT 'ES',\n`score` Nullable(Float64) `json:$.score`,\n`n` UInt8 `json:$.n`",
      'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n',
    );
    expect(await storage.alterDatasource(next)).toEqual({ rewritten: true, rows: 3 });
    expect(await rows(db, 'SELECT * FROM events ORDER BY id')).toEqual([
      ['2024-01-01 00:00:00', 1, 'ES', null, 0],
      ['2024-01-02 00:00:00', 2, 'ES', null, 0],
      ['2024-02-01 00:00:00', 3, 'ES', null, 0],
    ]);
    // The quarantine table follows: `name` gone, new columns NULL.
    expect(await rows(db, 'SELECT id, ts, country, score, n FROM events_quarantine')).toEqual([['x', '2024-02-01', null, null, null]]);
    expect(storage.datasource('events')).toBe(next);
    // New rows use the new schema (DEFAULT applies to a missing field).
    await storage.append('events', '{"id":4,"ts":"2024-03-01 00:00:00","score":1.5,"n":7}', { wait: true });
    expect(await rows(db, 'SELECT id, country, score, n FROM events WHERE id = 4')).toEqual([[4, 'ES', 1.5, 7]]);
    expect(storage.stats('events')).toMatchObject({ rows: 4, quarantineRows: 1 });
    // Every stored part has the new columns: a plain reader sees them.
    expect(await rows(db, `SELECT count(*), min(country) FROM read_parquet('${dir}/events/*/*.parquet')`)).toEqual([[3, 'ES']]);
  });

  it('rewrites the parts when the partition and sorting keys change', async () => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const next = ds('`id` Int32 `json:$.id`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYear(ts)\nENGINE_SORTING_KEY name\n');
    expect(await storage.alterDatasource(next)).toEqual({ rewritten: true, rows: 3 });
    const files = (await readdir(join(dir, 'events'), { recursive: true })).filter((f) => f.endsWith('.parquet'));
    expect(files.map((f) => f.split('/')[0])).toEqual(['partition=2024']);
    expect(await rows(db, `SELECT id FROM read_parquet('${dir}/events/*/*.parquet')`)).toEqual([[3], [1], [2]]);
  });

  it('runs a FORWARD_QUERY and casts its columns to the new types', async () => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const next = ds(
      '`id` String `json:$.id`,\n`name` Int64 `json:$.name`,\n`ts` DateTime `json:$.ts`,\n`label` String `json:$.label`',
      "FORWARD_QUERY >\n    SELECT * EXCEPT (id, name), toString(id) AS id, concat(name, '!') AS label, length(name) AS name\n",
    );
    await storage.alterDatasource(next);
    expect(await rows(db, 'SELECT * FROM events ORDER BY id')).toEqual([
      ['1', 1, '2024-01-01 00:00:00', 'a!'],
      ['2', 1, '2024-01-02 00:00:00', 'b!'],
      ['3', 3, '2024-02-01 00:00:00', '123!'],
    ]);
  });

  /** `flushed`: the real run flushed the buffer first (a new part); a change the datafiles alone refuse does not. */
  const failing: { name: string; next: DatasourceFile; error: string; flushed?: false }[] = [
    {
      name: 'a value the new type cannot hold',
      next: ds('`id` Int32 `json:$.id`,\n`name` Int32 `json:$.name`,\n`ts` DateTime `json:$.ts`', 'FORWARD_QUERY >\n    SELECT id, name, ts\n'),
      error:
        "datasources/events.datasource:5: cannot migrate the stored rows of data source events: column 'name' has the value 'a', which cannot be " +
        'converted to Int32; change the FORWARD_QUERY (e.g. accurateCastOrDefault) or the type',
    },
    {
      name: 'forward query columns that do not match',
      next: ds('`id` Int32 `json:$.id`,\n`label` String `json:$.label`', 'FORWARD_QUERY >\n    SELECT id, name\n'),
      error: "datasources/events.datasource:4: FORWARD_QUERY columns don't match datasource schema: missing 'label'; not in the schema 'name'",
    },
    {
      name: 'a forward query naming a column that does not exist',
      next: ds('`id` Int32 `json:$.id`', 'FORWARD_QUERY >\n    SELECT nope AS id\n'),
      error: expect.stringMatching(/^datasources\/events\.datasource:3: cannot migrate the stored rows of data source events: .*nope/) as unknown as string,
    },
    {
      name: 'a type change without a forward query',
      next: ds('`id` Int32 `json:$.id`,\n`name` Int32 `json:$.name`,\n`ts` DateTime `json:$.ts`'),
      error: expect.stringMatching(/^datasources\/events\.datasource:3: column 'name' of data source events changed type from String to Int32/) as unknown as string,
      flushed: false,
    },
  ];
  it.each(failing)('fails on $name, changing nothing (dry run and real)', async ({ next, error, flushed }) => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const before = await rows(db, 'SELECT * FROM events ORDER BY id');
    const files = async () => (await readdir(join(dir, 'events'), { recursive: true })).sort();
    const partsBefore = await files();
    for (const dryRun of [true, false]) {
      const e = await storage.alterDatasource(next, { dryRun }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(SchemaMigrationError);
      const m = e as SchemaMigrationError;
      expect(`${next.path}:${m.line}: ${m.message}`).toEqual(error);
    }
    expect(await rows(db, 'SELECT * FROM events ORDER BY id')).toEqual(before);
    expect(storage.datasource('events')).toBe(V1);
    // The failed real run flushed the buffer (a new part and its folder), and left no file of its own.
    expect((await files()).filter((f) => !partsBefore.includes(f)).length).toBe(flushed === false ? 0 : 2);
    await storage.append('events', '{"id":9,"name":"z","ts":"2024-01-09 00:00:00"}', { wait: true });
    expect(storage.stats('events').rows).toBe(4);
  });

  it('dry run reports what would be rewritten and changes nothing', async () => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const next = ds('`id` Int32 `json:$.id`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
    expect(await storage.alterDatasource(next, { dryRun: true })).toEqual({ rewritten: true, rows: 3 });
    expect(await rows(db, 'SELECT count(*) FROM events WHERE name IS NOT NULL')).toEqual([[3]]);
    expect(storage.datasource('events')).toBe(V1);
  });

  it('serves the migrated rows after a restart, and after a crash right after the swap', async () => {
    const next = ds("`id` Int32 `json:$.id`,\n`ts` DateTime `json:$.ts`,\n`country` String `json:$.country` DEFAULT 'ES'", 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
    const a = await start([V1]);
    await seed(a.storage);
    await a.storage.alterDatasource(next);
    // A crash: nothing flushed or closed after the migration; the WAL still holds the old-schema records.
    a.closed = true;
    const b = await start([next]);
    expect(await rows(b.db, 'SELECT id, country FROM events ORDER BY id')).toEqual([[1, 'ES'], [2, 'ES'], [3, 'ES']]);
    expect(await rows(b.db, 'SELECT count(*) FROM events_quarantine')).toEqual([[1]]);
    await b.storage.append('events', '{"id":4,"ts":"2024-03-01 00:00:00","country":"FR"}', { wait: true });
    await b.storage.close();
    b.closed = true;
    const c = await start([next]);
    expect(await rows(c.db, 'SELECT id, country FROM events ORDER BY id')).toEqual([[1, 'ES'], [2, 'ES'], [3, 'ES'], [4, 'FR']]);
  });

  it('rewrites parts at open when the datafile changed while stopped; a value that does not fit stops the start', async () => {
    const a = await start([V1]);
    await seed(a.storage);
    await a.storage.close();
    a.closed = true;
    const retyped = ds('`id` Int32 `json:$.id`,\n`name` Int32 `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
    await expect(start([retyped])).rejects.toThrow(
      /^datasources\/events\.datasource: the stored rows of events have the columns id, name, ts and cannot be rewritten for the datafile's: .*'a'.*Restore the previous datafile/,
    );
    open.pop()!.db.close();
    const next = ds("`id` Int32 `json:$.id`,\n`ts` DateTime `json:$.ts`,\n`country` String `json:$.country` DEFAULT 'ES'", 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
    const b = await start([next]);
    expect(await rows(b.db, 'SELECT id, country FROM events ORDER BY id')).toEqual([[1, 'ES'], [2, 'ES'], [3, 'ES']]);
    expect(await rows(b.db, 'SELECT id, country FROM events_quarantine')).toEqual([['x', null]]);
    expect(await rows(b.db, `SELECT count(*), min(country) FROM read_parquet('${dir}/events/*/*.parquet')`)).toEqual([[3, 'ES']]);
  });

  it('keeps materialized views running: a view reading the migrated data source, and one filling it', async () => {
    const names = parseDatasource('SCHEMA >\n    `name` String\n', 'datasources/names.datasource');
    const feed = parseDatasource('SCHEMA >\n    `id` Int32 `json:$.id`\n', 'datasources/feed.datasource');
    const views = [
      { name: 'to_names', origin: 'to_names.pipe:3', source: 'events', target: 'names', select: (i: string | null) => `SELECT name FROM ${i ?? 'main.events'}` },
      {
        name: 'to_events',
        origin: 'to_events.pipe:3',
        source: 'feed',
        target: 'events',
        select: (i: string | null) => `SELECT id, 'fed' AS name, TIMESTAMP '2024-05-01' AS ts FROM ${i ?? 'main.feed'}`,
      },
    ];
    const { db, storage } = await start([V1, names, feed]);
    expect(await storage.setViews(views)).toEqual([]);
    await seed(storage);
    const next = ds("`id` Int32 `json:$.id`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`,\n`country` String `json:$.country` DEFAULT 'ES'");
    await storage.alterDatasource(next);
    await storage.append('events', '{"id":5,"name":"e","ts":"2024-01-05 00:00:00"}', { wait: true });
    await storage.append('feed', '{"id":6}', { wait: true });
    // The chain feed → events → names runs too.
    expect(await rows(db, 'SELECT name FROM names ORDER BY name')).toEqual([['123'], ['a'], ['b'], ['e'], ['fed']]);
    expect(await rows(db, 'SELECT id, name, country FROM events WHERE id >= 5 ORDER BY id')).toEqual([[5, 'e', 'ES'], [6, 'fed', 'ES']]);
  });

  it('only re-reads new rows differently when the stored shape is the same', async () => {
    const { db, storage } = await start([V1]);
    await seed(storage);
    const next = ds('`id` Int32 `json:$.ident`,\n`name` String `json:$.name`,\n`ts` DateTime `json:$.ts`', 'ENGINE_PARTITION_KEY toYYYYMM(ts)\nENGINE_SORTING_KEY id\n');
    expect(await storage.alterDatasource(next)).toEqual({ rewritten: false, rows: 0 });
    await storage.append('events', '{"ident":7,"name":"g","ts":"2024-01-07 00:00:00"}', { wait: true });
    expect(await rows(db, 'SELECT id FROM events ORDER BY id')).toEqual([[1], [2], [3], [7]]);
  });
});
