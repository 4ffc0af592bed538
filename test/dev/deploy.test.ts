// Deploys and builds: the multipart protocol of the `tinybird` CLI (clients.md §2), then the real CLI binary from
// @tinybirdco/sdk driving `deploy --check`, `deploy` and `build --local` against duckbird.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDuckbird, type DuckbirdInstance } from '../../src/index.ts';

const PROJECT = join(import.meta.dirname, 'project');
const TINYBIRD = join(import.meta.dirname, '../../node_modules/@tinybirdco/sdk/bin/tinybird.js');

async function projectFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of ['datasources/events.datasource', 'datasources/users.datasource', 'endpoints/top_pages.pipe', 'endpoints/user_list.pipe']) {
    out[f.split('/')[1]!] = await readFile(join(PROJECT, f), 'utf8');
  }
  return out;
}

function upload(db: DuckbirdInstance, path: string, files: Record<string, string>) {
  const form = new FormData();
  form.append('context://', new Blob(['cli-version']), 'cli-version');
  for (const [name, text] of Object.entries(files)) form.append('data_project://', new Blob([text], { type: 'text/plain' }), name);
  return fetch(`${db.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${db.token}` }, body: form }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
}

describe('POST /v1/deploy and /v1/build', () => {
  let data: string;
  let db: DuckbirdInstance;
  beforeAll(async () => {
    data = await mkdtemp(join(tmpdir(), 'duckbird-deploy-'));
    db = await startDuckbird({ project: PROJECT, data, adminToken: 'p.deploy', log: () => {} });
  });
  afterAll(async () => {
    await db.close();
    await rm(data, { recursive: true, force: true });
  });

  it('answers no_changes for the project being served', async () => {
    const r = await upload(db, '/v1/deploy?auto_promote=true', await projectFiles());
    expect(r.status).toBe(200);
    expect(r.body.result).toBe('no_changes');
  });

  it('--check validates and reports errors with file names, changing nothing', async () => {
    const files = await projectFiles();
    files['top_pages.pipe'] = files['top_pages.pipe']!.replace('NODE counted', 'NODE counted\nBOGUS x');
    files['broken.pipe'] = 'NODE n\nSQL >\n    %\n    SELECT {{ String(x, }}\n';
    delete files['users.datasource'];
    const r = await upload(db, '/v1/deploy?check=true', files);
    expect(r.status).toBe(400);
    expect(r.body.result).toBe('failed');
    expect(r.body.errors.map((e: { filename: string }) => e.filename)).toEqual(['top_pages.pipe', 'datasources/users.datasource', 'broken.pipe']);
    expect(r.body.errors[1].error).toBe('data source users holds 2 rows and is kept: removing it would delete them');
    expect(r.body.deployment.feedback[1]).toEqual({ resource: 'datasources/users.datasource', level: 'ERROR', message: r.body.errors[1].error });
    const ok = await upload(db, '/v1/deploy?check=true', { ...(await projectFiles()), 'extra.pipe': 'NODE n\nSQL >\n    SELECT 1 AS x\n\nTYPE endpoint\n' });
    expect(ok.body).toMatchObject({ result: 'success', deployment: { status: 'data_ready', live: false, new_pipe_names: ['extra'] } });
    expect((await fetch(`${db.url}/v0/pipes/extra.json?token=${db.token}`)).status).toBe(404);
    expect((await fetch(`${db.url}/v1/deployments?token=${db.token}`).then((x) => x.json()))).toEqual({ deployments: [] });
  });

  it('deploys at once, keeps the datafiles, and serves them after a restart', async () => {
    const files = await projectFiles();
    files['top_pages.pipe'] = files['top_pages.pipe']!.replaceAll('views', 'hits');
    files['clicks.datasource'] = 'SCHEMA >\n    `id` String `json:$.id`\n';
    files['clicks_count.pipe'] = 'NODE n\nSQL >\n    SELECT count() AS c FROM clicks\n\nTYPE endpoint\n';
    delete files['user_list.pipe'];
    const r = await upload(db, '/v1/deploy?auto_promote=true', files);
    expect(r.body).toMatchObject({
      result: 'success',
      deployment: { id: '1', status: 'data_ready', live: true, new_datasource_names: ['clicks'], changed_pipe_names: ['top_pages'], new_pipe_names: ['clicks_count'], deleted_pipe_names: ['user_list'], deleted_datasource_names: [] },
    });
    expect(await fetch(`${db.url}/v1/deployments?token=${db.token}`).then((x) => x.json())).toMatchObject({ deployments: [{ id: '1', status: 'live', live: true }] });
    expect(await fetch(`${db.url}/v1/deployments/1?token=${db.token}`).then((x) => x.json())).toMatchObject({ deployment: { id: '1', status: 'data_ready', live: true } });
    const top = await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((x) => x.json());
    expect(top.data).toEqual([{ page: '/home', hits: 2 }, { page: '/pricing', hits: 1 }]);
    await fetch(`${db.url}/v0/events?name=clicks&wait=true&token=${db.token}`, { method: 'POST', body: '{"id":"a"}' });

    await db.close();
    const logs: string[] = [];
    db = await startDuckbird({ project: PROJECT, data, adminToken: 'p.deploy', log: (l) => logs.push(l) });
    expect(logs[0]).toBe(`serving the project deployed with tinybird deploy, kept in ${join(data, '_deployment')} (remove it to serve ${PROJECT})`);
    expect((await fetch(`${db.url}/v0/pipes/clicks_count.json?token=${db.token}`).then((x) => x.json())).data).toEqual([{ c: 1 }]);
    expect((await fetch(`${db.url}/v0/pipes/user_list.json?token=${db.token}`)).status).toBe(404);
    const b = await upload(db, '/v1/build', { ...files, 'user_list.pipe': (await projectFiles())['user_list.pipe']! });
    expect(b.body).toMatchObject({ result: 'success', build: { id: '2', new_pipe_names: ['user_list'] } });
  });

  it('refuses a body without datafiles, and non-admin tokens', async () => {
    expect((await upload(db, '/v1/deploy', {})).body).toEqual({ error: 'No datafiles in the request: send each one as a multipart part named "data_project://"', documentation: 'https://docs.tinybird.co/api-reference/overview' });
    const r = await fetch(`${db.url}/v1/deploy`, { method: 'POST', headers: { Authorization: 'Bearer p.nope' } });
    expect(r.status).toBe(403);
  });
});

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function tinybird(cwd: string, args: string[]): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, [TINYBIRD, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, out })));
}

