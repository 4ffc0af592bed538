// A data source whose schema changes while duckbird serves it (issue 10 item 3, spec §9.2 FORWARD_QUERY): hot reload
// of the project folder (`duckbird dev`) and /v1/deploy migrate the stored rows, or refuse with `file:line: message`
// and keep the last good version serving.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDuckbird, type DuckbirdInstance } from '../../src/index.ts';
import { describeChange, reloadProject } from '../../src/service/project-reload.ts';

const PROJECT = join(import.meta.dirname, 'project');

let dir: string;
let data: string;
let db: DuckbirdInstance;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-schema-'));
  data = await mkdtemp(join(tmpdir(), 'duckbird-schema-data-'));
  await cp(PROJECT, dir, { recursive: true });
  db = await startDuckbird({ project: dir, data, adminToken: 'p.schema', log: () => {} });
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

const sql = async (q: string) => {
  const r = await fetch(`${db.url}/v0/sql?q=${encodeURIComponent(`${q} FORMAT JSON`)}&token=${db.token}`);
  return { status: r.status, body: (await r.json()) as { data?: unknown[]; meta?: unknown[]; error?: string } };
};
const EVENTS = 'datasources/events.datasource';
const editEvents = async (edit: (text: string) => string) => {
  const text = await readFile(join(PROJECT, EVENTS), 'utf8');
  const next = edit(text);
  await writeFile(join(dir, EVENTS), next);
  return next;
};
const reload = () => reloadProject(db.app, dir, {});

describe('hot reload of a changed .datasource', () => {
  it('migrates the stored rows: a new column takes its DEFAULT, and new rows fill it', async () => {
    await fetch(`${db.url}/v0/events?name=events&wait=true&token=${db.token}`, {
      method: 'POST',
      body: '{"timestamp":"2024-01-03 08:00:00","user":{"id":"u3"},"page":"/docs","duration":1}',
    });
    await editEvents((t) => t.replace('`duration` Float64 `json:$.duration`', "`duration` Float64 `json:$.duration`,\n    `country` LowCardinality(String) `json:$.country` DEFAULT 'unknown'"));
    const change = await reload();
    expect(change.errors).toEqual([]);
    expect(describeChange(change)).toEqual(['data source events migrated to its new schema']);
    await fetch(`${db.url}/v0/events?name=events&wait=true&token=${db.token}`, {
      method: 'POST',
      body: '{"timestamp":"2024-01-04 08:00:00","user":{"id":"u4"},"page":"/docs","duration":1,"country":"ES"}',
    });
    expect((await sql('SELECT user_id, country FROM events ORDER BY timestamp')).body.data).toEqual([
      { user_id: 'u1', country: 'unknown' },
      { user_id: 'u2', country: 'unknown' },
      { user_id: 'u1', country: 'unknown' },
      { user_id: 'u3', country: 'unknown' },
      { user_id: 'u4', country: 'ES' },
    ]);
    // The endpoint reading the data source still answers.
    const top = await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((r) => r.json() as Promise<{ data: unknown[] }>);
    expect(top.data).toEqual([{ page: '/docs', views: 2 }, { page: '/home', views: 2 }, { page: '/pricing', views: 1 }]);
  });

  it('refuses a type change that needs a FORWARD_QUERY, keeping the last good version serving', async () => {
    await editEvents((t) => t.replace('`user_id` String', '`user_id` Int64'));
    const change = await reload();
    expect(change.errors).toEqual([
      `${EVENTS}:6: column 'user_id' of data source events changed type from String to Int64: the stored rows need a FORWARD_QUERY to be migrated ` +
        '(spec §9.2), e.g. FORWARD_QUERY > SELECT * EXCEPT (user_id), toInt64(user_id) AS user_id',
    ]);
    expect(describeChange(change)).toEqual([]);
    expect((await sql('SELECT user_id FROM events ORDER BY timestamp LIMIT 1')).body.data).toEqual([{ user_id: 'u1' }]);
  });

  it('runs a FORWARD_QUERY; one whose values do not fit is refused with the column and the value', async () => {
    const bad = await editEvents((t) => `${t.replace('`user_id` String', '`user_id` Int64')}\nFORWARD_QUERY >\n    SELECT * EXCEPT 'user_id', user_id\n`);
    const line = bad.split('\n').findIndex((l) => l.startsWith('FORWARD_QUERY')) + 1;
    expect((await reload()).errors).toEqual([
      `${EVENTS}:${line}: cannot migrate the stored rows of data source events: column 'user_id' has the value 'u1', which cannot be converted ` +
        'to Int64; change the FORWARD_QUERY (e.g. accurateCastOrDefault) or the type',
    ]);
    await editEvents((t) => `${t.replace('`user_id` String', '`user_id` Int64')}\nFORWARD_QUERY >\n    SELECT * EXCEPT 'user_id', toInt64(substring(user_id, 2)) AS user_id\n`);
    expect((await reload()).errors).toEqual([]);
    const r = await sql('SELECT user_id FROM events ORDER BY timestamp');
    expect(r.body.meta).toEqual([{ name: 'user_id', type: 'Int64' }]);
    // (Int64 JSON quoting is the query layer's business, not the migration's.)
    expect(r.body.data!.map((d) => String((d as { user_id: unknown }).user_id))).toEqual(['1', '2', '1']);
  });
});

