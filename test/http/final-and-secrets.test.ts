// `FROM t FINAL` on a ReplacingMergeTree data source keeps the latest version per sorting key (issue 6), and
// `tb_secret()` values reach the SQL as typed literals (issue 4).
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { Duckbird } from '../../src/service/duckbird.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

let project: string;
let data: string;
let app: Duckbird;
let server: RunningServer;
const token = 'p.final-test';

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'duckbird-final-'));
  data = await mkdtemp(join(tmpdir(), 'duckbird-final-data-'));
  await writeFile(
    join(project, 'users.datasource'),
    'SCHEMA >\n    `id` String `json:$.id`,\n    `name` String `json:$.name`,\n    `version` UInt32 `json:$.version`\n\nENGINE "ReplacingMergeTree"\nENGINE_SORTING_KEY "id"\nENGINE_VER "version"\n',
  );
  await writeFile(join(project, 'secret.pipe'), "NODE s\nSQL >\n    %\n    SELECT {{ tb_secret('api_key') }} AS k, {{ tb_secret('missing', 'fallback') }} AS d\n\nTYPE endpoint\n");
  const config = resolveConfig({ project, data, port: '0', admin_token: token }, {});
  app = await Duckbird.open(config, { TB_SECRET_api_key: "it's a secret" });
  server = await startServer(app, 0, '127.0.0.1', () => {});
});
afterAll(async () => {
  await server?.close();
  await rm(project, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

async function sql(q: string): Promise<unknown> {
  const res = await fetch(`${server.url}/v0/sql?q=${encodeURIComponent(q)}&token=${token}`);
  const body = (await res.json()) as { data?: unknown; error?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.data;
}

describe('FINAL', () => {
  it('keeps the highest version per key, before and after a flush', async () => {
    const rows = [
      { id: 'a', name: 'old', version: 1 },
      { id: 'b', name: 'only', version: 1 },
      { id: 'a', name: 'new', version: 3 },
      { id: 'a', name: 'middle', version: 2 },
    ];
    for (const r of rows) await app.ingest('users', JSON.stringify(r), true);
    const expected = [
      { id: 'a', name: 'new', version: 3 },
      { id: 'b', name: 'only', version: 1 },
    ];
    expect(await sql('SELECT * FROM users FINAL ORDER BY id')).toEqual(expected);
    expect(await sql('SELECT count() AS c FROM users')).toEqual([{ c: 4 }]);
    await app.storage.flush();
    expect(await sql('SELECT u.name FROM users AS u FINAL WHERE u.id = \'a\'')).toEqual([{ name: 'new' }]);
  });
});

describe('tb_secret', () => {
  it('binds secrets from TB_SECRET_<name> and defaults', async () => {
    const res = await fetch(`${server.url}/v0/pipes/secret.json?token=${token}`);
    const body = (await res.json()) as { data: unknown };
    expect(body.data).toEqual([{ k: "it's a secret", d: 'fallback' }]);
  });
});
