// The embedding API as another project's test suite uses it: start in-process, query, ingest, reset, close.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDuckbird, type DuckbirdInstance } from '../../src/index.ts';

const PROJECT = join(import.meta.dirname, 'project');

async function rows(db: DuckbirdInstance, pipe: string, params = ''): Promise<unknown[]> {
  const res = await fetch(`${db.url}/v0/pipes/${pipe}.json?${params}`, { headers: { Authorization: `Bearer ${db.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: unknown[] }).data;
}

describe('startDuckbird (ephemeral)', () => {
  let db: DuckbirdInstance;
  beforeAll(async () => {
    db = await startDuckbird({ project: PROJECT, log: () => {} });
  });
  afterAll(() => db.close());

  it('serves the project with the fixtures loaded (NDJSON and CSV) as soon as it resolves', async () => {
    expect(db.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(db.token).toMatch(/^p\./);
    expect(await rows(db, 'top_pages')).toEqual([{ page: '/home', views: 2 }, { page: '/pricing', views: 1 }]);
    expect(await rows(db, 'user_list')).toEqual([
      { user_id: 'u1', name: 'Ada, Countess', age: 36, tags: ['math', 'poetry'], score: 9.5 },
      { user_id: 'u2', name: 'Bob "the builder"', age: 41, tags: [], score: null },
    ]);
  });

  it('reset() empties every data source and loads the fixtures again', async () => {
    const ingest = await fetch(`${db.url}/v0/events?name=events&wait=true`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${db.token}` },
      body: '{"timestamp":"2024-02-01 00:00:00","user":{"id":"u3"},"page":"/new","duration":1}\nnot json',
    });
    expect(await ingest.json()).toEqual({ successful_rows: 1, quarantined_rows: 1 });
    expect(await rows(db, 'top_pages')).toHaveLength(3);
    const loaded = await db.reset();
    expect(loaded.map((l) => [l.datasource, l.rows, l.quarantined])).toEqual([['events', 3, 0], ['users', 2, 0]]);
    expect(await rows(db, 'top_pages')).toEqual([{ page: '/home', views: 2 }, { page: '/pricing', views: 1 }]);
    expect(db.app.storage.stats('events_quarantine').rows).toBe(0);
    await db.reset({ fixtures: false });
    expect(await rows(db, 'top_pages')).toEqual([]);
    await db.reset();
  });

  it('POST /_duckbird/reset does the same over HTTP, for the admin token only', async () => {
    const denied = await fetch(`${db.url}/_duckbird/reset`, { method: 'POST' });
    expect(denied.status).toBe(403);
    const res = await fetch(`${db.url}/_duckbird/reset?fixtures=0`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` } });
    expect(await res.json()).toEqual({ result: 'success', fixtures: [] });
    expect(await rows(db, 'top_pages')).toEqual([]);
    const again = await fetch(`${db.url}/_duckbird/reset`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` } });
    expect(await again.json()).toEqual({ result: 'success', fixtures: [{ datasource: 'events', rows: 3, quarantined_rows: 0 }, { datasource: 'users', rows: 2, quarantined_rows: 0 }] });
  });
});

describe('startDuckbird data folders', () => {
  it('removes its temporary folder at close, and only that one', async () => {
    const db = await startDuckbird({ project: PROJECT, log: () => {} });
    expect(existsSync(db.dataDir)).toBe(true);
    expect(db.dataDir.startsWith(tmpdir())).toBe(true);
    await db.close();
    expect(existsSync(db.dataDir)).toBe(false);
  });

  it('keeps a given data folder, and ignores it when ephemeral is asked for', async () => {
    const data = await mkdtemp(join(tmpdir(), 'duckbird-keep-'));
    try {
      const kept = await startDuckbird({ project: PROJECT, data, adminToken: 'p.keep', log: () => {} });
      expect(kept.dataDir).toBe(data);
      await kept.close();
      expect((await readdir(data)).sort()).toContain('events');
      const eph = await startDuckbird({ project: PROJECT, data, ephemeral: true, log: () => {} });
      expect(eph.dataDir).not.toBe(data);
      await eph.close();
      expect(existsSync(data)).toBe(true);
      expect((await readdir(data)).sort()).toContain('events');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
