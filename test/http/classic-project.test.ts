// Classic Tinybird projects (issue 5 item 6): pipes without `TYPE endpoint`, `VERSION` lines and `INCLUDE` files with
// `$var` substitution. With `classic_endpoints` the last node is the endpoint; without it Tinybird's 404 (spec §3.2).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { Duckbird } from '../../src/service/duckbird.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

const token = 'p.classic-test';
let project: string;
const dirs: string[] = [];

const FILES: Record<string, string> = {
  'events.datasource': 'VERSION 1\n\nSCHEMA >\n    `user` String `json:$.user`,\n    `page` String `json:$.page`\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user"\n',
  // `$table` and `$min_len` are filled in by the INCLUDE line's arguments.
  'shared.incl': 'NODE filtered\nSQL >\n    SELECT user, page FROM $table WHERE length(page) >= $min_len\n',
  'top_pages.pipe': 'VERSION 1\nDESCRIPTION classic pipe\n\nINCLUDE "shared.incl" table=events min_len=2\n\nNODE top\nSQL >\n    %\n    SELECT page, count() AS views FROM filtered GROUP BY page ORDER BY views DESC, page LIMIT {{ Int32(limit, 10) }}\n',
  'fixtures/events.ndjson': ['{"user":"u1","page":"/a"}', '{"user":"u2","page":"/a"}', '{"user":"u1","page":"/bb"}', '{"user":"u3","page":"/"}'].join('\n') + '\n',
};

async function start(classic: boolean): Promise<{ server: RunningServer; app: Duckbird }> {
  const data = await mkdtemp(join(tmpdir(), 'duckbird-classic-data-'));
  dirs.push(data);
  const config = resolveConfig({ project, data, port: '0', admin_token: token }, classic ? { DUCKBIRD_CLASSIC_ENDPOINTS: '1' } : {});
  const app = await Duckbird.open(config);
  return { app, server: await startServer(app, 0, '127.0.0.1', () => {}) };
}

let on: { server: RunningServer; app: Duckbird };
let off: { server: RunningServer; app: Duckbird };

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'duckbird-classic-'));
  dirs.push(project);
  for (const [name, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(project, name)), { recursive: true });
    await writeFile(join(project, name), text);
  }
  on = await start(true);
  off = await start(false);
});
afterAll(async () => {
  await on?.server.close();
  await off?.server.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('classic_endpoints on', () => {
  it('loads the project without warnings', () => {
    expect(on.app.warnings).toEqual([]);
    expect(on.app.config.classic_endpoints).toBe(true);
  });

  it.each([
    ['', [{ page: '/a', views: 2 }, { page: '/bb', views: 1 }]],
    ['&limit=1', [{ page: '/a', views: 2 }]],
  ])('serves the last node %s', async (qs, rows) => {
    const res = await fetch(`${on.server.url}/v0/pipes/top_pages.json?token=${token}${qs}`);
    const body = (await res.json()) as { data: unknown };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.data).toEqual(rows);
  });

  it('reports the last node as the endpoint in the metadata', async () => {
    const res = await fetch(`${on.server.url}/v0/pipes/top_pages?token=${token}`);
    const body = (await res.json()) as { type: string; endpoint: string; nodes: { id: string; name: string; sql: string }[] };
    expect(res.status).toBe(200);
    expect(body.type).toBe('endpoint');
    expect(body.nodes.map((n) => n.name)).toEqual(['filtered', 'top']);
    expect(body.endpoint).toBe(body.nodes[1]!.id);
    expect(body.nodes[0]!.sql).toBe('SELECT user, page FROM events WHERE length(page) >= 2');
  });

  it('lets /v0/sql read the pipe as a table', async () => {
    const res = await fetch(`${on.server.url}/v0/sql?q=${encodeURIComponent('SELECT sum(views) AS v FROM top_pages')}&token=${token}`);
    const body = (await res.json()) as { data: unknown };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.data).toEqual([{ v: 3 }]);
  });
});

describe('classic_endpoints off', () => {
  it.each([
    ['/v0/pipes/top_pages.json', 404, { error: "The pipe 'top_pages' does not have an endpoint yet", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' }],
    ['/v0/pipes/top_pages.csv?q=select+1', 404, { error: "The pipe 'top_pages' does not have an endpoint yet", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' }],
    // spec §4.2: a non-endpoint pipe read as a table by /v0/sql is a 400 with the same text.
    [`/v0/sql?q=${encodeURIComponent('SELECT * FROM top_pages')}`, 400, { error: "The pipe 'top_pages' does not have an endpoint yet", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' }],
    ['/v0/sql?q=select+1&pipeline=top_pages', 400, { error: "The pipe 'top_pages' does not have an endpoint yet", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' }],
  ])('%s answers %i', async (path, status, body) => {
    const res = await fetch(`${off.server.url}${path}${path.includes('?') ? '&' : '?'}token=${token}`);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(body);
  });

  it('still shows the pipe, without an endpoint', async () => {
    const res = await fetch(`${off.server.url}/v0/pipes/top_pages?token=${token}`);
    const body = (await res.json()) as { name: string; endpoint: unknown };
    expect([res.status, body.name, body.endpoint]).toEqual([200, 'top_pages', null]);
  });
});
