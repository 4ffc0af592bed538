// Runtime data source operations of the storage engine against a real DuckDB in a temp dir: add/drop while
// running, CSV/Parquet/NDJSON imports (append and atomic replace), delete by condition over parts and buffers,
// and that each of them survives a restart and a crash (WAL replay must not bring deleted or replaced rows back).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { DEFAULT_DIALECT, detectCsvHeader } from '../../src/storage/import-conversion.ts';
import { Storage, type StorageOptions } from '../../src/storage/storage.ts';
import { datasource } from './ev-charging.ts';

let dir: string;
const open: { db: Database; storage: Storage; closed: boolean }[] = [];
const QUIET: StorageOptions = { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000 };

const col = (name: string, type: string, defaultExpr: string | null = null): ColumnDef => ({
  name,
  type,
  nullable: type.startsWith('Nullable('),
  jsonpath: `$.${name}`,
  defaultExpr,
  codec: null,
});

const EVENTS = datasource('events', [col('id', 'Int32'), col('name', 'String'), col('ts', 'DateTime'), col('score', 'Nullable(Float32)')], 'toYYYYMM(ts)', 'id');

async function start(datasources = [EVENTS]) {
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, datasources, { ...QUIET, log: () => undefined });
  await db.lockDown([dir]);
  const h = { db, storage, closed: false };
  open.push(h);
  return h;
}

async function stop(h: { db: Database; storage: Storage; closed: boolean }) {
  await h.storage.close();
  h.db.close();
  h.closed = true;
}

async function rows(db: Database, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v === null ? null : typeof v === 'object' ? String(v) : v)));
}

const line = (id: number, name = `n${id}`, ts = '2024-01-02 03:04:05') => JSON.stringify({ id, name, ts, score: id / 2 });
const body = (ids: number[]) => ids.map((i) => line(i)).join('\n');

async function csvFile(text: string): Promise<string> {
  const f = join(dir, `import-${Math.random()}.csv`);
  await writeFile(f, text);
  return f;
}

async function csvInput(text: string) {
  const file = await csvFile(text);
  const first = text.split('\n')[0]!;
  const header = detectCsvHeader(first, DEFAULT_DIALECT, EVENTS.columns);
  return { format: 'csv' as const, file, dialect: DEFAULT_DIALECT, header, fields: first.split(',').length };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-dsops-'));
});

afterEach(async () => {
  for (const h of open.splice(0)) if (!h.closed) await stop(h);
  await rm(dir, { recursive: true, force: true });
});

describe('addDatasource / dropDatasource', () => {
  it('adds a queryable data source while running, and drops it with its parts and WAL records', async () => {
    const h = await start([]);
    await h.storage.addDatasource(EVENTS);
    await expect(h.storage.addDatasource(EVENTS)).rejects.toThrow('Data Source "events" already exists');
    await h.storage.append('events', body([1, 2]), { wait: true });
    await h.storage.flush();
    await h.storage.append('events', body([3]), { wait: true });
    expect(await rows(h.db, 'SELECT id FROM events ORDER BY id')).toEqual([[1], [2], [3]]);
    expect(await rows(h.db, 'SELECT count(*) FROM events_quarantine')).toEqual([[0]]);
    await h.storage.dropDatasource('events');
    expect(h.storage.has('events')).toBe(false);
    await expect(h.db.query('SELECT * FROM events')).rejects.toThrow(/does not exist/);
    // Re-created under the same name it is empty, now and after a crash that replays the WAL.
    await h.storage.addDatasource(EVENTS);
    expect(await rows(h.db, 'SELECT count(*) FROM events')).toEqual([[0]]);
    h.closed = true; // kill -9: no flush, no close
    const again = await start([EVENTS]);
    expect(await rows(again.db, 'SELECT count(*) FROM events')).toEqual([[0]]);
  });
});

