// `explain=true` on /v0/sql (spec §4.1), node `columns` in pipe metadata (spec §3.8) and `DELETE /v0/pipes/<name>`
// (refused for pipes declared in datafiles; README "Known differences").
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { Duckbird } from '../../src/service/duckbird.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';
import { parseScope } from '../../src/service/scopes.ts';

const admin = 'p.pipes-extra';
let project: string;
let data: string;
let app: Duckbird;
let server: RunningServer;
let reader: string;
let dropper: string;

const FILES: Record<string, string> = {
  'events.datasource':
    'SCHEMA >\n    `user` String `json:$.user`,\n    `n` Int32 `json:$.n`,\n    `ts` DateTime64(3) `json:$.ts`,\n    `price` Decimal(10, 2) `json:$.price`\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user"\n',
  'stats.pipe': [
    'NODE filtered',
    'SQL >',
    '    %',
    '    SELECT user, n, ts FROM events WHERE user = {{ String(user, required=True) }} AND n > {{ Int32(min_n, 0) }}',
    '',
    'NODE totals',
    'SQL >',
    '    %',
    '    {% if defined(fail) %}{{ error("no", 400) }}{% end %}',
    '    SELECT user, count() AS c, sum(n) AS total, max(ts) AS last, [user] AS users FROM filtered GROUP BY user',
    '',
    'TYPE endpoint',
    '',
  ].join('\n'),
  'broken.pipe': 'NODE b\nSQL >\n    SELECT missing_column FROM events\n\nTYPE endpoint\n',
  'prices.pipe': 'NODE p\nSQL >\n    SELECT price, toDate(ts) AS d, user AS u FROM events\n\nTYPE endpoint\n',
};

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'duckbird-pipes-extra-'));
  data = await mkdtemp(join(tmpdir(), 'duckbird-pipes-extra-data-'));
  for (const [name, text] of Object.entries(FILES)) await writeFile(join(project, name), text);
  app = await Duckbird.open(resolveConfig({ project, data, port: '0', admin_token: admin }, {}));
  server = await startServer(app, 0, '127.0.0.1', () => {});
  reader = (await app.tokens.create('reader', [parseScope('PIPES:READ:stats'), parseScope('DATASOURCES:READ:events')])).token;
  dropper = (await app.tokens.create('dropper', [parseScope('PIPES:DROP:stats')])).token;
  await app.ingest('events', '{"user":"a","n":2,"ts":"2024-01-01 00:00:00.000","price":1.5}', true);
});
afterAll(async () => {
  await server?.close();
  await rm(project, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

const get = async (path: string, token: string, init: RequestInit = {}) => {
  const res = await fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}token=${token}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('explain=true on /v0/sql', () => {
  it('answers the translated SQL and DuckDB plan instead of rows', async () => {
    const q = encodeURIComponent('SELECT user, count() AS c FROM events WHERE n > 1 GROUP BY user FORMAT CSV');
    const { status, body } = await get(`/v0/sql?q=${q}&explain=true`, admin);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['query', 'explain']);
    expect(body.query).toBe('SELECT user, CAST(count(*) AS UBIGINT) AS c FROM "events" WHERE n > 1 GROUP BY user');
    expect(body.explain).toMatch(/HASH_GROUP_BY/);
    expect(body.explain).toMatch(/count_star\(\)/);
  });

  it('applies the reader’s checks and row filters before explaining', async () => {
    const filtered = (await app.tokens.create('filtered', [parseScope("DATASOURCES:READ:events:user = 'a'")])).token;
    const q = encodeURIComponent('SELECT n FROM events');
    const { status, body } = await get(`/v0/sql?q=${q}&explain=true`, filtered);
    expect(status).toBe(200);
    expect(body.query).toMatch(/user = 'a'/);
    expect(await get(`/v0/sql?q=${encodeURIComponent('SELECT 1 FROM events_quarantine')}&explain=true`, dropper)).toEqual({
      status: 403,
      body: { error: "Resource 'events_quarantine' not found", documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' },
    });
  });

  it.each([
    ['false', 1],
    ['0', 1],
  ])('explain=%s runs the query', async (v) => {
    const { status, body } = await get(`/v0/sql?q=${encodeURIComponent('SELECT 1 AS x')}&explain=${v}`, admin);
    expect([status, body.data]).toEqual([200, [{ x: 1 }]]);
  });
});

describe('columns in GET /v0/pipes/<name>', () => {
  it('describes every node with ClickHouse type names, rendered in test mode', async () => {
    const { status, body } = await get('/v0/pipes/stats', reader);
    expect(status).toBe(200);
    const nodes = body.nodes as { name: string; columns: unknown }[];
    expect(nodes.map((n) => [n.name, n.columns])).toEqual([
      ['filtered', [{ name: 'user', type: 'String' }, { name: 'n', type: 'Int32' }, { name: 'ts', type: 'DateTime64(3)' }]],
      [
        'totals',
        [
          { name: 'user', type: 'String' },
          { name: 'c', type: 'UInt64' },
          { name: 'total', type: 'Int64' },
          { name: 'last', type: 'DateTime64(3)' },
          { name: 'users', type: 'Array(String)' },
        ],
      ],
    ]);
  });

  it.each([
    ['prices', [['p', [{ name: 'price', type: 'Decimal(10, 2)' }, { name: 'd', type: 'Date' }, { name: 'u', type: 'String' }]]]],
    // A node that does not bind has no columns; the metadata still answers.
    ['broken', [['b', []]]],
  ])('%s', async (name, expected) => {
    const { status, body } = await get(`/v0/pipes/${name}`, admin);
    expect(status).toBe(200);
    expect((body.nodes as { name: string; columns: unknown }[]).map((n) => [n.name, n.columns])).toEqual(expected);
  });

  it('the list leaves columns out', async () => {
    const { body } = await get('/v0/pipes', admin);
    const nodes = (body.pipes as { nodes: Record<string, unknown>[] }[]).flatMap((p) => p.nodes);
    expect(nodes.length).toBe(4);
    expect(nodes.some((n) => 'columns' in n)).toBe(false);
  });
});

describe('DELETE /v0/pipes/<name>', () => {
  const auth = 'https://docs.tinybird.co/api-reference/overview#authentication';
  const tokens = (): Record<string, string> => ({ admin, reader, dropper });
  it.each([
    ['missing', 404, 'admin', { error: "Pipe 'missing' not found" }],
    ['stats', 403, 'reader', { error: 'token has no DROP scope for stats', documentation: auth }],
    ['prices', 403, 'dropper', { error: 'token has no DROP scope for prices', documentation: auth }],
    ['stats', 400, 'dropper', { error: 'Pipe "stats" is declared in stats.pipe: remove the file from the project (or deploy without it) to delete it' }],
    ['stats', 400, 'admin', { error: 'Pipe "stats" is declared in stats.pipe: remove the file from the project (or deploy without it) to delete it' }],
  ])('%s answers %i to %s', async (name, status, who, body) => {
    const res = await get(`/v0/pipes/${name}`, tokens()[who]!, { method: 'DELETE' });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject(body);
    expect((await get('/v0/pipes/stats.json?user=a', admin)).status).toBe(200);
  });
});
