// Hot reload: what a changed project folder turns into (planChange), and `duckbird dev`'s watcher end to end.
import { cp, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDatasource } from '../../src/datafiles/parse-datasource.ts';
import { parsePipe } from '../../src/datafiles/parse-pipe.ts';
import type { Project } from '../../src/datafiles/types.ts';
import { describeChange, planChange } from '../../src/service/project-reload.ts';
import { startDuckbird, type DuckbirdInstance } from '../../src/index.ts';

const ds = (name: string, schema = '`a` String `json:$.a`') => parseDatasource(`SCHEMA >\n    ${schema}\n`, `datasources/${name}.datasource`);
const pipe = (name: string, sql = 'SELECT 1 AS x') => parsePipe(`NODE n\nSQL >\n    ${sql}\n\nTYPE endpoint\n`, `endpoints/${name}.pipe`);
const project = (p: Partial<Project>): Project => ({ dir: '/p', datasources: [], pipes: [], fixtures: [], errors: [], ...p });
const opts = { destructive: false, rows: (n: string) => (n === 'full' ? 5 : 0) };

describe('planChange', () => {
  const current = project({ datasources: [ds('events'), ds('full'), ds('empty')], pipes: [pipe('a'), pipe('b'), pipe('c')] });

  it('names what is new, changed and removed', () => {
    const next = project({ datasources: [ds('events'), ds('full'), ds('fresh')], pipes: [pipe('a'), pipe('b', 'SELECT 2 AS x'), pipe('d')] });
    const c = planChange(current, next, opts);
    expect(describeChange(c)).toEqual(['data source fresh created', 'data source empty dropped', 'pipe d created', 'pipe b updated', 'pipe c removed']);
    expect(c.errors).toEqual([]);
    expect(c.project.pipes.map((p) => p.name)).toEqual(['a', 'b', 'd']);
    expect(c.project.datasources.map((d) => d.name)).toEqual(['events', 'full', 'fresh']);
  });

  it('keeps the last good version of a broken file and a data source with rows; plans a changed schema as a migration', () => {
    const next = project({
      datasources: [ds('events', '`a` String `json:$.a`,\n    `b` Int32 `json:$.b`'), ds('empty')],
      pipes: [pipe('a'), pipe('c', '%\n    SELECT {{ String(x, }} AS x')],
      errors: ['endpoints/b.pipe:3: Unknown keyword FOO'],
    });
    const c = planChange(current, next, opts);
    expect(c.errors).toEqual([
      'endpoints/b.pipe:3: Unknown keyword FOO',
      'datasources/full.datasource:1: data source full holds 5 rows and is kept: removing it would delete them',
      expect.stringMatching(/^endpoints\/c\.pipe:4: .* \(in node 'n' from pipe 'c'\)$/),
    ]);
    expect(describeChange(c)).toEqual(['data source events migrated to its new schema']);
    expect(c.migratedDatasources).toEqual(['events']);
    expect(c.project.datasources).toEqual([next.datasources[0], current.datasources[2], current.datasources[1]]);
    expect(c.project.pipes).toEqual([current.pipes[0], current.pipes[2], current.pipes[1]]);
  });

  it('drops a data source with rows when destructive', () => {
    const c = planChange(current, project({ datasources: [ds('events'), ds('empty')], pipes: current.pipes }), { ...opts, destructive: true });
    expect(describeChange(c)).toEqual(['data source full dropped']);
  });
});

describe('duckbird dev: watching the project folder', () => {
  let dir: string;
  let db: DuckbirdInstance;
  const logs: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-watch-'));
    await cp(join(import.meta.dirname, 'project'), dir, { recursive: true });
    db = await startDuckbird({ project: dir, watch: true, log: (l) => logs.push(l) });
  });
  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (pipe: string, params = '') => {
    const res = await fetch(`${db.url}/v0/pipes/${pipe}.json?token=${db.token}&${params}`);
    return { status: res.status, body: (await res.json()) as { data?: unknown[]; error?: string } };
  };
  async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const started = Date.now();
    for (;;) {
      const v = await fn();
      if (ok(v) || Date.now() - started > 5000) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('serves a changed pipe within a second, without a restart', async () => {
    const file = join(dir, 'endpoints/top_pages.pipe');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('views', 'hits'));
    const started = Date.now();
    const r = await until(() => get('top_pages'), (v) => JSON.stringify(v.body).includes('hits'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.body.data).toEqual([{ page: '/home', hits: 2 }, { page: '/pricing', hits: 1 }]);
    expect(logs).toContain('reloaded: pipe top_pages updated');
  });

  it('keeps the last good version of a broken pipe and prints file:line: message', async () => {
    const file = join(dir, 'endpoints/top_pages.pipe');
    const good = await readFile(file, 'utf8');
    await writeFile(file, good.replace('NODE counted', 'NODE counted\nBOGUS line'));
    await until(async () => logs.some((l) => l.startsWith('endpoints/top_pages.pipe:')), (v) => v);
    expect(logs.find((l) => l.startsWith('endpoints/top_pages.pipe:'))).toMatch(/^endpoints\/top_pages\.pipe:\d+: /);
    expect((await get('top_pages')).body.data).toEqual([{ page: '/home', hits: 2 }, { page: '/pricing', hits: 1 }]);
    await writeFile(file, good.replaceAll('hits', 'n'));
    const r = await until(() => get('top_pages'), (v) => JSON.stringify(v.body).includes('"n"'));
    expect(r.body.data).toEqual([{ page: '/home', n: 2 }, { page: '/pricing', n: 1 }]);
    expect(logs).toContain('reloaded: every datafile is valid again');
  });

  it('creates a new data source with its fixture, and removes a deleted pipe', async () => {
    await writeFile(join(dir, 'fixtures/clicks.ndjson'), '{"id":"c1"}\n{"id":"c2"}\n');
    await writeFile(join(dir, 'datasources/clicks.datasource'), 'SCHEMA >\n    `id` String `json:$.id`\n');
    await writeFile(join(dir, 'endpoints/click_count.pipe'), 'NODE n\nSQL >\n    SELECT count() AS c FROM clicks\n\nTYPE endpoint\n');
    const r = await until(() => get('click_count'), (v) => v.status === 200);
    expect(r.body.data).toEqual([{ c: 2 }]);
    await unlink(join(dir, 'endpoints/click_count.pipe'));
    const gone = await until(() => get('click_count'), (v) => v.status === 404);
    expect(gone).toEqual({ status: 404, body: { error: "The pipe 'click_count' does not exist", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' } });
  });
});