describe('the tinybird CLI from @tinybirdco/sdk', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'duckbird-tbcli-'));
    await mkdir(join(work, 'tb'));
    await cp(join(PROJECT, 'datasources'), join(work, 'tb'), { recursive: true });
    await cp(join(PROJECT, 'endpoints'), join(work, 'tb'), { recursive: true });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  const config = (url: string, token: string, extra = {}) =>
    writeFile(join(work, 'tinybird.json'), JSON.stringify({ include: ['tb/*.datasource', 'tb/*.pipe'], token, baseUrl: url, ...extra }));

  it('deploy --check, then deploy', async () => {
    const db = await startDuckbird({ project: PROJECT, adminToken: 'p.cli', log: () => {} });
    try {
      await config(db.url, db.token);
      await writeFile(join(work, 'tb/top_pages.pipe'), (await readFile(join(PROJECT, 'endpoints/top_pages.pipe'), 'utf8')).replace('NODE counted', 'NODE counted\nBOGUS x'));
      const bad = await tinybird(work, ['deploy', '--check']);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/top_pages\.pipe: line \d+: /);
      await writeFile(join(work, 'tb/top_pages.pipe'), (await readFile(join(PROJECT, 'endpoints/top_pages.pipe'), 'utf8')).replaceAll('views', 'hits'));
      const check = await tinybird(work, ['deploy', '--check']);
      expect(check.code).toBe(0);
      expect((await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((x) => x.json())).data[0]).toEqual({ page: '/home', views: 2 });
      const deploy = await tinybird(work, ['deploy']);
      expect(deploy.out).toContain('Deployment #1 is live!');
      expect(deploy.code).toBe(0);
      expect((await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((x) => x.json())).data[0]).toEqual({ page: '/home', hits: 2 });
    } finally {
      await db.close();
    }
  }, 60_000);

  it('build --local (Tinybird Local protocol on localhost:7181)', async (ctx) => {
    // The CLI always calls http://localhost:7181 for --local; another duckbird or Tinybird Local may hold it.
    if (!(await portFree(7181))) ctx.skip('port 7181 is in use, and `tinybird build --local` only talks to localhost:7181');
    const db = await startDuckbird({ project: PROJECT, port: 7181, adminToken: 'p.local', log: () => {} });
    try {
      await config('http://127.0.0.1:7181', db.token, { devMode: 'local' });
      await writeFile(join(work, 'tb/top_pages.pipe'), (await readFile(join(PROJECT, 'endpoints/top_pages.pipe'), 'utf8')).replaceAll('views', 'n'));
      const r = await tinybird(work, ['build', '--local']);
      expect(r.out).toContain('Tinybird Local branch: duckbird existing');
      expect(r.out).toContain('top_pages.pipe changed');
      expect(r.code).toBe(0);
      expect((await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((x) => x.json())).data[0]).toEqual({ page: '/home', n: 2 });
    } finally {
      await db.close();
    }
  }, 60_000);

  it('dev --local (Tinybird Local protocol on localhost:7181, then rebuilds while watching)', async (ctx) => {
    if (!(await portFree(7181))) ctx.skip('port 7181 is in use, and `tinybird dev --local` only talks to localhost:7181');
    const db = await startDuckbird({ project: PROJECT, port: 7181, adminToken: 'p.devlocal', log: () => {} });
    const topPages = async () => (await fetch(`${db.url}/v0/pipes/top_pages.json?token=${db.token}`).then((x) => x.json())).data[0];
    const original = await readFile(join(PROJECT, 'endpoints/top_pages.pipe'), 'utf8');
    const proc = spawn(process.execPath, [TINYBIRD, 'dev', '--local'], { cwd: work, env: { ...process.env, NO_COLOR: '1', CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const until = async (ok: () => boolean | Promise<boolean>, what: string) => {
      const started = Date.now();
      while (!(await ok())) {
        if (Date.now() - started > 20_000) throw new Error(`timed out waiting for ${what}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await config('http://127.0.0.1:7181', db.token, { devMode: 'local' });
      await writeFile(join(work, 'tb/top_pages.pipe'), original.replaceAll('views', 'dev_views'));
      // The first build runs before the CLI starts watching.
      await until(() => out.includes('Watching for changes'), 'the first build');
      expect(out).toContain('top_pages.pipe changed');
      expect(await topPages()).toEqual({ page: '/home', dev_views: 2 });
      // The SDK's watcher rebuilds on .ts/.js changes only (@tinybirdco/sdk src/cli/commands/dev.ts), so a datafile
      // change is picked up at the next rebuild a .js file triggers.
      await writeFile(join(work, 'tb/top_pages.pipe'), original.replaceAll('views', 'rebuilt'));
      await writeFile(join(work, 'tb/trigger.js'), `// ${Date.now()}\n`);
      await until(async () => JSON.stringify(await topPages()).includes('rebuilt'), 'the rebuild');
      expect(await topPages()).toEqual({ page: '/home', rebuilt: 2 });
    } finally {
      proc.kill('SIGTERM');
      await exited;
      await rm(join(work, 'tb/trigger.js'), { force: true });
      await db.close();
    }
  }, 60_000);
});

describe('datafile text for tinybird pull', () => {
  it('GET /v0/datasources/<name>.datasource returns the file, GET /v0/pipes/<name>.pipe the pipe', async () => {
    const db = await startDuckbird({ project: PROJECT, log: () => {} });
    try {
      const ds = await fetch(`${db.url}/v0/datasources/users.datasource?token=${db.token}`);
      expect(ds.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await ds.text()).toBe(await readFile(join(PROJECT, 'datasources/users.datasource'), 'utf8'));
      expect(await fetch(`${db.url}/v0/pipes/top_pages.pipe?token=${db.token}`).then((r) => r.text())).toBe(await readFile(join(PROJECT, 'endpoints/top_pages.pipe'), 'utf8'));
      const missing = await fetch(`${db.url}/v0/datasources/nope.datasource?token=${db.token}`);
      expect(missing.status).toBe(404);
      const reader = (await db.app.tokens.create('r', [{ type: 'PIPES:READ', resource: 'top_pages' }])).token;
      const denied = await fetch(`${db.url}/v0/datasources/users.datasource?token=${reader}`);
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as { error: string }).error).toBe('token needs DATASOURCES:CREATE or DATASOURCES:READ:users scope to retrieve the datafile of users');
    } finally {
      await db.close();
    }
  });
});
