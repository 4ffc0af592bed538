// POST /v0/datasources/<name>/alter (spec §5): the schema of an API-created data source changes and its stored rows
// follow (by name, DEFAULTs); `dry=true` answers the operations and changes nothing; project data sources refuse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

describe('POST /v0/datasources/<name>/alter', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ fixtures: false });
    const schema = '`id` Int32 `json:$.id`, `name` String `json:$.name`';
    const create = await fetch(`${srv.url}/v0/datasources?mode=create&name=people&schema=${encodeURIComponent(schema)}&token=${srv.token}`, { method: 'POST' });
    expect(create.status).toBe(200);
    const body = ['{"id":1,"name":"ann"}', '{"id":2,"name":"bob"}'].join('\n');
    await fetch(`${srv.url}/v0/events?name=people&wait=true&token=${srv.token}`, { method: 'POST', body });
  });
  afterAll(async () => {
    await srv?.close();
  });

  const alter = (params: Record<string, string>, name = 'people') =>
    fetch(`${srv.url}/v0/datasources/${name}/alter?token=${srv.token}`, { method: 'POST', body: new URLSearchParams(params) });
  const rows = async () => {
    const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent('SELECT * FROM people ORDER BY id FORMAT JSON')}&token=${srv.token}`);
    return ((await r.json()) as { data: unknown[] }).data;
  };
  const newSchema = '`id` Int32 `json:$.id`, `name` String `json:$.name`, `score` Float64 `json:$.score` DEFAULT 7';

  it('answers the operations of a dry run and changes nothing', async () => {
    const r = await alter({ schema: newSchema, dry: 'true' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { operations: string[] }).operations).toEqual(['ADD COLUMN `score` Float64 DEFAULT 7']);
    expect(await rows()).toEqual([{ id: 1, name: 'ann' }, { id: 2, name: 'bob' }]);
  });

  it('adds a column: stored rows take its DEFAULT, new rows fill it, and it survives a restart', async () => {
    const r = await alter({ schema: newSchema });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { operations: string[] }).operations).toEqual(['ADD COLUMN `score` Float64 DEFAULT 7']);
    await fetch(`${srv.url}/v0/events?name=people&wait=true&token=${srv.token}`, { method: 'POST', body: '{"id":3,"name":"cy","score":1.5}' });
    const expected = [{ id: 1, name: 'ann', score: 7 }, { id: 2, name: 'bob', score: 7 }, { id: 3, name: 'cy', score: 1.5 }];
    expect(await rows()).toEqual(expected);
    await srv.stop();
    srv = await startTestServer({ fixtures: false, dataDir: srv.dataDir });
    expect(await rows()).toEqual(expected);
  });

  it('refuses a change the stored rows cannot follow, and keeps them', async () => {
    const r = await alter({ schema: '`id` Int32 `json:$.id`, `name` Int32 `json:$.name`, `score` Float64 `json:$.score` DEFAULT 7' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/name/);
    expect(await rows()).toHaveLength(3);
  });

  it('refuses data sources declared in the project', async () => {
    const r = await alter({ schema: '`x` String' }, 'charging_sessions');
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe(
      'Data Source "charging_sessions" is declared in datasources/charging_sessions.datasource: change the file (duckbird dev reloads it) or deploy it to alter it',
    );
  });
});
