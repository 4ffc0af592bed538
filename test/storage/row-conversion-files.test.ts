// Large batches through Storage: written to _ingest/ and inserted by the JSON reader's direct statement
// (row-conversion.ts planNdjsonFileDirect) when every line allows it, else converted the full way, from the files
// or, when DuckDB's CSV reader would split them differently, from the text. Either way the same answers.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Database, Session } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage } from '../../src/storage/storage.ts';
import { CHARGING_SESSIONS, ndjson, session } from './ev-charging.ts';

let dir: string;
let handles: { db: Database; storage: Storage }[] = [];

async function start() {
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, [CHARGING_SESSIONS], { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000, log: () => undefined });
  await db.lockDown([dir]);
  handles.push({ db, storage });
  return { db, storage };
}

async function table(db: Database, sql: string): Promise<string[]> {
  return (await db.query(sql)).rows.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

const ALL = 'SELECT * FROM charging_sessions ORDER BY session_id';

/** SQL of the inserts that read the batch with read_json, while `fn` runs. */
async function jsonInserts(fn: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(Session.prototype, 'runCount');
  try {
    await fn();
    return spy.mock.calls.filter(([sql]) => sql.startsWith('INSERT') && sql.includes('read_json(')).length;
  } finally {
    spy.mockRestore();
  }
}

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => session(from + i));

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-files-'));
  handles = [];
});

afterEach(async () => {
  for (const h of handles) {
    await h.storage.close().catch(() => undefined);
    h.db.close();
  }
  await rm(dir, { recursive: true, force: true });
});

describe('large batches', () => {
  it('go straight from the files into the buffer, logged as sent', async () => {
    const a = await start();
    const bodies = [ndjson(rows(0, 400)), `${ndjson(rows(400, 300)).replaceAll('\n', '\r\n')}\r\n\n  \n`, ndjson(rows(700, 350))];
    expect(bodies.every((b) => b.length > 64 * 1024)).toBe(true);
    let results: unknown[] = [];
    const inserts = await jsonInserts(async () => {
      results = await Promise.all(bodies.map((b) => a.storage.append('charging_sessions', b, { wait: true })));
    });
    expect(inserts).toBeGreaterThanOrEqual(1);
    expect(results).toEqual([
      { successfulRows: 400, quarantinedRows: 0 },
      { successfulRows: 300, quarantinedRows: 0 },
      { successfulRows: 350, quarantinedRows: 0 },
    ]);
    expect(await readdir(join(dir, '_ingest'))).toEqual([]);
    const before = await table(a.db, ALL);
    expect(before).toHaveLength(1050);
    // The write-ahead log replays into the same rows (through the full conversion).
    await a.storage.close();
    a.db.close();
    handles = [];
    const b = await start();
    expect(await table(b.db, ALL)).toEqual(before);
  });

  it('that the JSON reader refuses are converted the full way, from the files or from the text', async () => {
    const good = ndjson(rows(0, 400));
    const cases: [string, string, { successfulRows: number; quarantinedRows: number }][] = [
      // A BOM: the full conversion drops it, the JSON reader fails on it.
      ['bom', `\uFEFF${good}`, { successfulRows: 400, quarantinedRows: 0 }],
      // A value the fast path does not take.
      ['bad value', `${good}\n${JSON.stringify({ ...session(9000), amount_paid: 'x' })}`, { successfulRows: 400, quarantinedRows: 1 }],
      // A CR inside a line: the CSV reader would split it, so the batch is converted from the text.
      ['bare CR', `${good}\n{"session_id":"a\r"}`, { successfulRows: 400, quarantinedRows: 1 }],
      // A key twice: the JSON reader fails, the full conversion takes the first value.
      ['duplicate key', `${good}\n${JSON.stringify(session(9001)).slice(0, -1)},"user_id":"again"}`, { successfulRows: 401, quarantinedRows: 0 }],
    ];
    for (const [name, body, expected] of cases) {
      await rm(dir, { recursive: true, force: true });
      const a = await start();
      let result: unknown;
      const inserts = await jsonInserts(async () => {
        result = await a.storage.append('charging_sessions', body, { wait: false });
      });
      expect([name, inserts, result]).toEqual([name, 1, expected]);
      expect(await readdir(join(dir, '_ingest'))).toEqual([]);
      // The same rows as the text path gives (a body below the file threshold, one line at a time).
      const viaText = await Promise.all(body.split('\n').map((l) => a.storage.append('charging_sessions', l, { wait: false })));
      const sum = viaText.reduce(
        (t, r) => ({ successfulRows: t.successfulRows + r.successfulRows, quarantinedRows: t.quarantinedRows + r.quarantinedRows }),
        { successfulRows: 0, quarantinedRows: 0 },
      );
      expect([name, sum]).toEqual([name, expected]);
      const pairs = await table(a.db, 'SELECT session_id, count(*) FROM charging_sessions GROUP BY ALL HAVING count(*) <> 2');
      expect([name, pairs]).toEqual([name, []]);
      await a.storage.close();
      a.db.close();
      handles = [];
    }
  });
});