describe('importRows', () => {
  it('appends CSV by position, quarantining fields that do not fit the column type', async () => {
    const { db, storage } = await start();
    const input = await csvInput('1,a,2024-01-02 03:04:05,1.5\n2,"b, c",2024-02-01T00:00:00Z,\nx,d,2024-01-01 00:00:00,2\n3,e,notadate,1\n4,,1704067200,\n');
    const r = await storage.importRows('events', input, { mode: 'append', importId: 'imp1' });
    expect(r).toEqual({ successfulRows: 3, quarantinedRows: 2 });
    expect(await rows(db, 'SELECT id, name, ts, score FROM events ORDER BY id')).toEqual([
      [1, 'a', '2024-01-02 03:04:05', 1.5],
      [2, 'b, c', '2024-02-01 00:00:00', null],
      [4, '', '2024-01-01 00:00:00', null],
    ]);
    expect(await rows(db, 'SELECT c__error_column, c__error[1], c__import_id, id, name, ts, score FROM events_quarantine ORDER BY id')).toEqual([
      ["['ts']", "value 'notadate' on column 'ts' is not DateTime", 'imp1', '3', 'e', 'notadate', '1'],
      ["['id']", "value 'x' on column 'id' is not Int32", 'imp1', 'x', 'd', '2024-01-01 00:00:00', '2'],
    ]);
    expect(storage.stats('events')).toMatchObject({ rows: 3, parts: 2, partitions: 2, quarantineRows: 2 });
  });

  it('maps CSV columns by name when the first record is a header', async () => {
    const { db, storage } = await start();
    const input = await csvInput('ts,name,id\n2024-01-02 00:00:00,a,7\n');
    expect(input.header).toEqual(['ts', 'name', 'id']);
    expect(await storage.importRows('events', input, { mode: 'append' })).toEqual({ successfulRows: 1, quarantinedRows: 0 });
    expect(await rows(db, 'SELECT id, name, ts, score FROM events')).toEqual([[7, 'a', '2024-01-02 00:00:00', null]]);
  });

  it('imports Parquet through the jsonpaths, with the NDJSON quarantine wording', async () => {
    const { db, storage } = await start();
    const file = join(dir, 'in.parquet');
    await db.run(
      `COPY (SELECT * FROM (VALUES (1, 'a', TIMESTAMP '2024-03-01 10:00:00', 0.5), (2, NULL, TIMESTAMP '2024-03-02 10:00:00', NULL)) t(id, name, ts, score)) TO '${file}' (FORMAT parquet)`,
    );
    expect(await storage.importRows('events', { format: 'parquet', file }, { mode: 'append' })).toEqual({ successfulRows: 1, quarantinedRows: 1 });
    expect(await rows(db, 'SELECT id, name, ts, score FROM events')).toEqual([[1, 'a', '2024-03-01 10:00:00', 0.5]]);
    expect(await rows(db, 'SELECT c__error[1] FROM events_quarantine')).toEqual([
      ["Strict type checking failed. Null value not allowed on column 'name'. While accessing jsonpath '$.name'"],
    ]);
  });

  it('replaces every row atomically (parts and buffers), durably, without replaying the old WAL records', async () => {
    const h = await start();
    await h.storage.append('events', body([1, 2]), { wait: true });
    await h.storage.flush();
    await h.storage.append('events', body([3]), { wait: true });
    const r = await h.storage.replace('events', { format: 'ndjson', body: body([10, 11]) });
    expect(r).toEqual({ successfulRows: 2, quarantinedRows: 0 });
    expect(await rows(h.db, 'SELECT id FROM events ORDER BY id')).toEqual([[10], [11]]);
    await h.storage.append('events', body([12]), { wait: true });
    h.closed = true; // kill -9
    const again = await start();
    expect(await rows(again.db, 'SELECT id FROM events ORDER BY id')).toEqual([[10], [11], [12]]);
  });

  it('keeps the old rows when the replace input cannot be read', async () => {
    const { db, storage } = await start();
    await storage.append('events', body([1]), { wait: true });
    await expect(storage.replace('events', { format: 'parquet', file: join(dir, 'missing.parquet') })).rejects.toThrow(/No files found|does not exist/);
    expect(await rows(db, 'SELECT id FROM events')).toEqual([[1]]);
  });
});

describe('deleteWhere', () => {
  it('deletes matching rows from parts and buffers, durably, and leaves the rest', async () => {
    const h = await start();
    await h.storage.append('events', body([1, 2, 3, 4]), { wait: true });
    await h.storage.append('events', [line(5, 'x', '2024-05-01 00:00:00'), line(6, 'y', '2024-06-01 00:00:00')].join('\n'), { wait: true });
    await h.storage.flush();
    await h.storage.append('events', body([7, 8]), { wait: true });
    expect(await h.storage.countWhere('events', 'id % 2 = 0')).toBe(4);
    expect(await h.storage.deleteWhere('events', 'id % 2 = 0')).toBe(4);
    expect(await rows(h.db, 'SELECT id FROM events ORDER BY id')).toEqual([[1], [3], [5], [7]]);
    // The June part held only row 6: it is gone, not rewritten empty.
    expect(h.storage.stats('events')).toMatchObject({ rows: 4, partitions: 2 });
    expect(await h.storage.deleteWhere('events', 'id > 100')).toBe(0);
    await h.storage.append('events', body([9, 10]), { wait: true });
    h.closed = true; // kill -9
    const again = await start();
    expect(await rows(again.db, 'SELECT id FROM events ORDER BY id')).toEqual([[1], [3], [5], [7], [9], [10]]);
  });
});

