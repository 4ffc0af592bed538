// Storage with the JS path (js-fast-rows.ts + the Appender): small batches skip SQL, the rest behave as before.
// "As before" is checked by running the same appends through a second storage whose Appender always fails, which
// sends every batch down the SQL path (and exercises the JS path's undo: the WAL record is discarded).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { Database, Session } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage } from '../../src/storage/storage.ts';
import { col } from './row-conversion-helpers.ts';
import { CRASH_VIEWS, SESSION_IDS, USER_SESSIONS } from './crash-views.ts';
import { CHARGING_SESSIONS, datasource, ndjson, session } from './ev-charging.ts';


const EVENTS = datasource(
  'events',
  [
    col('id', 'Int64'),
    col('name', 'LowCardinality(String)'),
    col('note', 'Nullable(String)'),
    col('small', 'UInt8'),
    col('ratio', 'Float32'),
    col('amount', 'Float64'),
    col('flag', 'Bool'),
    col('ts', 'DateTime'),
    col('ts_ms', 'DateTime64(3)'),
    col('day', 'Date'),
  ],
  'toYYYYMM(ts)',
  'id',
);

const line = (id: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    name: `n${id % 3}`,
    small: id % 256,
    ratio: 0.5 + id,
    amount: id / 8,
    flag: id % 2 === 0,
    ts: `2024-0${1 + (id % 9)}-1${id % 10} 1${id % 10}:2${id % 10}:3${id % 10}`,
    ts_ms: '2024-03-04T05:06:07',
    day: '2024-12-31',
    ...(id % 4 === 0 ? { note: `é ${id}` } : {}),
    ...extra,
  });

let dir: string;
let dirs: string[] = [];
const opened: { db: Database; storage: Storage; closed: boolean }[] = [];

async function start(at = dir) {
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, at, [EVENTS], { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000, log: () => undefined });
  const h = { db, storage, closed: false };
  opened.push(h);
  return h;
}

async function contents(db: Database): Promise<string[]> {
  const r = await db.query('SELECT * FROM events ORDER BY ALL');
  return r.rows.map((row) => JSON.stringify(row.map((v) => (v === null ? null : typeof v === 'object' ? String(v) : String(v)))));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-js-path-'));
  dirs = [dir];
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const h of opened.splice(0)) {
    if (!h.closed) {
      await h.storage.close();
      h.db.close();
    }
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The bodies through a storage with the JS path and one without; results and rows, and Appender calls. */
async function both(bodies: readonly string[]) {
  const spy = vi.spyOn(Session.prototype, 'appendRows');
  const fresh = await mkdtemp(join(tmpdir(), 'duckbird-js-path-'));
  dirs.push(fresh);
  const a = await start(fresh);
  const withJs = await Promise.all(bodies.map((b) => a.storage.append('events', b, { wait: true })));
  const calls = spy.mock.calls.length;
  spy.mockRejectedValue(new Error('no Appender'));
  const other = await mkdtemp(join(tmpdir(), 'duckbird-js-path-'));
  dirs.push(other);
  const b = await start(other);
  const withoutJs = await Promise.all(bodies.map((x) => b.storage.append('events', x, { wait: true })));
  spy.mockRestore();
  return { a, b, calls, withJs, withoutJs, rowsA: await contents(a.db), rowsB: await contents(b.db) };
}

it('appends small batches of plain lines with the Appender, with the same rows and counts as the SQL path', async () => {
  const bodies = Array.from({ length: 40 }, (_, i) => line(i));
  bodies.push(`${line(100)}\n\n${line(101)}\n`);
  const r = await both(bodies);
  expect(r.calls).toBeGreaterThan(0);
  expect(r.withJs).toEqual(r.withoutJs);
  expect(r.withJs.at(-1)).toEqual({ successfulRows: 2, quarantinedRows: 0 });
  expect(r.rowsA).toHaveLength(42);
  expect(r.rowsA).toEqual(r.rowsB);
  expect(r.a.storage.stats('events')).toMatchObject({ rows: 42 });
  expect(r.rowsA[0]).toBe(
    JSON.stringify(['0', 'n0', 'é 0', '0', '0.5', '0', 'true', '2024-01-10 10:20:30', '2024-03-04 05:06:07', '2024-12-31']),
  );
});

it('falls back to the SQL path for a batch with one doubtful line, with the same result as before', async () => {
  const spy = vi.spyOn(Session.prototype, 'appendRows');
  const doubtful = [
    `${line(1)}\n${line(2).replace(/"amount":[^,]*/, '"amount":-0')}`,
    `${line(3)}\n${line(4, { ts: '2024-01-01 10:00:00.5' })}`,
    `${line(5)}\n${line(6, { id: '6' })}`,
    `${line(7)}\r\n${line(8)}`,
    `${line(9)}\n${line(10, { note: 'a\nb' })}`,
    `${line(11)}\nnot json`,
    `${line(12, { extra: { nested: [1] } })}`,
  ];
  const a = await start();
  for (const b of doubtful) await a.storage.append('events', b, { wait: true });
  expect(spy).not.toHaveBeenCalled();
  spy.mockRestore();
  const r = await both(doubtful);
  expect(r.calls).toBe(0);
  expect(r.withJs).toEqual(r.withoutJs);
  expect(r.withJs.map((x) => x.quarantinedRows)).toEqual([0, 0, 1, 0, 0, 1, 0]);
  expect(r.rowsA).toEqual(r.rowsB);
  expect(r.rowsA).toHaveLength(11);
});

it('replays JS-path appends from the WAL after a crash, once, and after a failed Appender nothing twice', async () => {
  const a = await start();
  for (let i = 0; i < 5; i++) await a.storage.append('events', line(i), { wait: true });
  const before = await contents(a.db);
  a.closed = true; // kill -9: no flush, no close
  const b = await start();
  expect(await contents(b.db)).toEqual(before);
  // The Appender fails: the batch goes the SQL way, and its discarded WAL record does not come back.
  vi.spyOn(Session.prototype, 'appendRows').mockRejectedValueOnce(new Error('no Appender'));
  await b.storage.append('events', line(5), { wait: true });
  await b.storage.append('events', line(6), { wait: true });
  const after = await contents(b.db);
  expect(after).toHaveLength(7);
  b.closed = true;
  const c = await start();
  expect(await contents(c.db)).toEqual(after);
  expect(c.storage.stats('events')).toMatchObject({ rows: 7 });
});

it('does not take the JS path for a data source a materialized view reads', async () => {
  const spy = vi.spyOn(Session.prototype, 'appendRows');
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, [CHARGING_SESSIONS, SESSION_IDS, USER_SESSIONS], {
    flushIntervalMs: 3_600_000,
    fsyncIntervalMs: 3_600_000,
    log: () => undefined,
    views: CRASH_VIEWS,
  });
  opened.push({ db, storage, closed: false });
  expect(await storage.append('charging_sessions', ndjson([session(1)]), { wait: true })).toEqual({ successfulRows: 1, quarantinedRows: 0 });
  expect(spy).not.toHaveBeenCalled();
  expect((await db.query('SELECT count(*) FROM session_ids')).rows).toEqual([[1n]]);
  // The same line in a data source no view reads takes it.
  await storage.append('session_ids', JSON.stringify({ session_id: 'x' }), { wait: true });
  expect(spy).toHaveBeenCalledTimes(1);
  expect((await db.query('SELECT count(*) FROM session_ids')).rows).toEqual([[2n]]);
});
