// Merges of quiet partitions (merge-policy.ts `quietMs`) through the real storage: a partition that stops getting
// parts ends as one sorted part with the same rows, while a partition that gets a part at every flush keeps its
// parts (the normal policy decides for it) instead of being rewritten at every flush.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import type { Manifest } from '../../src/storage/manifest.ts';
import type { MergePolicy } from '../../src/storage/merge-policy.ts';
import { Storage } from '../../src/storage/storage.ts';
import { CHARGING_SESSIONS, ndjson, session } from './ev-charging.ts';

let dir: string;
let handle: { db: Database; storage: Storage } | null = null;
let logs: string[];

// Normal merges never trigger (minParts 100): every merge seen here is a quiet-partition merge.
const NO_NORMAL_MERGES = { minParts: 100, maxParts: 1000, smallPartRows: 1000, quietMsPerMillionRows: 0 };

async function start(mergePolicy: MergePolicy) {
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, [CHARGING_SESSIONS], {
    flushIntervalMs: 3_600_000,
    fsyncIntervalMs: 3_600_000,
    log: (m) => logs.push(m),
    mergePolicy,
  });
  handle = { db, storage };
  return handle;
}

async function rows(db: Database, sql: string): Promise<unknown[][]> {
  return (await db.query(sql)).rows.map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v === null ? null : typeof v === 'object' ? String(v) : v)));
}

/** Live parts per partition folder, from the manifest (retired files may linger on disk under read leases). */
async function partsPerPartition(): Promise<Record<string, number>> {
  const m = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8')) as Manifest;
  const out: Record<string, number> = {};
  for (const p of m.tables['charging_sessions']?.parts ?? []) out[p.partition] = (out[p.partition] ?? 0) + 1;
  return out;
}

async function until(what: string, done: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const ALL = 'SELECT * FROM charging_sessions ORDER BY session_id';

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-merge-quiet-'));
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

describe('merges of quiet partitions', () => {
  it('merge every part of a partition that got no part for quietMs into one sorted part, rows unchanged', async () => {
    const { db, storage } = await start({ ...NO_NORMAL_MERGES, quietMs: 200 });
    let n = 0;
    for (let round = 0; round < 3; round++) {
      // Stations in descending order across flushes, so the merged part must be re-sorted, not concatenated.
      const batch = [];
      for (let k = 0; k < 4; k++, n++) batch.push(session(n, 1 + (k % 2), `station${9 - round}`));
      await storage.append('charging_sessions', ndjson(batch), { wait: false });
      await storage.flush();
    }
    // Three flushes made three parts a month; a slow machine may already have merged some of them.
    const before = await rows(db, ALL);
    await until('both partitions hold one part', async () => storage.stats('charging_sessions').parts === 2);
    expect(await partsPerPartition()).toEqual({ '202401': 1, '202402': 1 });
    expect(await rows(db, ALL)).toEqual(before);
    expect(before).toHaveLength(12);
    // The part is sorted by the sorting key (station_id, start_time, session_id), as a flushed part is.
    const m = JSON.parse(await readFile(join(dir, '_manifest.json'), 'utf8')) as Manifest;
    for (const part of m.tables['charging_sessions']!.parts) {
      const inFile = await rows(db, `SELECT station_id, start_time, session_id FROM read_parquet('${join(dir, part.file)}', file_row_number = true) ORDER BY file_row_number`);
      const sorted = await rows(db, `SELECT station_id, start_time, session_id FROM read_parquet('${join(dir, part.file)}') ORDER BY ALL`);
      expect(inFile).toEqual(sorted);
      expect(inFile).toHaveLength(6);
    }
  });

  it('leave a partition alone while it gets a part at every flush, and merge it once it stops', async () => {
    const { db, storage } = await start({ ...NO_NORMAL_MERGES, quietMs: 2_000 });
    let n = 0;
    for (let round = 0; round < 2; round++) {
      await storage.append('charging_sessions', ndjson([session(n++, 1), session(n++, 2)]), { wait: false });
      await storage.flush();
    }
    // Month 2 gets a part at every flush until month 1, quiet meanwhile, has been merged.
    let flushes = 0;
    while ((await partsPerPartition())['202401'] !== 1) {
      await storage.append('charging_sessions', ndjson([session(n++, 2)]), { wait: false });
      await storage.flush();
      flushes++;
      // Never rewritten: exactly one more part per flush.
      expect((await partsPerPartition())['202402']).toBe(2 + flushes);
      if (flushes > 300) throw new Error('month 1 was never merged');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(flushes).toBeGreaterThan(3);
    expect(await partsPerPartition()).toEqual({ '202401': 1, '202402': 2 + flushes });
    const before = await rows(db, ALL);
    await until('month 2 holds one part', async () => (await partsPerPartition())['202402'] === 1);
    expect(await partsPerPartition()).toEqual({ '202401': 1, '202402': 1 });
    expect(await rows(db, ALL)).toEqual(before);
    expect(before).toHaveLength(n);
  });

  it('do nothing within quietMs', async () => {
    const { storage } = await start({ ...NO_NORMAL_MERGES, quietMs: 3_600_000 });
    for (let i = 0; i < 3; i++) {
      await storage.append('charging_sessions', ndjson([session(i, 1)]), { wait: false });
      await storage.flush();
    }
    await storage.compact();
    expect(await partsPerPartition()).toEqual({ '202401': 3 });
  });
});
