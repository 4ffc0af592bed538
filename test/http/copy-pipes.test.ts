// Copy pipes over HTTP (spec §3.8 `POST /v0/pipes/<name>/copy`, §9.3 TYPE copy, §5.7 jobs): append and replace,
// `_mode` and template parameters, Tinybird's error texts, nothing written on failure, scheduled copies with an
// injected clock, and the copied rows surviving a restart.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.ts';
import { Duckbird } from '../../src/service/duckbird.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';
import { parseScope } from '../../src/service/scopes.ts';
import { CopyScheduler } from '../../src/service/copy-schedule.ts';

const admin = 'p.copy-pipes-admin';
let project: string;
let data: string;
let app: Duckbird;
let server: RunningServer;

const copyPipe = (sql: string, target: string, extra: string[] = []) =>
  ['NODE copy_node', 'SQL >', ...sql.split('\n').map((l) => `    ${l}`), '', 'TYPE copy', `TARGET_DATASOURCE ${target}`, ...extra, ''].join('\n');

const FILES: Record<string, string> = {
  'datasources/events.datasource':
    'SCHEMA >\n    `user` String `json:$.user`,\n    `n` Int32 `json:$.n`,\n    `ts` DateTime `json:$.ts`\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user, ts"\n',
  'datasources/totals.datasource': 'SCHEMA >\n    `user` String,\n    `total` Int64\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user"\n',
  'datasources/snapshot.datasource':
    "SCHEMA >\n    `user` String,\n    `n` Int32,\n    `note` String DEFAULT 'none',\n    `ts` Nullable(DateTime)\n\nENGINE \"MergeTree\"\nENGINE_SORTING_KEY \"user\"\n",
  'datasources/nested.datasource': 'SCHEMA >\n    `who` String `json:$.person.name`,\n    `n` Int32 `json:$.n`\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "who"\n',
  'datasources/sched_target.datasource': 'SCHEMA >\n    `user` String,\n    `n` Int32\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user"\n',
  'copies/copy_append.pipe': copyPipe('SELECT user, sum(n) AS total FROM events GROUP BY user', 'totals', ['COPY_MODE append', 'COPY_SCHEDULE @on-demand']),
  'copies/copy_replace.pipe': copyPipe('%\nSELECT user, n, ts FROM events WHERE n >= {{ Int32(min_n, 0) }}', 'snapshot', ['COPY_MODE replace']),
  'copies/copy_nested.pipe': copyPipe('SELECT user AS who, n FROM events', 'nested'),
  'copies/extra_columns.pipe': copyPipe('SELECT user, n, 1 AS extra, 2 AS more FROM events', 'snapshot'),
  'copies/bad_values.pipe': copyPipe("SELECT user, 'not a number' AS n FROM events", 'snapshot'),
  'copies/scheduled.pipe': copyPipe('SELECT user, n FROM events', 'sched_target', ['COPY_SCHEDULE * * * * *']),
  'copies/dedupe.pipe': copyPipe('SELECT DISTINCT user, n FROM totals_dup', 'totals_dup', ['COPY_MODE replace']),
  'datasources/totals_dup.datasource': 'SCHEMA >\n    `user` String `json:$.user`,\n    `n` Int32 `json:$.n`\n\nENGINE "MergeTree"\nENGINE_SORTING_KEY "user"\n',
  'endpoints/top.pipe': 'NODE top\nSQL >\n    SELECT user, n FROM events\n\nTYPE endpoint\n',
};

const EVENTS = [
  { user: 'a', n: 1, ts: '2024-01-01 00:00:00' },
  { user: 'a', n: 2, ts: '2024-01-02 00:00:00' },
  { user: 'b', n: 5, ts: '2024-01-03 00:00:00' },
  { user: 'c', n: 3, ts: '2024-01-04 00:00:00' },
];

