// Data Sources API end to end (spec §5) over the real server: create from a schema, append/replace from NDJSON,
// CSV and Parquet (raw body, multipart with any part name, gzip), describe, .datasource export, truncate (205),
// delete by condition (dry run, job done), drop, jobs, scopes, and that API-created data sources survive a restart.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;

async function call(path: string, init: RequestInit & { token?: string | null } = {}) {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? s.token : init.token;
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(`${s.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) as any, headers: res.headers };
}

const form = (o: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(o).toString(),
});

const sql = async (q: string) => (await call(`/v0/sql?q=${encodeURIComponent(`${q} FORMAT JSON`)}`)).json().data;

const SCHEMA = 'id Int32 `json:$.id`, name String `json:$.name`, ts DateTime `json:$.ts`, score Nullable(Float64) `json:$.score`';

beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
});

afterAll(async () => {
  await s?.close();
});

describe('POST /v0/datasources', () => {
  it('creates a data source from a schema and engine parameters', async () => {
    const r = await call('/v0/datasources', form({ name: 'items', mode: 'create', schema: SCHEMA, engine: 'MergeTree', engine_sorting_key: 'id', engine_partition_key: 'toYYYYMM(ts)' }));
    expect(r.status).toBe(200);
    const ds = r.json().datasource;
    expect(ds).toMatchObject({
      name: 'items',
      type: 'ndjson',
      engine: { engine: 'MergeTree', engine_sorting_key: 'id', sorting_key: 'id', engine_partition_key: 'toYYYYMM(ts)', partition_key: 'toYYYYMM(ts)' },
      statistics: { bytes: 0, row_count: 0 },
      quarantine_rows: 0,
    });
    expect(ds.columns[0]).toEqual({ name: 'id', type: 'Int32', codec: null, default_value: null, jsonpath: '$.id', nullable: false, normalized_name: 'id' });
    expect(await sql('SELECT count() AS c FROM items')).toEqual([{ c: 0 }]);
    const again = await call('/v0/datasources', form({ name: 'items', mode: 'create', schema: SCHEMA }));
    expect([again.status, again.json().error]).toEqual([400, 'Data Source "items" already exists, use mode=append']);
  });

  it.each([
    [{ name: 'x', mode: 'upsert' }, 400, 'Invalid mode "upsert", valid modes are create, append, replace'],
    [{ name: 'x', mode: 'append', format: 'xml' }, 400, 'Invalid format xml.'],
    [{ name: 'x', mode: 'append', schema: 'a String' }, 400, 'Schema creation is only compatible with mode=create'],
    [{ name: 'bad-name', mode: 'create', schema: 'a String' }, 400, 'Invalid Data Source name "bad-name". Data Source names must start with a letter or an underscore and contain only letters, numbers and underscores.'],
    [{ mode: 'replace' }, 400, 'Data source name must be set with mode=replace (name=my_datasource)'],
    [{ name: 'nope', mode: 'replace' }, 400, 'Data Source "nope" does not exist, can not replace a non existing Data Source'],
    [{ name: 'items', mode: 'append' }, 400, 'Url or body payload should be sent. Are you doing a POST without data?'],
    [{ name: 'x', mode: 'create', schema: 'a Strin' }, 400, expect.stringContaining('Strin')],
  ])('refuses %j', async (params, status, error) => {
    const r = await call('/v0/datasources', form(params as Record<string, string>));
    expect([r.status, r.json().error]).toEqual([status, error]);
  });

  it('appends NDJSON (raw body), CSV (multipart named csv, header by name) and Parquet (gzip, part named csv)', async () => {
    const nd = [{ id: 1, name: 'a', ts: '2024-01-01 00:00:00', score: 1.5 }, { id: 2, name: 'b', ts: '2024-02-01 00:00:00' }, { id: 'x', name: 'c', ts: '2024-01-01 00:00:00' }];
    let r = await call('/v0/datasources?name=items&mode=append&format=ndjson', { method: 'POST', body: nd.map((o) => JSON.stringify(o)).join('\n') });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ successful_rows: 2, quarantined_rows: 1, quarantine_rows: 1, invalid_lines: 0, error: 'There was an error with file contents: 1 row in quarantine.' });

    const fd = new FormData();
    fd.append('csv', new Blob(['name,id,ts\n"c, d",3,2024-03-01 10:00:00\ne,4,2024-03-02T10:00:00Z\n']), 'rows.csv');
    r = await call('/v0/datasources?name=items&mode=append&format=csv', { method: 'POST', body: fd });
    expect(r.json()).toMatchObject({ successful_rows: 2, quarantined_rows: 0, error: false });

    const file = join(s.dataDir, 'in.parquet');
    await s.app.db.run(`COPY (SELECT 5 AS id, 'f' AS name, TIMESTAMP '2024-04-01 00:00:00' AS ts, 2.5 AS score) TO '${file}' (FORMAT parquet)`);
    const { readFile } = await import('node:fs/promises');
    const pq = new FormData();
    pq.append('csv', new Blob([gzipSync(await readFile(file))]), 'in.parquet');
    r = await call('/v0/datasources?name=items&mode=append&format=parquet', { method: 'POST', body: pq });
    expect(r.json()).toMatchObject({ successful_rows: 1, quarantined_rows: 0 });

    expect(await sql('SELECT id, name, toString(ts) AS ts, score FROM items ORDER BY id')).toEqual([
      { id: 1, name: 'a', ts: '2024-01-01 00:00:00', score: 1.5 },
      { id: 2, name: 'b', ts: '2024-02-01 00:00:00', score: null },
      { id: 3, name: 'c, d', ts: '2024-03-01 10:00:00', score: null },
      { id: 4, name: 'e', ts: '2024-03-02 10:00:00', score: null },
      { id: 5, name: 'f', ts: '2024-04-01 00:00:00', score: 2.5 },
    ]);
    expect(await sql('SELECT c__error FROM items_quarantine')).toEqual([
      { c__error: ["Strict type checking failed. Value x on column 'id' is a string when a Int32 was expected. While accessing jsonpath '$.id'"] },
    ]);
  });

  it('answers 413 for a body over max_body_mb', async () => {
    const r = await call('/v0/datasources?name=items&mode=append', { method: 'POST', body: Buffer.alloc(11 * 1024 * 1024, 'a') });
    expect(r.status).toBe(413);
  });
});

describe('describe, export, list', () => {
  it('describes with counts and exports the datafile', async () => {
    const r = await call('/v0/datasources/items');
    expect(r.json()).toMatchObject({ name: 'items', statistics: { row_count: 5 }, quarantine_rows: 1, schema: { sql_schema: expect.stringContaining('`id` Int32 `json:$.id`') } });
    const text = await call('/v0/datasources/items.datasource');
    expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(text.text).toBe(`SCHEMA >\n    ${SCHEMA}\n\nENGINE "MergeTree"\nENGINE_PARTITION_KEY "toYYYYMM(ts)"\nENGINE_SORTING_KEY "id"\n`);
    const list = await call('/v0/datasources?attrs=name,statistics');
    expect(list.json().datasources).toContainEqual({ name: 'items', statistics: expect.objectContaining({ row_count: 5 }) });
    expect(list.json().datasources.map((d: { name: string }) => d.name).sort()).toEqual(['charging_sessions', 'items']);
    const missing = await call('/v0/datasources/nope');
    expect([missing.status, missing.json().error]).toEqual([404, 'Data Source "nope" does not exist']);
  });
});

describe('replace, delete, truncate, drop, jobs', () => {
  it('deletes by a ClickHouse condition: dry run counts, the job is done', async () => {
    const dry = await call('/v0/datasources/items/delete', form({ delete_condition: "name IN ('a', 'b') OR toYYYYMM(ts) = 202404", dry_run: 'true' }));
    expect([dry.status, dry.json()]).toEqual([200, { rows_to_be_deleted: 3 }]);
    const r = await call('/v0/datasources/items/delete', form({ delete_condition: "name IN ('a', 'b') OR toYYYYMM(ts) = 202404" }));
    expect(r.status).toBe(201);
    const body = r.json();
    expect(body).toMatchObject({ status: 'done', rows_to_be_deleted: 3, job: { kind: 'delete_data', status: 'done', rows_affected: 3, datasource: { name: 'items' } } });
    expect(await sql('SELECT id FROM items ORDER BY id')).toEqual([{ id: 3 }, { id: 4 }]);
    const job = await call(`/v0/jobs/${body.job_id}`);
    expect(job.json()).toMatchObject({ id: body.job_id, kind: 'delete_data', status: 'done', delete_condition: "name IN ('a', 'b') OR toYYYYMM(ts) = 202404" });
    expect((await call('/v0/jobs?kind=delete_data')).json().jobs.map((j: { id: string }) => j.id)).toContain(body.job_id);
    expect((await call('/v0/jobs/nope')).json().error).toBe('Job with id "nope" not found');
    const bad = await call('/v0/datasources/items/delete', form({}));
    expect([bad.status, bad.json().error]).toEqual([400, "The delete_condition='delete_statement' is mandatory"]);
    const wrong = await call('/v0/datasources/items/delete', form({ delete_condition: 'nosuchcol = 1' }));
    expect(wrong.status).toBe(400);
    expect(wrong.json().error).toMatch(/^Failed to apply delete_condition='nosuchcol = 1': /);
  });

  it('replaces all rows from CSV with a custom delimiter, no header', async () => {
    const r = await call('/v0/datasources?name=items&mode=replace&format=csv&dialect_delimiter=%3B', { method: 'POST', body: '10;j;2024-05-01 00:00:00;\n11;k;2024-05-02 00:00:00;0.5\n' });
    expect(r.json()).toMatchObject({ successful_rows: 2, quarantined_rows: 0 });
    expect(await sql('SELECT id, score FROM items ORDER BY id')).toEqual([{ id: 10, score: null }, { id: 11, score: 0.5 }]);
    const bad = await call('/v0/datasources?name=items&mode=append&format=csv&dialect_delimiter=ab', { method: 'POST', body: '1' });
    expect([bad.status, bad.json().error]).toEqual([400, 'The dialect delimiter must be a 1-character string']);
  });

  it('truncates with 205 and an empty body, also the quarantine table', async () => {
    let r = await call('/v0/datasources/items/truncate', { method: 'POST' });
    expect([r.status, r.text]).toEqual([205, '']);
    expect(await sql('SELECT count() AS c FROM items')).toEqual([{ c: 0 }]);
    r = await call('/v0/datasources/items_quarantine/truncate', { method: 'POST' });
    expect(r.status).toBe(205);
    expect(await sql('SELECT count() AS c FROM items_quarantine')).toEqual([{ c: 0 }]);
  });

  it('keeps API-created data sources and their rows across a restart, and drops them for good', async () => {
    await call('/v0/events?name=items&wait=true', { method: 'POST', body: JSON.stringify({ id: 42, name: 'z', ts: '2024-06-01 00:00:00' }) });
    await s.stop();
    s = await startTestServer({ dataDir: s.dataDir, fixtures: false });
    expect(await sql('SELECT id FROM items')).toEqual([{ id: 42 }]);
    const project = await call('/v0/datasources/charging_sessions', { method: 'DELETE' });
    expect(project.status).toBe(400);
    const r = await call('/v0/datasources/items', { method: 'DELETE' });
    expect(r.status).toBe(204);
    expect((await call('/v0/datasources/items')).status).toBe(404);
    await s.stop();
    s = await startTestServer({ dataDir: s.dataDir, fixtures: false });
    expect((await call('/v0/datasources/items')).status).toBe(404);
  });
});

describe('scopes', () => {
  it('needs DATASOURCES:CREATE to create, APPEND to append, and access to describe', async () => {
    const make = async (name: string, scopes: string[]) => {
      const q = new URLSearchParams([['name', name], ...scopes.map((sc) => ['scope', sc] as [string, string])]);
      return (await call(`/v0/tokens?${q}`, { method: 'POST' })).json().token as string;
    };
    await call('/v0/datasources', form({ name: 'scoped', mode: 'create', schema: 'a String `json:$.a`' }));
    const appendOnly = await make('append_only', ['DATASOURCES:APPEND:scoped']);
    let r = await call('/v0/datasources', { ...form({ name: 'other', mode: 'create', schema: 'a String' }), token: appendOnly });
    expect([r.status, r.json().error]).toEqual([403, 'Token does not have DATASOURCES:CREATE scope, create mode requires the DATASOURCES:CREATE scope']);
    r = await call('/v0/datasources?name=scoped&mode=append&format=ndjson', { method: 'POST', body: '{"a":"x"}', token: appendOnly });
    expect(r.json()).toMatchObject({ successful_rows: 1 });
    r = await call('/v0/datasources?name=scoped&mode=replace&format=ndjson', { method: 'POST', body: '{"a":"x"}', token: appendOnly });
    expect([r.status, r.json().error]).toEqual([403, 'Token does not have DATASOURCES:CREATE scope, replace mode requires the DATASOURCES:CREATE scope because is a destructive action']);
    r = await call('/v0/datasources/charging_sessions', { token: appendOnly });
    expect([r.status, r.json().error]).toEqual([403, "The token you have provided doesn't have access to this resource"]);
    r = await call('/v0/datasources/scoped', { method: 'DELETE', token: appendOnly });
    expect([r.status, r.json().error]).toEqual([403, 'User does not have permissions to drop Data Source "scoped", set DROP scope']);
  });
});

describe('@tinybirdco/sdk round trip', () => {
  it('appends and replaces files and URLs, deletes and truncates through createTinybirdApi', async () => {
    const { createTinybirdApi } = await import('@tinybirdco/sdk');
    const { createServer } = await import('node:http');
    const api = createTinybirdApi({ baseUrl: s.url, token: s.token });
    await call('/v0/datasources', form({ name: 'sdk_rows', mode: 'create', schema: 'id Int32 `json:$.id`, tag String `json:$.tag`', engine_sorting_key: 'id' }));
    const ndjsonFile = join(s.dataDir, 'rows.ndjson');
    await writeFile(ndjsonFile, '{"id":1,"tag":"a"}\n{"id":2,"tag":"b"}\n{"id":"bad","tag":"c"}\n');
    expect(await api.appendDatasource('sdk_rows', { file: ndjsonFile })).toMatchObject({ successful_rows: 2, quarantined_rows: 1, import_id: expect.any(String) });
    const csvFile = join(s.dataDir, 'rows.csv');
    await writeFile(csvFile, '3|c\n4|d\n');
    expect(await api.appendDatasource('sdk_rows', { file: csvFile, csvDialect: { delimiter: '|' } })).toMatchObject({ successful_rows: 2, quarantined_rows: 0 });
    const files = createServer((_req, res) => res.end('id,tag\n7,g\n8,h\n'));
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (files.address() as { port: number }).port;
      expect(await api.appendDatasource('sdk_rows', { url: `http://127.0.0.1:${port}/rows.csv` })).toMatchObject({ successful_rows: 2 });
    } finally {
      files.close();
    }
    expect((await api.sql<{ ids: number[] }>('SELECT groupArray(id) AS ids FROM (SELECT id FROM sdk_rows ORDER BY id)')).data).toEqual([{ ids: [1, 2, 3, 4, 7, 8] }]);
    expect(await api.deleteDatasource('sdk_rows', { deleteCondition: 'id > 3', dryRun: true })).toEqual({ rows_to_be_deleted: 3 });
    expect(await api.deleteDatasource('sdk_rows', { deleteCondition: 'id > 3' })).toMatchObject({ status: 'done', rows_to_be_deleted: 3, job_id: expect.any(String) });
    expect(await api.appendDatasource('sdk_rows', { file: csvFile, csvDialect: { delimiter: '|' } }, { mode: 'replace' })).toMatchObject({ successful_rows: 2 });
    expect((await api.sql<{ id: number }>('SELECT id FROM sdk_rows ORDER BY id')).data).toEqual([{ id: 3 }, { id: 4 }]);
    await api.truncateDatasource('sdk_rows');
    expect((await api.sql<{ c: number }>('SELECT count() AS c FROM sdk_rows')).data).toEqual([{ c: 0 }]);
    await expect(api.truncateDatasource('nope')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('CSV DateTime values', () => {
  it('drop fractional seconds, as ClickHouse does for DateTime', async () => {
    const created = await call('/v0/datasources', form({ name: 'stamps', mode: 'create', schema: 'id Int32 `json:$.id`, ts DateTime `json:$.ts`' }));
    expect(created.status).toBe(200);
    const r = await call('/v0/datasources?name=stamps&mode=append&format=csv', { method: 'POST', body: '1,2024-05-01 10:00:00.9\n2,2024-05-01T10:00:01Z\n' });
    expect(r.status).toBe(200);
    expect(await sql('SELECT id, ts FROM stamps ORDER BY id')).toEqual([
      { id: 1, ts: '2024-05-01 10:00:00' },
      { id: 2, ts: '2024-05-01 10:00:01' },
    ]);
  });
});