describe('MergeTree family semantics', () => {
  const withEngine = (name: string, columns: ColumnDef[], engine: Partial<typeof EVENTS.engine>) => {
    const ds = datasource(name, columns, null, 'id');
    return { ...ds, engine: { ...ds.engine, ...engine } };
  };
  const MERGE_ALL = { minParts: 2, maxParts: 10, smallPartRows: 1_000_000 };

  async function startWith(ds: ReturnType<typeof withEngine>) {
    const db = await Database.open();
    for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
    const storage = await Storage.open(db, dir, [ds], { ...QUIET, mergePolicy: MERGE_ALL, log: () => undefined });
    const h = { db, storage, closed: false };
    open.push(h);
    return h;
  }

  async function batches(h: { storage: Storage }, name: string, lines: object[][]) {
    for (const b of lines) {
      await h.storage.append(name, b.map((o) => JSON.stringify(o)).join('\n'), { wait: true });
      await h.storage.flush();
    }
  }

  it('ReplacingMergeTree: FINAL and merges keep the highest version per key; FINAL hides deleted rows', async () => {
    const ds = withEngine('users', [col('id', 'Int32'), col('name', 'String'), col('v', 'UInt32'), col('del', 'UInt8')], {
      engine: 'ReplacingMergeTree',
      ver: 'v',
      isDeleted: 'del',
    });
    const h = await startWith(ds);
    await batches(h, 'users', [
      [{ id: 1, name: 'a1', v: 1, del: 0 }, { id: 2, name: 'b1', v: 1, del: 0 }, { id: 3, name: 'c1', v: 1, del: 0 }],
      [{ id: 1, name: 'a3', v: 3, del: 0 }, { id: 2, name: 'b0', v: 0, del: 0 }, { id: 3, name: 'c2', v: 2, del: 1 }],
    ]);
    await h.storage.append('users', JSON.stringify({ id: 1, name: 'a2', v: 2, del: 0 }), { wait: true });
    expect(await rows(h.db, 'SELECT count(*) FROM users')).toEqual([[7]]);
    expect(await rows(h.db, 'SELECT id, name FROM users__final ORDER BY id')).toEqual([[1, 'a3'], [2, 'b1']]);
    await h.storage.flush();
    await h.storage.compact();
    // The merge deduplicates but keeps the delete marker (ClickHouse without CLEANUP).
    expect(await rows(h.db, 'SELECT id, name, del FROM users ORDER BY id')).toEqual([[1, 'a3', 0], [2, 'b1', 0], [3, 'c2', 1]]);
    expect(h.storage.stats('users')).toMatchObject({ rows: 3, parts: 1 });
  });

  it('ReplacingMergeTree without a version keeps the last inserted row', async () => {
    const h = await startWith(withEngine('last', [col('id', 'Int32'), col('name', 'String')], { engine: 'ReplacingMergeTree' }));
    await batches(h, 'last', [[{ id: 1, name: 'old' }], [{ id: 1, name: 'new' }]]);
    await h.storage.append('last', JSON.stringify({ id: 1, name: 'newest' }), { wait: true });
    expect(await rows(h.db, 'SELECT name FROM last__final')).toEqual([['newest']]);
    await h.storage.flush();
    await h.storage.compact();
    expect(await rows(h.db, 'SELECT name FROM last')).toEqual([['newest']]);
  });

  it('SummingMergeTree sums the numeric columns of a key on merge (and in FINAL)', async () => {
    const h = await startWith(withEngine('totals', [col('id', 'Int32'), col('label', 'String'), col('n', 'UInt64'), col('x', 'Float64')], { engine: 'SummingMergeTree' }));
    await batches(h, 'totals', [
      [{ id: 1, label: 'first', n: 1, x: 0.5 }, { id: 2, label: 'b', n: 10, x: 1 }],
      [{ id: 1, label: 'second', n: 2, x: 0.25 }],
    ]);
    expect(await rows(h.db, 'SELECT id, label, n, x FROM totals__final ORDER BY id')).toEqual([[1, 'first', 3, 0.75], [2, 'b', 10, 1]]);
    await h.storage.compact();
    expect(await rows(h.db, 'SELECT id, label, n, x FROM totals ORDER BY id')).toEqual([[1, 'first', 3, 0.75], [2, 'b', 10, 1]]);
  });

  it('ENGINE_TTL drops expired rows when parts are written, not before', async () => {
    const h = await startWith(withEngine('ttl', [col('id', 'Int32'), col('ts', 'DateTime')], { engine: 'MergeTree', ttl: 'ts + toIntervalDay(1)' }));
    const recent = new Date(Date.now() - 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    await h.storage.append('ttl', [JSON.stringify({ id: 1, ts: '2020-01-01 00:00:00' }), JSON.stringify({ id: 2, ts: recent })].join('\n'), { wait: true });
    expect(await rows(h.db, 'SELECT id FROM ttl ORDER BY id')).toEqual([[1], [2]]);
    await h.storage.flush();
    expect(await rows(h.db, 'SELECT id FROM ttl ORDER BY id')).toEqual([[2]]);
  });

  it('ENGINE_TTL: parts that hold rows expired since they were written are rewritten without them', async () => {
    const h = await startWith(withEngine('ttl2', [col('id', 'Int32'), col('ts', 'DateTime')], { engine: 'MergeTree', ttl: 'ts + toIntervalSecond(2)' }));
    const now = Date.now();
    const ts = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
    await h.storage.append('ttl2', [JSON.stringify({ id: 1, ts: ts(now + 1000) }), JSON.stringify({ id: 2, ts: ts(now + 3_600_000) })].join('\n'), { wait: true });
    await h.storage.flush();
    expect(await h.storage.expireTtl()).toBe(0);
    expect(await rows(h.db, 'SELECT id FROM ttl2 ORDER BY id')).toEqual([[1], [2]]);
    // Row 1 expires 3 s after it was written; nothing writes its part again.
    await new Promise((r) => setTimeout(r, Math.max(0, now + 4000 - Date.now())));
    expect(await h.storage.expireTtl()).toBe(1);
    expect(await rows(h.db, 'SELECT id FROM ttl2 ORDER BY id')).toEqual([[2]]);
    expect(h.storage.stats('ttl2')).toMatchObject({ rows: 1, parts: 1 });
  });

  it('CollapsingMergeTree: FINAL keeps the state rows that were not cancelled', async () => {
    const h = await startWith(withEngine('states', [col('id', 'Int32'), col('v', 'Int32'), col('sign', 'Int8')], { engine: 'CollapsingMergeTree', sign: 'sign' }));
    await batches(h, 'states', [[{ id: 1, v: 10, sign: 1 }, { id: 2, v: 20, sign: 1 }], [{ id: 1, v: 10, sign: -1 }, { id: 1, v: 11, sign: 1 }, { id: 2, v: 20, sign: -1 }]]);
    expect(await rows(h.db, 'SELECT id, v FROM states__final ORDER BY id')).toEqual([[1, 11]]);
  });
});

describe('concurrency', () => {
  it('many writers into two data sources, imports, deletes and readers at once: no lost rows, no duplicates, no errors', async () => {
    const OTHER = datasource('other', [col('id', 'Int32')], null, 'id');
    const db = await Database.open();
    for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
    const storage = await Storage.open(db, dir, [EVENTS, OTHER], {
      ...QUIET,
      flushRows: 50,
      mergePolicy: { minParts: 3, maxParts: 6, smallPartRows: 100 },
      log: () => undefined,
    });
    open.push({ db, storage, closed: false });
    const writers = Array.from({ length: 8 }, (_, w) =>
      (async () => {
        for (let i = 0; i < 25; i++) {
          const id = w * 1000 + i;
          await storage.append('events', line(id), { wait: i % 2 === 0 });
          await storage.append('other', JSON.stringify({ id }), { wait: false });
        }
      })(),
    );
    let stop = false;
    let queries = 0;
    const readers = Array.from({ length: 3 }, () =>
      (async () => {
        while (!stop) {
          const lease = storage.beginRead();
          try {
            const [[n, distinct]] = (await db.query('SELECT count(*), count(DISTINCT id) FROM events')).rows as [bigint, bigint][];
            expect(n).toBe(distinct);
          } finally {
            lease.release();
          }
          queries++;
        }
      })(),
    );
    const csv = await csvInput(Array.from({ length: 100 }, (_, i) => `${90000 + i},csv,2024-01-01 00:00:00,`).join('\n'));
    const side = (async () => {
      await storage.importRows('events', csv, { mode: 'append' });
      // Deletes only rows no writer sends (ids >= 90050), while the writers keep going.
      expect(await storage.deleteWhere('events', 'id >= 90050')).toBe(50);
    })();
    await Promise.all([...writers, side]);
    stop = true;
    await Promise.all(readers);
    await storage.flush();
    await storage.compact();
    const expected = Array.from({ length: 8 }, (_, w) => Array.from({ length: 25 }, (_, i) => w * 1000 + i)).flat();
    expect(await rows(db, 'SELECT count(*), count(DISTINCT id) FROM events WHERE id < 90000')).toEqual([[200, 200]]);
    expect((await rows(db, 'SELECT id FROM other ORDER BY id')).map((r) => r[0])).toEqual(expected.sort((a, b) => a - b));
    expect(await rows(db, 'SELECT count(*) FROM events WHERE id >= 90000')).toEqual([[50]]);
    expect(queries).toBeGreaterThan(0);
  });
});