async function open(): Promise<void> {
  app = await Duckbird.open(resolveConfig({ project, data, port: '0', admin_token: admin, fixtures: '0' }, {}));
  server = await startServer(app, 0, '127.0.0.1', () => {});
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'duckbird-copy-'));
  data = await mkdtemp(join(tmpdir(), 'duckbird-copy-data-'));
  for (const [name, text] of Object.entries(FILES)) {
    await mkdir(join(project, name, '..'), { recursive: true });
    await writeFile(join(project, name), text);
  }
  await open();
  await app.ingest('events', EVENTS.map((e) => JSON.stringify(e)).join('\n'), true);
});
afterAll(async () => {
  await server?.close();
  await rm(project, { recursive: true, force: true });
  await rm(data, { recursive: true, force: true });
});

type Body = Record<string, unknown>;

async function post(path: string, token = admin): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}token=${token}`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as Body };
}

async function get(path: string): Promise<Body> {
  const res = await fetch(`${server.url}${path}${path.includes('?') ? '&' : '?'}token=${admin}`);
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

async function rows(sql: string): Promise<unknown[]> {
  return (await get(`/v0/sql?q=${encodeURIComponent(`${sql} FORMAT JSON`)}`)).data as unknown[];
}

const job = (body: Body) => body.job as Body;

describe('POST /v0/pipes/<name>/copy', () => {
  it('appends the query rows to the target and answers the node with a done copy job', async () => {
    const { status, body } = await post('/v0/pipes/copy_append/copy');
    expect(status).toBe(200);
    expect(body.name).toBe('copy_node');
    expect(body.sql).toBe('SELECT user, sum(n) AS total FROM events GROUP BY user');
    const j = job(body);
    expect(j).toMatchObject({
      kind: 'copy',
      status: 'done',
      mode: 'append',
      execution_type: 'manual',
      pipe_name: 'copy_append',
      query_sql: 'SELECT user, sum(n) AS total FROM events GROUP BY user',
      datasource: { name: 'totals' },
      is_cancellable: false,
    });
    expect(j.id).toBe(j.job_id);
    expect(j.job_url).toBe(`${server.url}/v0/jobs/${String(j.id)}`);
    expect((j.processed_data as Body).written_rows).toBe(3);
    expect(await rows('SELECT user, total FROM totals ORDER BY user')).toEqual(
      await rows('SELECT user, sum(n) AS total FROM events GROUP BY user ORDER BY user'),
    );
    expect(await rows('SELECT user, total FROM totals ORDER BY user')).toEqual([
      { user: 'a', total: 3 },
      { user: 'b', total: 5 },
      { user: 'c', total: 3 },
    ]);

    // The job is listed and readable through the Jobs API.
    expect(await get(`/v0/jobs/${String(j.id)}`)).toEqual(j);
    const listed = (await get('/v0/jobs?kind=copy')).jobs as Body[];
    expect(listed.map((x) => x.id)).toContain(j.id);

    // A second run appends again.
    expect((await post('/v0/pipes/copy_append/copy')).status).toBe(200);
    expect(await rows('SELECT user, count() AS c, sum(total) AS t FROM totals GROUP BY user ORDER BY user')).toEqual([
      { user: 'a', c: 2, t: 6 },
      { user: 'b', c: 2, t: 10 },
      { user: 'c', c: 2, t: 6 },
    ]);
  });

  it('replaces the target with the rows of the template rendered with the parameters', async () => {
    const first = await post('/v0/pipes/copy_replace/copy?min_n=2');
    expect(first.status).toBe(200);
    expect(job(first.body)).toMatchObject({ mode: 'replace', status: 'done', parameters: { min_n: '2' } });
    expect((job(first.body).parameters as Body).copy_timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    // `note` is not in the query: its DEFAULT fills it.
    expect(await rows('SELECT user, n, note, ts FROM snapshot ORDER BY n')).toEqual([
      { user: 'a', n: 2, note: 'none', ts: '2024-01-02 00:00:00' },
      { user: 'c', n: 3, note: 'none', ts: '2024-01-04 00:00:00' },
      { user: 'b', n: 5, note: 'none', ts: '2024-01-03 00:00:00' },
    ]);
    expect((await post('/v0/pipes/copy_replace/copy?min_n=4')).status).toBe(200);
    expect(await rows('SELECT user, n FROM snapshot ORDER BY n')).toEqual([{ user: 'b', n: 5 }]);
    // Without the parameter the template's default applies.
    expect((await post('/v0/pipes/copy_replace/copy')).status).toBe(200);
    expect(await rows('SELECT count() AS c FROM snapshot')).toEqual([{ c: 4 }]);
  });

  it('takes _mode over COPY_MODE', async () => {
    expect((await post('/v0/pipes/copy_replace/copy?min_n=5')).status).toBe(200);
    const r = await post('/v0/pipes/copy_replace/copy?min_n=3&_mode=append');
    expect(r.status).toBe(200);
    expect(job(r.body).mode).toBe('append');
    expect(job(r.body).parameters).not.toHaveProperty('_mode');
    expect(await rows('SELECT user, n FROM snapshot ORDER BY n')).toEqual([
      { user: 'c', n: 3 },
      { user: 'b', n: 5 },
      { user: 'b', n: 5 },
    ]);
  });

  it('replaces a data source with a snapshot of itself (deduplication)', async () => {
    await app.ingest('totals_dup', ['{"user":"a","n":1}', '{"user":"a","n":1}', '{"user":"b","n":2}', '{"user":"a","n":1}'].join('\n'), true);
    const r = await post('/v0/pipes/dedupe/copy');
    expect(r.status).toBe(200);
    expect((job(r.body).processed_data as Body).written_rows).toBe(2);
    expect(await rows('SELECT user, n FROM totals_dup ORDER BY user')).toEqual([
      { user: 'a', n: 1 },
      { user: 'b', n: 2 },
    ]);
  });

  it('writes each value at its column jsonpath', async () => {
    expect((await post('/v0/pipes/copy_nested/copy')).status).toBe(200);
    expect(await rows('SELECT who, n FROM nested ORDER BY n')).toEqual(EVENTS.map((e) => ({ who: e.user, n: e.n })).sort((x, y) => x.n - y.n));
  });

  const errors: [string, string, number, string][] = [
    ['unknown pipe', '/v0/pipes/nope/copy', 404, "Pipe 'nope' not found"],
    ['not a copy pipe', '/v0/pipes/top/copy', 403, "The pipe 'top' should be a copy pipe"],
    ['bad _mode', '/v0/pipes/copy_replace/copy?_mode=upsert', 400, `Invalid mode "upsert", valid modes are {'append, replace'}`],
    ['columns the target lacks', '/v0/pipes/extra_columns/copy', 400, "The pipe has columns ['extra', 'more'] not found in the destination Data Source."],
    ['bad template parameter', '/v0/pipes/copy_replace/copy?min_n=x', 400, "Template Syntax Error: Error validating 'x' to type Int32"],
  ];
  it.each(errors)('%s: POST %s → %i', async (_label, path, status, message) => {
    const before = await rows('SELECT user, n FROM snapshot ORDER BY user, n');
    const r = await post(path);
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(message);
    expect(await rows('SELECT user, n FROM snapshot ORDER BY user, n')).toEqual(before);
  });

  it('a value that does not fit the target fails the copy, records an error job and writes nothing', async () => {
    const before = await rows('SELECT user, n FROM snapshot ORDER BY user, n');
    const r = await post('/v0/pipes/bad_values/copy');
    expect(r.status).toBe(400);
    expect(r.body.error).toBe("[Error] Cannot parse string 'not a number' as Int32. (CANNOT_PARSE_TEXT)");
    expect(await rows('SELECT user, n FROM snapshot ORDER BY user, n')).toEqual(before);
    const failed = ((await get('/v0/jobs?kind=copy&status=error')).jobs as Body[]).find((x) => x.pipe_name === 'bad_values');
    expect(failed).toMatchObject({ status: 'error', error: r.body.error, datasource: { name: 'snapshot' } });
  });

  it('needs PIPES:READ on the pipe and DATASOURCES:APPEND on the target', async () => {
    const readOnly = (await app.tokens.create('copy-reader', [parseScope('PIPES:READ:copy_nested')])).token;
    const other = (await app.tokens.create('copy-other', [parseScope('PIPES:READ:top'), parseScope('DATASOURCES:APPEND:nested')])).token;
    const both = (await app.tokens.create('copy-runner', [parseScope('PIPES:READ:copy_nested'), parseScope('DATASOURCES:APPEND:nested')])).token;
    const answer = async (token: string) => {
      const r = await post('/v0/pipes/copy_nested/copy', token);
      return [r.status, r.body.error];
    };
    expect(await answer(readOnly)).toEqual([403, 'Token does not have DATASOURCES:APPEND scope for Data Source "nested"']);
    expect(await answer(other)).toEqual([403, 'token has no READ scope for copy_nested']);
    expect((await post('/v0/pipes/copy_nested/copy', both)).status).toBe(200);
  });
});

describe('scheduled copies', () => {
  const waitIdle = async (s: CopyScheduler) => {
    for (let i = 0; i < 500 && s.active.length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(s.active).toEqual([]);
  };
  const targetRows = async () => ((await rows('SELECT count() AS c FROM sched_target')) as [{ c: number }])[0].c;
  const scheduledJobs = async () => ((await get('/v0/jobs?kind=copy')).jobs as Body[]).filter((j) => j.execution_type === 'scheduled');

  it('runs a `* * * * *` pipe on its timer, and never @on-demand ones', async () => {
    // A clock that moves 20 s per reading: the minute turns every few ticks of a 20 ms timer.
    let t = Date.now();
    const scheduler = new CopyScheduler(app, { clock: () => (t += 20_000), intervalMs: 20, log: () => {} });
    scheduler.start();
    try {
      // Polled, not timed: up to ~20 s before giving up.
      for (let i = 0; i < 1000 && (await targetRows()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await scheduler.stop();
    }
    const c = await targetRows();
    // Every run appends the 4 events (the server's own scheduler may have run too when the real minute turned).
    expect(c).toBeGreaterThan(0);
    expect(c % EVENTS.length).toBe(0);
    const jobs = await scheduledJobs();
    expect(jobs.length).toBeGreaterThan(0);
    expect(new Set(jobs.map((j) => j.pipe_name))).toEqual(new Set(['scheduled']));
    expect(jobs[0]).toMatchObject({ status: 'done', mode: 'append', datasource: { name: 'sched_target' } });
  });

  it('follows project reloads: a removed schedule stops, a new one starts', async () => {
    let now = Date.parse('2030-01-01T00:00:30Z');
    const scheduler = new CopyScheduler(app, { clock: () => now, log: () => {} });
    const original = app.project;
    const runs = async () => (await scheduledJobs()).filter((j) => String((j.parameters as Body).copy_timestamp).startsWith('2030-')).length;
    try {
      scheduler.tick(); // first sight: next run 00:01:00
      now = Date.parse('2030-01-01T00:01:00Z');
      scheduler.tick();
      await waitIdle(scheduler);
      expect(await runs()).toBe(1);

      app.replaceProject({ ...original, pipes: original.pipes.filter((p) => p.name !== 'scheduled') });
      now = Date.parse('2030-01-01T00:05:00Z');
      scheduler.tick();
      await waitIdle(scheduler);
      expect(await runs()).toBe(1);

      // Back with another schedule: counted from when it is seen again.
      const hourly = original.pipes.map((p) => (p.name === 'scheduled' ? { ...p, copySchedule: '0 * * * *' } : p));
      app.replaceProject({ ...original, pipes: hourly });
      scheduler.tick();
      now = Date.parse('2030-01-01T00:59:59Z');
      scheduler.tick();
      await waitIdle(scheduler);
      expect(await runs()).toBe(1);
      now = Date.parse('2030-01-01T01:00:00Z');
      scheduler.tick();
      await waitIdle(scheduler);
      expect(await runs()).toBe(2);
    } finally {
      app.replaceProject(original);
      await scheduler.stop();
    }
  });

  it('never runs two copies of one pipe at once', async () => {
    let now = Date.parse('2031-01-01T00:00:30Z');
    const logs: string[] = [];
    const scheduler = new CopyScheduler(app, { clock: () => now, log: (m) => logs.push(m) });
    scheduler.tick();
    now = Date.parse('2031-01-01T00:01:00Z');
    scheduler.tick();
    expect(scheduler.active).toEqual(['scheduled']);
    now = Date.parse('2031-01-01T00:02:00Z');
    scheduler.tick();
    expect(scheduler.active).toEqual(['scheduled']);
    await scheduler.stop();
    expect(logs).toEqual(['copy pipe scheduled: scheduled run skipped, the previous run is still going']);
  });
});

describe('pausing schedules', () => {
  it('pause and resume answer the pipe with its schedule', async () => {
    const paused = await post('/v0/pipes/scheduled/copy/pause');
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ name: 'scheduled', type: 'copy', schedule: { timezone: 'Etc/UTC', cron: '* * * * *', status: 'paused' } });
    expect(app.copySchedule.isPaused('scheduled')).toBe(true);
    const resumed = await post('/v0/pipes/scheduled/copy/resume');
    expect(resumed.body.schedule).toEqual({ timezone: 'Etc/UTC', cron: '* * * * *', status: 'running' });
    expect(app.copySchedule.isPaused('scheduled')).toBe(false);
    const cancelled = await post('/v0/pipes/scheduled/copy/cancel');
    expect(cancelled.body).toMatchObject({ schedule: { status: 'paused' }, cancelled_jobs: [] });
    await post('/v0/pipes/scheduled/copy/resume');
  });

  const errors: [string, string, number, string][] = [
    ['/v0/pipes/nope/copy/pause', admin, 404, "Pipe 'nope' not found"],
    ['/v0/pipes/top/copy/pause', admin, 403, "The pipe 'top' should be a copy pipe"],
    ['/v0/pipes/copy_append/copy/pause', admin, 422, 'The copy Pipe is not scheduled'],
    ['/v0/pipes/copy_replace/copy/resume', admin, 422, 'The copy Pipe is not scheduled'],
    [
      '/v0/pipes/copy_append/copy/cancel',
      admin,
      422,
      'The copy Pipe is not scheduled, use the jobs API to cancel a queued copy job (example: v0/jobs/<job_id>/cancel)',
    ],
  ];
  it.each(errors)('POST %s → %i', async (path, token, status, message) => {
    const r = await post(path, token);
    expect([r.status, r.body.error]).toEqual([status, message]);
  });

  it('needs PIPES:CREATE', async () => {
    const reader = (await app.tokens.create('copy-pause-reader', [parseScope('PIPES:READ:scheduled')])).token;
    const r = await post('/v0/pipes/scheduled/copy/pause', reader);
    expect([r.status, r.body.error]).toEqual([403, 'token needs scope PIPES:CREATE']);
  });

  it('a paused pipe skips its runs; resumed, it runs at its next time', async () => {
    let now = Date.parse('2032-01-01T00:00:30Z');
    const scheduler = new CopyScheduler(app, { clock: () => now, log: () => {} });
    const runs = async () =>
      ((await get('/v0/jobs?kind=copy')).jobs as Body[]).filter((j) => String((j.parameters as Body).copy_timestamp).startsWith('2032-')).length;
    scheduler.tick();
    scheduler.pause('scheduled');
    now = Date.parse('2032-01-01T00:03:00Z');
    scheduler.tick();
    expect(scheduler.active).toEqual([]);
    scheduler.resume('scheduled');
    scheduler.tick(); // seen again at 00:03:00: next run 00:04:00
    expect(scheduler.active).toEqual([]);
    now = Date.parse('2032-01-01T00:04:00Z');
    scheduler.tick();
    expect(scheduler.active).toEqual(['scheduled']);
    await scheduler.stop();
    expect(await runs()).toBe(1);
  });
});

describe('restart', () => {
  it('keeps the copied rows', async () => {
    const tables = ['SELECT user, total FROM totals ORDER BY user, total', 'SELECT user, n, note FROM snapshot ORDER BY user, n', 'SELECT who, n FROM nested ORDER BY who, n'];
    const before = await Promise.all(tables.map(rows));
    await server.close();
    await open();
    const after = await Promise.all(tables.map(rows));
    expect(after).toEqual(before);
    expect(before[0]!.length).toBe(6);
  });
});
