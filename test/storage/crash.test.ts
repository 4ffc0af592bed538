// kill -9 at arbitrary moments (mid-append, mid-flush, mid-merge): the restart serves exactly the acknowledged
// rows, each once.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage } from '../../src/storage/storage.ts';
import { CHARGING_SESSIONS } from './ev-charging.ts';
import { CRASH_VIEWS, SESSION_IDS, USER_SESSIONS } from './crash-views.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-crash-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer until it acknowledged `acks` appends plus a random delay, then kills it; returns acked numbers. */
function runAndKill(first: number, acks: number, views = false): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const args = [join(import.meta.dirname, 'crash-writer.ts'), dir, String(first), views ? 'views' : 'plain'];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
        if (acked.length === acks) setTimeout(() => child.kill('SIGKILL'), Math.random() * 50);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve([...acked]);
      else reject(new Error(`writer exited with ${code}: ${stderr}`));
    });
  });
}

it('serves exactly the acknowledged rows after repeated kill -9', async () => {
  const acked = new Set<number>();
  let next = 0;
  for (let round = 0; round < 3; round++) {
    for (const n of await runAndKill(next, 12)) acked.add(n);
    next += 10_000;
  }
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, [CHARGING_SESSIONS], { log: () => undefined });
  try {
    const r = await db.query('SELECT session_id, count(*) FROM charging_sessions GROUP BY ALL');
    const seen = new Map(r.rows.map((row) => [row[0] as string, Number(row[1])]));
    expect([...seen.values()].filter((c) => c !== 1)).toEqual([]);
    for (const n of acked) {
      expect(seen.has(`session${n}`), `session${n}`).toBe(true);
      expect(seen.has(`session${n + 1}`), `session${n + 1}`).toBe(true);
    }
    // Appends in flight when killed may or may not have made it, but only whole requests.
    for (const id of seen.keys()) {
      const n = Number(id.slice('session'.length));
      expect(seen.has(`session${n % 2 ? n - 1 : n + 1}`), id).toBe(true);
    }
    await storage.flush();
    const plain = await db.query(`SELECT count(*), count(DISTINCT session_id) FROM read_parquet('${dir}/charging_sessions/*/*.parquet')`);
    expect(plain.rows[0]!.map(Number)).toEqual([seen.size, seen.size]);
  } finally {
    await storage.close();
    db.close();
  }
}, 120_000);

it('keeps materialized views exactly in step with their source across repeated kill -9', async () => {
  const acked = new Set<number>();
  let next = 0;
  for (let round = 0; round < 3; round++) {
    for (const n of await runAndKill(next, 12, true)) acked.add(n);
    next += 10_000;
  }
  const db = await Database.open();
  for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
  const storage = await Storage.open(db, dir, [CHARGING_SESSIONS, SESSION_IDS, USER_SESSIONS], { log: () => undefined, views: CRASH_VIEWS });
  try {
    expect(storage.viewErrors).toEqual([]);
    const rows = async (sql: string) => (await db.query(sql)).rows.map((r) => r.map(String));
    const source = await rows('SELECT session_id FROM charging_sessions ORDER BY 1');
    expect(source.length).toBeGreaterThanOrEqual(acked.size * 2);
    for (const n of acked) expect(source.some((r) => r[0] === `session${n}`), `session${n}`).toBe(true);
    // The copy holds each source row once, and the count states add up to the source's counts per user.
    expect(await rows('SELECT session_id FROM session_ids ORDER BY 1')).toEqual(source);
    const perUser = 'SELECT user_id, count(*) FROM charging_sessions GROUP BY 1 ORDER BY 1';
    expect(await rows('SELECT user_id, sum(sessions) FROM user_sessions GROUP BY 1 ORDER BY 1')).toEqual(await rows(perUser));
  } finally {
    await storage.close();
    db.close();
  }
}, 120_000);
