// Datafile tokens follow the files at once (spec §6.3): a TOKEN line added by hot reload (`duckbird dev`) or by a
// deploy (`/v1/deploy`) makes a token that works on the next request; a line removed takes its scope back, and a
// datafile token with no scope left is deleted, as Tinybird's deployments manage resource-scoped tokens.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDuckbird, type DuckbirdInstance } from '../../src/index.ts';

const PROJECT = join(import.meta.dirname, '../dev/project');

interface TokenJson {
  name: string;
  token: string;
  scopes: { type: string; resource?: string; filter?: string }[];
  origin: { type: string; resource?: string };
}

async function listTokens(db: DuckbirdInstance): Promise<Record<string, TokenJson>> {
  const body = (await fetch(`${db.url}/v0/tokens`, { headers: { Authorization: `Bearer ${db.token}` } }).then((r) => r.json())) as { tokens: TokenJson[] };
  return Object.fromEntries(body.tokens.map((t) => [t.name, t]));
}

const status = (db: DuckbirdInstance, path: string, token: string) => fetch(`${db.url}${path}`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status);

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() - started > 15_000) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hot reload applies TOKEN lines at once', { timeout: 30_000 }, () => {
  let dir: string;
  let data: string;
  let db: DuckbirdInstance;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-tokreload-'));
    data = await mkdtemp(join(tmpdir(), 'duckbird-tokreload-data-'));
    await cp(PROJECT, dir, { recursive: true });
    db = await startDuckbird({ project: dir, data, watch: true, adminToken: 'p.reload-admin', log: () => {} });
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  });

  it('creates a token declared by a reloaded pipe, and it reads that pipe', async () => {
    const before = await listTokens(db);
    expect(Object.keys(before).sort()).toEqual(['admin token', 'reader']);
    const file = join(dir, 'endpoints/user_list.pipe');
    await writeFile(file, `TOKEN "app" READ\nTOKEN "reader" READ\n\n${await readFile(file, 'utf8')}`);
    const after = await until(() => listTokens(db), (t) => 'app' in t && t.reader!.scopes.length === 2);
    expect(after.app).toMatchObject({ scopes: [{ type: 'PIPES:READ', resource: 'user_list', filter: '' }], origin: { type: 'P', resource: 'user_list' } });
    expect(after.app!.token).toMatch(/^p\./);
    expect(after.reader!.scopes).toEqual([
      { type: 'PIPES:READ', resource: 'top_pages', filter: '' },
      { type: 'PIPES:READ', resource: 'user_list', filter: '' },
    ]);
    expect(after.reader!.token).toBe(before.reader!.token);
    expect(await status(db, '/v0/pipes/user_list.json', after.app!.token)).toBe(200);
    expect(await status(db, '/v0/pipes/top_pages.json', after.app!.token)).toBe(403);
    expect(await status(db, '/v0/pipes/user_list.json', after.reader!.token)).toBe(200);
  });

  it('takes a scope back when its line is removed, and deletes a datafile token left with none', async () => {
    const app = (await listTokens(db)).app!.token;
    const file = join(dir, 'endpoints/user_list.pipe');
    await writeFile(file, (await readFile(file, 'utf8')).replace('TOKEN "app" READ\nTOKEN "reader" READ\n\n', ''));
    const after = await until(() => listTokens(db), (t) => !('app' in t) && t.reader!.scopes.length === 1);
    expect(Object.keys(after).sort()).toEqual(['admin token', 'reader']);
    expect(after.reader!.scopes).toEqual([{ type: 'PIPES:READ', resource: 'top_pages', filter: '' }]);
    expect(await status(db, '/v0/pipes/user_list.json', app)).toBe(403);
    expect(await status(db, '/v0/pipes/user_list.json', after.reader!.token)).toBe(403);
    const kept = JSON.parse(await readFile(join(data, '_tokens.json'), 'utf8')) as { tokens: { name: string }[] };
    expect(kept.tokens.map((t) => t.name)).toEqual(['reader']);
  });

  it('keeps the scopes the Tokens API gave a token that a datafile also names', async () => {
    const made = await fetch(`${db.url}/v0/tokens?name=mixed&scope=PIPES:READ:top_pages`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` } });
    expect(made.status).toBe(200);
    const file = join(dir, 'datasources/users.datasource');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `TOKEN "mixed" APPEND\n\n${original}`);
    const added = await until(() => listTokens(db), (t) => t.mixed!.scopes.length === 2);
    expect(added.mixed!.scopes).toEqual([
      { type: 'PIPES:READ', resource: 'top_pages', filter: '' },
      { type: 'DATASOURCES:APPEND', resource: 'users', filter: '' },
    ]);
    await writeFile(file, original);
    const removed = await until(() => listTokens(db), (t) => t.mixed!.scopes.length === 1);
    expect(removed.mixed).toMatchObject({ scopes: [{ type: 'PIPES:READ', resource: 'top_pages', filter: '' }], origin: { type: 'C' } });
  });

  it('keeps the tokens of a broken file, whose last good version stays served', async () => {
    const file = join(dir, 'endpoints/top_pages.pipe');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('NODE counted', 'NODE counted\nBOGUS line'));
    await new Promise((r) => setTimeout(r, 400));
    await writeFile(join(dir, 'endpoints/other.pipe'), 'NODE n\nSQL >\n    SELECT 1 AS x\n\nTYPE endpoint\n');
    await until(() => status(db, '/v0/pipes/other.json', db.token), (s) => s === 200);
    const t = await listTokens(db);
    expect(t.reader!.scopes).toEqual([{ type: 'PIPES:READ', resource: 'top_pages', filter: '' }]);
    expect(await status(db, '/v0/pipes/top_pages.json', t.reader!.token)).toBe(200);
    await writeFile(file, good);
  });

  it('keeps the token of a file broken at start, with the same value once it is fixed', async () => {
    const reader = (await listTokens(db)).reader!;
    await db.close();
    const file = join(dir, 'endpoints/top_pages.pipe');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('NODE counted', 'NODE counted\nBOGUS line'));
    db = await startDuckbird({ project: dir, data, watch: true, adminToken: 'p.reload-admin', log: () => {} });
    expect((await listTokens(db)).reader).toEqual(reader);
    await writeFile(file, good);
    expect(await until(() => status(db, '/v0/pipes/top_pages.json', reader.token), (s) => s === 200)).toBe(200);
    expect((await listTokens(db)).reader).toEqual(reader);
  });
});

describe('deploys apply TOKEN lines at once and they persist', { timeout: 30_000 }, () => {
  let data: string;
  let db: DuckbirdInstance;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'duckbird-tokdeploy-'));
    db = await startDuckbird({ project: PROJECT, data, adminToken: 'p.deploy-admin', log: () => {} });
  });
  afterAll(async () => {
    await db.close();
    await rm(data, { recursive: true, force: true });
  });

  async function deploy(files: Record<string, string>, query = ''): Promise<{ result: string }> {
    const form = new FormData();
    for (const [name, text] of Object.entries(files)) form.append('data_project://', new Blob([text]), name);
    return fetch(`${db.url}/v1/deploy${query}`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` }, body: form }).then((r) => r.json() as Promise<{ result: string }>);
  }

  async function projectFiles(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const f of ['datasources/events.datasource', 'datasources/users.datasource', 'endpoints/top_pages.pipe', 'endpoints/user_list.pipe']) out[f.split('/')[1]!] = await readFile(join(PROJECT, f), 'utf8');
    return out;
  }

  it('creates the token on deploy, not on --check, and keeps it across a restart', async () => {
    const files = await projectFiles();
    files['events.datasource'] = `TOKEN "tracker" APPEND\n\n${files['events.datasource']!}`;
    files['top_pages.pipe'] = files['top_pages.pipe']!.replace('TOKEN "reader" READ', 'TOKEN "dashboard" READ');
    expect((await deploy(files, '?check=true')).result).toBe('success');
    expect(Object.keys(await listTokens(db)).sort()).toEqual(['admin token', 'reader']);

    expect((await deploy(files)).result).toBe('success');
    const t = await listTokens(db);
    expect(Object.keys(t).sort()).toEqual(['admin token', 'dashboard', 'tracker']);
    expect(t.tracker!.scopes).toEqual([{ type: 'DATASOURCES:APPEND', resource: 'events', filter: '' }]);
    const append = await fetch(`${db.url}/v0/events?name=events&wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${t.tracker!.token}` }, body: '{"timestamp":"2024-02-01 00:00:00","user":{"id":"u3"},"page":"/x","duration":1}' });
    expect(append.status).toBe(200);
    expect(await status(db, '/v0/pipes/top_pages.json', t.dashboard!.token)).toBe(200);

    await db.close();
    db = await startDuckbird({ project: PROJECT, data, adminToken: 'p.deploy-admin', log: () => {} });
    const again = await listTokens(db);
    expect(Object.keys(again).sort()).toEqual(['admin token', 'dashboard', 'tracker']);
    expect(again.dashboard!.token).toBe(t.dashboard!.token);
    expect(await status(db, '/v0/pipes/top_pages.json', again.dashboard!.token)).toBe(200);
  });
});