describe('/v1/deploy with a changed schema', () => {
  async function upload(path: string, events: string) {
    const form = new FormData();
    for (const f of ['datasources/users.datasource', 'endpoints/top_pages.pipe', 'endpoints/user_list.pipe']) {
      form.append('data_project://', new Blob([await readFile(join(PROJECT, f), 'utf8')]), f.split('/')[1]!);
    }
    form.append('data_project://', new Blob([events]), 'events.datasource');
    const r = await fetch(`${db.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` }, body: form });
    return { status: r.status, body: (await r.json()) as Record<string, any> };
  }
  const original = () => readFile(join(PROJECT, EVENTS), 'utf8');

  it('--check reports a migration that would fail, and changes nothing', async () => {
    const text = `${(await original()).replace('`page` String', '`page` UInt32')}\nFORWARD_QUERY >\n    SELECT * EXCEPT (page), page\n`;
    const r = await upload('/v1/deploy?check=true', text);
    expect(r.status).toBe(400);
    expect(r.body.result).toBe('failed');
    expect(r.body.errors).toEqual([
      {
        filename: 'events.datasource',
        error:
          "line 14: cannot migrate the stored rows of data source events: column 'page' has the value '/home', which cannot be converted to UInt32; " +
          'change the FORWARD_QUERY (e.g. accurateCastOrDefault) or the type',
      },
    ]);
    const real = await upload('/v1/deploy', text);
    expect(real.body.result).toBe('failed');
    expect((await sql('SELECT page FROM events ORDER BY timestamp LIMIT 1')).body.data).toEqual([{ page: '/home' }]);
  });

  it('deploys a new column and a new sorting key: --check changes nothing, the deploy migrates, a restart serves it', async () => {
    const text = (await original())
      .replace('`duration` Float64 `json:$.duration`', '`duration` Float64 `json:$.duration`,\n    `referrer` Nullable(String) `json:$.referrer`')
      .replace('ENGINE_SORTING_KEY "timestamp"', 'ENGINE_SORTING_KEY "page, timestamp"');
    const check = await upload('/v1/deploy?check=true', text);
    expect(check.body).toMatchObject({ result: 'success', deployment: { changed_datasource_names: ['events'] } });
    expect((await sql('SELECT referrer FROM events')).status).toBe(400);
    const r = await upload('/v1/deploy', text);
    expect(r.body).toMatchObject({ result: 'success', deployment: { changed_datasource_names: ['events'] } });
    const expected = [
      { page: '/home', referrer: null },
      { page: '/home', referrer: null },
      { page: '/pricing', referrer: null },
    ];
    expect((await sql('SELECT page, referrer FROM events ORDER BY page')).body.data).toEqual(expected);
    await db.close();
    db = await startDuckbird({ project: dir, data, adminToken: 'p.schema', log: () => {} });
    expect((await sql('SELECT page, referrer FROM events ORDER BY page')).body.data).toEqual(expected);
  });
});
