// How a flush writes its parts (storage.ts writeBufferParts): one part per partition value, every row in the
// part of its own partition, each part sorted by the sorting key in file order, with 16k-row groups and LZ4. The
// rows arrive out of order and span several row groups, so a part cut at the wrong place or left unsorted shows.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import type { Manifest } from '../../src/storage/manifest.ts';
import { Storage } from '../../src/storage/storage.ts';
import { col } from './row-conversion-helpers.ts';
import { datasource } from './ev-charging.ts';


let dir: string;
let handle: { db: Database; storage: Storage } | null = null;
let logs: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-merge-flush-'));
  logs = [];
});

afterEach(async () => {
  if (handle) {
    await handle.storage.close();
    handle.db.close();
    handle = null;
  }
  await rm(dir, { recursive: true, force: true });
  expect(logs).toEqual([]);
});

async function rows(db: Database, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v === null ? null : typeof v === 'object' ? String(v) : v)));
}

// 160,000 rows over 3 months and a NULL month, in an order unrelated to the sorting key (k, id): 40,000 rows a
// part, so parts have several row groups, and more rows than one DuckDB row group (122,880) in the flush.
const N = 160_000;
const MONTHS = ['2024-01-01 00', '2024-03-15 12', '2023-12-31 23', null];
const two = (n: number) => String(n).padStart(2, '0');
const row = (i: number) => {
  const month = MONTHS[i % 4];
  return { id: (i * 7919) % N, k: `k${(i * 31) % 97}`, ts: month === null ? null : `${month}:${two((i * 13) % 60)}:${two(i % 60)}` };
};

describe('flush parts', () => {
  // Partition folder -> the partition key of every row in it.
  const months = { '202312': 202312, '202401': 202401, '202403': 202403, __HIVE_DEFAULT_PARTITION__: null };
  it.each([
    ['a month of a nullable DateTime', 'toYYYYMM(ts)', 'toYYYYMM(ts)', months],
    ['an integer expression (and a column named rowid)', 'rowid // 40000', '"rowid" // 40000', { '0': 0, '1': 1, '2': 2, '3': 3 }],
  ])('are cut by partition and sorted: %s', async (_name, partitionKey, keyOfRow, expected: Record<string, number | null>) => {
    const idColumn = partitionKey.includes('rowid') ? 'rowid' : 'id';
    const ds = datasource('events', [col(idColumn, 'Int32'), col('k', 'String'), col('ts', 'Nullable(DateTime)')], partitionKey, `k, ${idColumn}`);
    const db = await Database.open();
    for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
    const storage = await Storage.open(db, dir, [ds], { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000, log: (m) => logs.push(m) });
    handle = { db, storage };
    const body = Array.from({ length: N }, (_, i) => JSON.stringify(row(i)).replace('"id"', `"${idColumn}"`)).join('\n');
    expect(await storage.append('events', body, { wait: false })).toEqual({ successfulRows: N, quarantinedRows: 0 });
    const id = `"${idColumn}"`;
    await db.run('CREATE TABLE main.before_flush AS SELECT * FROM events');
    await storage.flush();

    const m = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8')) as Manifest;
    const parts = m.tables['events']!.parts;
    expect(parts.map((p) => [p.file.replace(/part-\d+/, 'part-N'), p.partition, p.rows])).toEqual(
      Object.keys(expected).map((folder) => [`events/partition=${folder}/part-N.parquet`, folder, 40_000]),
    );
    for (const part of parts) {
      const file = `'${join(dir, part.file)}'`;
      const unsorted =
        `SELECT count(*) FROM (SELECT k, ${id} AS i, lag(k) OVER w AS pk, lag(${id}) OVER w AS pi ` +
        `FROM read_parquet(${file}, file_row_number = true) WINDOW w AS (ORDER BY file_row_number)) WHERE pk > k OR (pk = k AND pi > i)`;
      expect(await rows(db, unsorted)).toEqual([[0]]);
      expect(await rows(db, `SELECT DISTINCT ${keyOfRow} FROM read_parquet(${file})`)).toEqual([[expected[part.partition]]]);
      // DuckDB closes a row group at the first vector (2,048 rows) that reaches ROW_GROUP_SIZE; a part cut from the
      // middle of a vector starts with a partial one, so groups hold 16,384 rows up to one vector more.
      const groups = (await rows(db, `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${file}) ORDER BY 1`)).map((r) => r[1] as number);
      expect(groups).toHaveLength(3);
      expect(groups.reduce((a, b) => a + b, 0)).toBe(40_000);
      for (const g of groups.slice(0, -1)) expect(g >= 16_384 && g < 16_384 + 2_048).toBe(true);
      expect(await rows(db, `SELECT DISTINCT compression FROM parquet_metadata(${file})`)).toEqual([['LZ4_RAW']]);
    }
    const diff = (a: string, b: string) => rows(db, `SELECT count(*) FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b})`);
    expect([await diff('before_flush', 'events'), await diff('events', 'before_flush')]).toEqual([[[0]], [[0]]]);
    expect(await rows(db, 'SELECT count(*), count(DISTINCT k), count(ts) FROM before_flush')).toEqual([[N, 97, (N * 3) / 4]]);
  });
});
