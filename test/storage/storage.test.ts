// The storage engine against a real DuckDB in a temp dir: ingest -> buffer -> Parquet parts -> views, restart,
// WAL replay after a simulated crash, merges, and plain read_parquet over the folders.
import { appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage, type StorageOptions } from '../../src/storage/storage.ts';
import { CHARGING_SESSIONS, datasource, ndjson, session } from './ev-charging.ts';

let dir: string;
const open: { db: Database; storage: Storage; closed: boolean }[] = [];
let logs: string[];

// Timers far away so tests decide when flushes happen (except where a test sets them).
const QUIET: StorageOptions = { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000 };

async function start(opts: StorageOptions = {}, datasources = [CHARGING_SESSIONS]) {
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, datasources, { ...QUIET, log: (m) => logs.push(m), ...opts });
  // As in production (service/duckbird.ts): DuckDB may touch only the data dir from here on.
  await db.lockDown([dir]);
  const handle = { db, storage, closed: false };
  open.push(handle);
  return handle;
}

async function stop(h: { db: Database; storage: Storage; closed: boolean }) {
  await h.storage.close();
  h.db.close();
  h.closed = true;
}

/** What a kill -9 leaves: no flush, no close; the process's DuckDB and timers just stop being used. */
function crash(h: { db: Database; storage: Storage; closed: boolean }) {
  h.closed = true;
}

async function rows(db: Database, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v === null ? null : typeof v === 'object' ? String(v) : v)));
}

async function ids(db: Database, table = 'charging_sessions'): Promise<string[]> {
  return (await rows(db, `SELECT session_id FROM ${table} ORDER BY session_id`)).map((r) => r[0] as string);
}

const expectedIds = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `session${i + from}`).sort();

async function partFiles(table = 'charging_sessions'): Promise<string[]> {
  const out: string[] = [];
  for (const folder of (await readdir(join(dir, table)).catch(() => [])).sort()) {
    for (const f of (await readdir(join(dir, table, folder))).sort()) out.push(`${folder}/${f}`);
  }
  return out;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-storage-'));
  logs = [];
});

afterEach(async () => {
  for (const h of open.splice(0)) {
    if (!h.closed) await stop(h);
  }
  await rm(dir, { recursive: true, force: true });
});

describe('Storage', () => {
  it('makes appended rows visible to the next query, typed as declared', async () => {
    const { db, storage } = await start();
    const res = await storage.append('charging_sessions', ndjson([session(1), session(2)]), { wait: false });
    expect(res).toEqual({ successfulRows: 2, quarantinedRows: 0 });
    const r = await db.query('SELECT * FROM charging_sessions ORDER BY session_id');
    expect(r.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'session_id VARCHAR',
      'station_id VARCHAR',
      'user_id VARCHAR',
      'start_time TIMESTAMP',
      'end_time TIMESTAMP',
      'energy_consumed DOUBLE',
      'amount_paid DOUBLE',
      'charging_type VARCHAR',
      'location VARCHAR',
      'timestamp TIMESTAMP',
    ]);
    expect(await rows(db, 'SELECT session_id, station_id, start_time, amount_paid FROM charging_sessions ORDER BY 1')).toEqual([
      ['session1', 'station1', '2024-01-26 10:00:01', 10],
      ['session2', 'station2', '2024-01-26 10:00:02', 10],
    ]);
    expect(storage.stats('charging_sessions')).toMatchObject({ rows: 2, parts: 0, partitions: 0, quarantineRows: 0 });
  });

  it('flushes into sorted Parquet parts in month folders, with the same types through the view', async () => {
    const { db, storage } = await start();
    const batch = [session(3, 2), session(1, 1, 'b'), session(2, 1, 'a'), session(4, 2, 'a')];
    await storage.append('charging_sessions', ndjson(batch), { wait: true });
    await storage.flush();
    expect(await partFiles()).toEqual(['partition=202401/part-0000000001.parquet', 'partition=202402/part-0000000002.parquet']);
    const r = await db.query('SELECT * FROM charging_sessions');
    expect(r.columns.map((c) => c.type)).toEqual(['VARCHAR', 'VARCHAR', 'VARCHAR', 'TIMESTAMP', 'TIMESTAMP', 'DOUBLE', 'DOUBLE', 'VARCHAR', 'VARCHAR', 'TIMESTAMP']);
    expect(await ids(db)).toEqual(['session1', 'session2', 'session3', 'session4']);
    // Sorted by ENGINE_SORTING_KEY inside each part.
    const jan = await rows(db, `SELECT station_id FROM read_parquet('${dir}/charging_sessions/partition=202401/*.parquet')`);
    expect(jan).toEqual([['a'], ['b']]);
    expect(storage.stats('charging_sessions')).toMatchObject({ rows: 4, parts: 2, partitions: 2 });
    expect(JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8'))).toMatchObject({ walSeq: 1, nextPartId: 3 });
  });

  it('quarantines bad rows into <ds>_quarantine and keeps them through a flush', async () => {
    const { db, storage } = await start();
    const bad = { ...session(9), energy_consumed: 'lots' };
    const res = await storage.append('charging_sessions', [JSON.stringify(session(1)), JSON.stringify(bad), 'not json'].join('\n'), {
      wait: true,
    });
    expect(res).toEqual({ successfulRows: 1, quarantinedRows: 2 });
    const check = async () =>
      expect(
        await rows(
          db,
          `SELECT array_to_string(c__error_column, '|'), array_to_string(c__error, '|'), c__import_id, session_id, energy_consumed
           FROM charging_sessions_quarantine ORDER BY session_id NULLS LAST`,
        ),
      ).toEqual([
        [
          'energy_consumed',
          "Strict type checking failed. Value lots on column 'energy_consumed' is a string when a Float64 was expected. While accessing jsonpath '$.energy_consumed'",
          null,
          'session9',
          'lots',
        ],
        ['', "Line is not a valid JSON: 'not json'", null, null, null],
      ]);
    await check();
    await storage.flush();
    await check();
    expect(await partFiles('charging_sessions_quarantine')).toEqual(['partition=all/part-0000000002.parquet']);
    expect(storage.stats('charging_sessions')).toMatchObject({ rows: 1, quarantineRows: 2 });
    const q = await db.query('SELECT * FROM charging_sessions_quarantine LIMIT 0');
    expect(q.columns.map((c) => `${c.name} ${c.type}`).slice(0, 4)).toEqual([
      'c__error_column VARCHAR[]',
      'c__error VARCHAR[]',
      'c__import_id VARCHAR',
      'session_id VARCHAR',
    ]);
    expect(q.columns.at(-1)).toEqual({ name: 'insertion_date', type: 'TIMESTAMP' });
  });

  it('keeps rows across close and reopen, flushed or not', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1), session(2)]), { wait: true });
    await a.storage.flush();
    await a.storage.append('charging_sessions', ndjson([session(3)]), { wait: false });
    await stop(a);
    const b = await start();
    expect(await ids(b.db)).toEqual(['session1', 'session2', 'session3']);
    expect(b.storage.stats('charging_sessions')).toMatchObject({ rows: 3 });
  });

  it('replays the WAL after a crash exactly once, before and after the replayed rows are flushed', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1), session(2)]), { wait: true });
    await a.storage.flush();
    await a.storage.append('charging_sessions', ndjson([session(3)]), { wait: true });
    await a.storage.append('charging_sessions', ndjson([session(4)]), { wait: true });
    crash(a);
    const b = await start();
    expect(await ids(b.db)).toEqual(['session1', 'session2', 'session3', 'session4']);
    await b.storage.flush();
    crash(b);
    const c = await start();
    expect(await ids(c.db)).toEqual(['session1', 'session2', 'session3', 'session4']);
  });

  it('does not replay records already in parts when the old WAL segment survived', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1)]), { wait: true });
    const walDir = join(dir, '_wal');
    const [segment] = await readdir(walDir);
    const saved = await readFile(join(walDir, segment!));
    await a.storage.flush();
    crash(a);
    // Put the flushed segment back: the crash happened after the manifest swap, before the segment was deleted.
    await appendFile(join(walDir, segment!), saved);
    const b = await start();
    expect(await ids(b.db)).toEqual(['session1']);
  });

  it('cuts a torn WAL tail and serves every complete record', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1)]), { wait: true });
    crash(a);
    const walDir = join(dir, '_wal');
    const segments = (await readdir(walDir)).sort();
    await appendFile(join(walDir, segments.at(-1)!), Buffer.from([0x44, 0x42, 0x57, 0x31, 0, 0, 1]));
    const b = await start();
    expect(await ids(b.db)).toEqual(['session1']);
    expect(logs).toEqual([expect.stringMatching(/^write-ahead log: wal-\d+\.log: cut 7 bytes of torn record at offset \d+$/)]);
  });

  it('removes orphan part and temp files at open', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1)]), { wait: true });
    await a.storage.flush();
    await stop(a);
    const folder = join(dir, 'charging_sessions', 'partition=202401');
    await appendFile(join(folder, 'part-0000000099.parquet'), 'junk');
    await appendFile(join(folder, '.part-0000000100.parquet.tmp'), 'junk');
    const b = await start();
    expect(await partFiles()).toEqual(['partition=202401/part-0000000001.parquet']);
    expect(await ids(b.db)).toEqual(['session1']);
  });

  it('truncates a data source, also across a restart with its records still in the WAL', async () => {
    const a = await start();
    await a.storage.append('charging_sessions', ndjson([session(1)]), { wait: true });
    await a.storage.flush();
    await a.storage.append('charging_sessions', ndjson([session(2), { bad: 1 }]), { wait: true });
    await a.storage.truncate('charging_sessions');
    expect(await ids(a.db)).toEqual([]);
    expect(await partFiles()).toEqual([]);
    expect(a.storage.stats('charging_sessions')).toMatchObject({ rows: 0, parts: 0, quarantineRows: 1 });
    await a.storage.append('charging_sessions', ndjson([session(3)]), { wait: true });
    crash(a);
    const b = await start();
    expect(await ids(b.db)).toEqual(['session3']);
    expect(b.storage.stats('charging_sessions')).toMatchObject({ rows: 1, quarantineRows: 1 });
    await b.storage.truncate('charging_sessions_quarantine');
    expect(b.storage.stats('charging_sessions')).toMatchObject({ rows: 1, quarantineRows: 0 });
  });

  it('keeps parts per partition within the policy under many tiny appends, data intact', async () => {
    const { db, storage } = await start({ mergePolicy: { minParts: 4, maxParts: 10, smallPartRows: 1000 } });
    // One request per flush, each touching both months: the worst case for part counts.
    let n = 0;
    for (let round = 0; round < 14; round++, n += 2) {
      await storage.append('charging_sessions', ndjson([session(n, 1), session(n + 1, 2)]), { wait: false });
      await storage.flush();
      const perFolder = new Map<string, number>();
      for (const f of await partFiles()) perFolder.set(f.split('/')[0]!, (perFolder.get(f.split('/')[0]!) ?? 0) + 1);
      for (const count of perFolder.values()) expect(count).toBeLessThanOrEqual(10);
    }
    await storage.compact();
    const files = await partFiles();
    const perPartition = new Map<string, number>();
    for (const f of files) perPartition.set(f.split('/')[0]!, (perPartition.get(f.split('/')[0]!) ?? 0) + 1);
    expect([...perPartition.keys()]).toEqual(['partition=202401', 'partition=202402']);
    for (const count of perPartition.values()) expect(count).toBeLessThan(4);
    expect(await ids(db)).toEqual(expectedIds(n));
    const plain = await rows(db, `SELECT count(*), count(DISTINCT session_id) FROM read_parquet('${dir}/charging_sessions/*/*.parquet')`);
    expect(plain).toEqual([[n, n]]);
    expect(storage.stats('charging_sessions')).toMatchObject({ rows: n, parts: files.length, partitions: 2 });
  });

  it('lets plain read_parquet over the folders find every flushed row exactly once, with a read lease open', async () => {
    const { db, storage } = await start({ mergePolicy: { minParts: 2, maxParts: 10, smallPartRows: 1000 } });
    for (let i = 0; i < 5; i++) {
      await storage.append('charging_sessions', ndjson([session(i)]), { wait: false });
      await storage.flush();
    }
    const lease = storage.beginRead();
    await storage.compact();
    // The lease predates the merge, so the merged-away parts still exist for that query...
    expect((await partFiles()).length).toBeGreaterThan(1);
    expect(await ids(db)).toEqual(expectedIds(5));
    lease.release();
    await new Promise((r) => setTimeout(r, 50));
    // ...and are gone once it ends.
    expect(await partFiles()).toEqual([expect.stringMatching(/^partition=202401\/part-\d+\.parquet$/)]);
    expect(await rows(db, `SELECT count(*), count(DISTINCT session_id) FROM read_parquet('${dir}/charging_sessions/*/*.parquet')`)).toEqual([[5, 5]]);
  });

  it('never shows a query a row twice or not at all while flushes and merges swap parts', async () => {
    const { db, storage } = await start({ mergePolicy: { minParts: 2, maxParts: 10, smallPartRows: 1000 } });
    let n = 0;
    for (let i = 0; i < 4; i++, n += 2) {
      await storage.append('charging_sessions', ndjson([session(n, 1), session(n + 1, 2)]), { wait: false });
      await storage.flush();
    }
    for (let i = 0; i < 3; i++, n += 2) await storage.append('charging_sessions', ndjson([session(n, 1), session(n + 1, 3)]), { wait: false });
    let done = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!done) {
        const lease = storage.beginRead();
        try {
          const r = await rows(db, 'SELECT count(*), count(DISTINCT session_id) FROM charging_sessions');
          seen.push(JSON.stringify(r[0]));
        } finally {
          lease.release();
        }
      }
    })();
    await storage.flush();
    await storage.compact();
    done = true;
    await reader;
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([JSON.stringify([n, n])]));
    expect(storage.stats('charging_sessions')).toMatchObject({ rows: n, partitions: 3 });
    expect(await ids(db)).toEqual(expectedIds(n));
  });

  it('flushes by itself on the timer and fsyncs without wait', async () => {
    const { db, storage } = await start({ flushIntervalMs: 50, fsyncIntervalMs: 20 });
    await storage.append('charging_sessions', ndjson([session(1)]), { wait: false });
    for (let i = 0; i < 100 && storage.stats('charging_sessions').parts === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await partFiles()).toEqual(['partition=202401/part-0000000001.parquet']);
    expect(await ids(db)).toEqual(['session1']);
  });

  it('flushes when a buffer reaches flushRows', async () => {
    const { storage } = await start({ flushRows: 10 });
    await storage.append('charging_sessions', ndjson(Array.from({ length: 10 }, (_, i) => session(i))), { wait: false });
    for (let i = 0; i < 100 && storage.stats('charging_sessions').parts === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await partFiles()).toEqual(['partition=202401/part-0000000001.parquet']);
  });

  it('writes one partition=all folder for a data source without partition key, and serves appends during a flush', async () => {
    const ds = datasource('events', CHARGING_SESSIONS.columns.slice(0, 2), 'tuple()', 'tuple()');
    const { db, storage } = await start({}, [ds]);
    await storage.append('events', ndjson([session(1), session(2)]), { wait: true });
    const flushing = storage.flush();
    const during = storage.append('events', ndjson([session(3)]), { wait: true });
    await Promise.all([flushing, during]);
    expect(await ids(db, 'events')).toEqual(['session1', 'session2', 'session3']);
    await storage.flush();
    const files = await partFiles('events');
    expect(files.map((f) => f.split('/')[0])).toEqual(files.map(() => 'partition=all'));
    expect(await rows(db, `SELECT count(*) FROM read_parquet('${dir}/events/*/*.parquet')`)).toEqual([[3]]);
  });

  it('answers concurrent appends each with its own counts, and replays them all once', async () => {
    const a = await start();
    const bodies = Array.from({ length: 12 }, (_, i) =>
      i % 3 === 0
        ? [JSON.stringify(session(i * 10)), '', JSON.stringify({ ...session(i * 10 + 1), amount_paid: 'x' })].join('\n')
        : i % 3 === 1
          ? ndjson([session(i * 10), session(i * 10 + 1), session(i * 10 + 2)]) + '\n'
          : '\n',
    );
    const results = await Promise.all(bodies.map((b, i) => a.storage.append('charging_sessions', b, { wait: i % 2 === 0 })));
    expect(results).toEqual(
      bodies.map((_, i) =>
        i % 3 === 0
          ? { successfulRows: 1, quarantinedRows: 1 }
          : i % 3 === 1
            ? { successfulRows: 3, quarantinedRows: 0 }
            : { successfulRows: 0, quarantinedRows: 0 },
      ),
    );
    const expected = bodies
      .flatMap((_, i) => (i % 3 === 0 ? [i * 10] : i % 3 === 1 ? [i * 10, i * 10 + 1, i * 10 + 2] : []))
      .map((n) => `session${n}`)
      .sort();
    expect(expected).toHaveLength(16);
    expect(await ids(a.db)).toEqual(expected);
    expect(a.storage.stats('charging_sessions')).toMatchObject({ rows: 16, quarantineRows: 4 });
    crash(a);
    const b = await start();
    expect(await ids(b.db)).toEqual(expected);
    expect(await rows(b.db, 'SELECT count(*) FROM charging_sessions_quarantine')).toEqual([[4]]);
  });

  it('converts large batches from files and the same rows bound as a string alike, leaving no file behind', async () => {
    const a = await start();
    // > 64K characters: read by DuckDB's CSV reader from _ingest/, unless a body holds what that reader would read
    // differently (NUL, chr(31), a CR not before a LF), then the batch is bound as a string.
    const big = (from: number, extra: string, eol = '\n') =>
      [
        '\uFEFF' + JSON.stringify(session(from)),
        '',
        '   ',
        ...Array.from({ length: 300 }, (_, i) => JSON.stringify(session(from + 1 + i))),
        JSON.stringify({ ...session(from + 301), amount_paid: 'x' }),
        extra,
        '"not json',
      ].join(eol);
    const bodies = ['', big(0, '{"ok":false}'), '\n', big(1000, '{"s":"x,y;z|w\\\\"}', '\r\n'), ndjson([session(5000)])];
    expect(bodies[1]!.length).toBeGreaterThan(64 * 1024);
    const results = await Promise.all(bodies.map((b) => a.storage.append('charging_sessions', b, { wait: false })));
    expect(results).toEqual([
      { successfulRows: 0, quarantinedRows: 0 },
      { successfulRows: 301, quarantinedRows: 3 },
      { successfulRows: 0, quarantinedRows: 0 },
      { successfulRows: 301, quarantinedRows: 3 },
      { successfulRows: 1, quarantinedRows: 0 },
    ]);
    const alone = await Promise.all(
      [big(2000, '{"session_id":"a\u0000b"}'), big(3000, '{"a":1}\r{"b":2}'), big(4000, '\u001f'), big(5001, '')].map((b) =>
        a.storage.append('charging_sessions', b, { wait: true }),
      ),
    );
    expect(alone).toEqual([
      { successfulRows: 301, quarantinedRows: 3 },
      { successfulRows: 301, quarantinedRows: 3 },
      { successfulRows: 301, quarantinedRows: 3 },
      { successfulRows: 301, quarantinedRows: 2 },
    ]);
    expect(await readdir(join(dir, '_ingest'))).toEqual([]);
    const firsts = [0, 1000, 2000, 3000, 4000, 5001];
    const expected = [...firsts.flatMap((f) => Array.from({ length: 301 }, (_, i) => `session${f + i}`)), 'session5000'].sort();
    expect(await ids(a.db)).toEqual(expected);
    const errors = 'SELECT count(*), count(DISTINCT c__error) FROM charging_sessions_quarantine';
    expect(await rows(a.db, errors)).toEqual([[17, 6]]);
    crash(a);
    const b = await start();
    expect(await ids(b.db)).toEqual(expected);
    expect(await rows(b.db, errors)).toEqual([[17, 6]]);
  });

  it('keeps every column type exact through Parquet parts and merges', async () => {
    const col = (name: string, type: string) => ({ ...CHARGING_SESSIONS.columns[0]!, name, type, jsonpath: `$.${name}`, nullable: type.startsWith('Nullable') });
    const ds = datasource(
      'typed',
      [
        col('ts', 'DateTime'),
        col('ts3', 'DateTime64(3)'),
        col('big', 'Int128'),
        col('u', 'UInt8'),
        col('n', 'Nullable(Int32)'),
        col('tags', 'Array(String)'),
        col('lc', 'LowCardinality(String)'),
        col('amount', 'Decimal(18, 4)'),
      ],
      'toYYYYMM(ts)',
      'lc, ts',
    );
    const { db, storage } = await start({ mergePolicy: { minParts: 2, maxParts: 10, smallPartRows: 1000 } }, [ds]);
    const line = (i: number) =>
      `{"ts":"2024-05-0${i} 10:00:00","ts3":"2024-05-0${i} 10:00:00.123","big":12345678901234567890123${i},"u":${i},"n":null,"tags":["a","b${i}"],"lc":"x","amount":1.2345}`;
    const sql = `SELECT typeof(ts), typeof(ts3), typeof(big), typeof(u), typeof(n), typeof(tags), typeof(lc), typeof(amount),
      ts::VARCHAR, ts3::VARCHAR, big::VARCHAR, u, n, tags::VARCHAR, lc, amount::VARCHAR FROM typed ORDER BY u`;
    await storage.append('typed', line(1), { wait: true });
    const buffered = await rows(db, sql);
    expect(buffered).toEqual([
      ['TIMESTAMP', 'TIMESTAMP_MS', 'HUGEINT', 'UTINYINT', 'INTEGER', 'VARCHAR[]', 'VARCHAR', 'DECIMAL(18,4)',
        '2024-05-01 10:00:00', '2024-05-01 10:00:00.123', '123456789012345678901231', 1, null, '[a, b1]', 'x', '1.2345'],
    ]);
    await storage.flush();
    expect(await rows(db, sql)).toEqual(buffered);
    await storage.append('typed', line(2), { wait: true });
    await storage.flush();
    await storage.compact();
    expect(storage.stats('typed')).toMatchObject({ rows: 2, parts: 1 });
    const merged = await rows(db, sql);
    expect(merged[0]).toEqual(buffered[0]);
    expect(merged[1]!.slice(8, 11)).toEqual(['2024-05-02 10:00:00', '2024-05-02 10:00:00.123', '123456789012345678901232']);
  });

  it('reads DateTime columns from Parquet without a cast, so time filters reach the scan as constants', async () => {
    const { db, storage } = await start();
    await storage.append('charging_sessions', ndjson([session(1, 1), session(2, 2)]), { wait: true });
    await storage.flush();
    const plan = (await rows(db, "EXPLAIN SELECT count(*) FROM charging_sessions WHERE start_time >= '2024-01-26 10:00:02'")).map((r) => r[1]).join('\n');
    const scan = plan.slice(plan.indexOf('READ_PARQUET'));
    // The plan box wraps long lines; the pushed-down filter compares the raw column with a TIMESTAMP constant.
    expect(scan.replace(/[│\s]+/g, '')).toContain("Filters:start_time>='2024-01-2610:00:02'::TIMESTAMP");
    expect(scan).not.toContain('CAST');
    expect(await rows(db, "SELECT count(*) FROM charging_sessions WHERE start_time >= '2024-01-26 10:00:02'")).toEqual([[1]]);
  });

  it('answers an unknown data source with NotFoundError', async () => {
    const { storage } = await start();
    await expect(storage.append('nope', '{}', { wait: false })).rejects.toThrow('Data Source "nope" does not exist');
    expect(storage.has('charging_sessions')).toBe(true);
    expect(storage.has('charging_sessions_quarantine')).toBe(true);
    expect(storage.has('nope')).toBe(false);
  });
});
