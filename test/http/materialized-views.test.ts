// Materialized views end to end (issue 9): raw page views → an AggregatingMergeTree view of uniq/count/avg states
// per day and path → an endpoint that -Merges them; a chained view; a ReplacingMergeTree target; a view populated
// when it is first deployed. Every answer is checked against ClickHouse (chdb) computing it from the raw rows.
import { Session } from 'chdb';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reloadProject } from '../../src/service/project-reload.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const FILES: Record<string, string> = {
  'datasources/page_views.datasource': `SCHEMA >
    \`timestamp\` DateTime \`json:$.timestamp\`,
    \`session_id\` String \`json:$.session_id\`,
    \`pathname\` String \`json:$.pathname\`,
    \`duration\` Float64 \`json:$.duration\`

ENGINE MergeTree
ENGINE_PARTITION_KEY toYYYYMM(timestamp)
ENGINE_SORTING_KEY pathname, timestamp
`,
  'datasources/pages_mv.datasource': `SCHEMA >
    \`date\` Date,
    \`pathname\` String,
    \`visits\` AggregateFunction(uniq, String),
    \`hits\` AggregateFunction(count),
    \`avg_duration\` AggregateFunction(avg, Float64),
    \`last_seen\` SimpleAggregateFunction(max, DateTime)

ENGINE AggregatingMergeTree
ENGINE_PARTITION_KEY toYYYYMM(date)
ENGINE_SORTING_KEY date, pathname
`,
  'datasources/daily_hits.datasource': `SCHEMA >
    \`date\` Date,
    \`hits\` UInt64

ENGINE SummingMergeTree
ENGINE_SORTING_KEY date
`,
  'datasources/last_page.datasource': `SCHEMA >
    \`session_id\` String,
    \`pathname\` String,
    \`ts\` DateTime

ENGINE ReplacingMergeTree
ENGINE_SORTING_KEY session_id
ENGINE_VER ts
`,
  'materializations/pages.pipe': `NODE pages
SQL >
    SELECT
        toDate(timestamp) AS date,
        pathname,
        uniqState(session_id) AS visits,
        countState() AS hits,
        avgState(duration) AS avg_duration,
        max(timestamp) AS last_seen
    FROM page_views
    GROUP BY date, pathname

TYPE materialized
DATASOURCE pages_mv
`,
  'materializations/daily.pipe': `NODE daily
SQL >
    SELECT date, countMerge(hits) AS hits
    FROM pages_mv
    GROUP BY date

TYPE materialized
DATASOURCE daily_hits
`,
  'materializations/last_page_mv.pipe': `NODE latest
SQL >
    SELECT session_id, argMax(pathname, timestamp) AS pathname, max(timestamp) AS ts
    FROM page_views
    GROUP BY session_id

TYPE materialized
DATASOURCE last_page
`,
  'datasources/session_stats.datasource': `SCHEMA >
    \`session_id\` String,
    \`long_views\` AggregateFunction(countIf, UInt8),
    \`last_path\` AggregateFunction(argMax, String, DateTime),
    \`first_path\` AggregateFunction(argMin, String, DateTime),
    \`total\` AggregateFunction(sum, Float64),
    \`shortest\` AggregateFunction(min, Float64),
    \`paths\` AggregateFunction(uniqCombined, String),
    \`path_set\` AggregateFunction(groupUniqArray, String),
    \`p\` AggregateFunction(quantiles(0.5, 0.9), Float64),
    \`top\` AggregateFunction(topK(2), String),
    \`any_path\` SimpleAggregateFunction(any, String),
    \`views\` SimpleAggregateFunction(sum, UInt64)

ENGINE AggregatingMergeTree
ENGINE_SORTING_KEY session_id
`,
  'materializations/session_stats_mv.pipe': `NODE stats
SQL >
    SELECT
        session_id,
        countIfState(duration > 3) AS long_views,
        argMaxState(pathname, timestamp) AS last_path,
        argMinState(pathname, timestamp) AS first_path,
        sumState(duration) AS total,
        minState(duration) AS shortest,
        uniqCombinedState(pathname) AS paths,
        groupUniqArrayState(pathname) AS path_set,
        quantilesState(0.5, 0.9)(duration) AS p,
        topKState(2)(pathname) AS top,
        any(pathname) AS any_path,
        toUInt64(count()) AS views
    FROM page_views
    GROUP BY session_id

TYPE materialized
DATASOURCE session_stats
`,
  'endpoints/top_pages.pipe': `NODE endpoint
SQL >
    %
    SELECT
        pathname,
        uniqMerge(visits) AS visits,
        countMerge(hits) AS hits,
        avgMerge(avg_duration) AS avg_duration,
        max(last_seen) AS last_seen
    FROM pages_mv
    WHERE date >= {{ Date(date_from, '2024-01-01') }}
    GROUP BY pathname
    ORDER BY hits DESC, pathname

TYPE endpoint
`,
};

const PATHS = ['/', '/pricing', '/docs', '/blog/a', '/blog/b', '/about'];

/** Deterministic page views over four days and two months; durations are exact binary fractions. */
function pageViews(from: number, n: number): Record<string, string | number>[] {
  const start = Date.UTC(2024, 0, 30, 0, 0, 0) / 1000;
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const ts = new Date((start + ((i * 7919) % (4 * 86400))) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return { timestamp: ts, session_id: `s${(i * 31) % 41}`, pathname: PATHS[(i * 13) % PATHS.length]!, duration: ((i * 37) % 23) / 4 };
  });
}

const ndjson = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n');

/** Runs `fn` against a server over a new project made of `files` (path → text), then removes both. */
async function withProject(files: Record<string, string>, fn: (srv: TestServer, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'duckbird-mv-'));
  try {
    for (const [f, text] of Object.entries(files)) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), text);
    }
    const srv = await startTestServer({ project: dir, fixtures: false });
    try {
      await fn(srv, dir);
    } finally {
      await srv.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PATH_HITS = 'SCHEMA >\n    `pathname` String,\n    `hits` UInt64\n';

describe('materialized views', () => {
  let dir: string;
  let srv: TestServer;
  let ch: Session;
  const raw: Record<string, string | number>[] = [];
  /** Rows the view wrote: one per day and path of each batch. */
  let viewRows = 0;

  const sql = async (s: TestServer, q: string) => {
    const r = await fetch(`${s.url}/v0/sql?q=${encodeURIComponent(`${q} FORMAT JSON`)}&token=${s.token}`);
    const body = (await r.json()) as { data: Record<string, unknown>[]; error?: string };
    if (!r.ok) throw new Error(body.error);
    return body.data;
  };
  const endpoint = async (s: TestServer, params = '') => {
    const r = await fetch(`${s.url}/v0/pipes/top_pages.json?token=${s.token}${params}`);
    expect(r.status).toBe(200);
    return ((await r.json()) as { data: unknown[] }).data;
  };
  const post = async (s: TestServer, rows: object[]) => {
    const r = await fetch(`${s.url}/v0/events?name=page_views&wait=true&token=${s.token}`, { method: 'POST', body: ndjson(rows) });
    expect(await r.json()).toEqual({ successful_rows: rows.length, quarantined_rows: 0 });
    raw.push(...(rows as Record<string, string | number>[]));
    ch.query(`INSERT INTO page_views FORMAT JSONEachRow ${ndjson(rows)}`);
  };
  /** ClickHouse's answer over the raw rows, as the endpoint's JSON gives it. */
  const expected = (dateFrom = '2024-01-01') =>
    (JSON.parse(
      ch.query(
        `SELECT pathname, uniq(session_id) AS visits, count() AS hits, avg(duration) AS avg_duration, max(timestamp) AS last_seen
         FROM page_views WHERE toDate(timestamp) >= '${dateFrom}' GROUP BY pathname ORDER BY hits DESC, pathname`,
        'JSON',
      ),
    ) as { data: unknown[] }).data;
  const chRows = (q: string) => (JSON.parse(ch.query(q, 'JSON')) as { data: unknown[] }).data;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-mv-'));
    for (const [f, text] of Object.entries(FILES)) {
      await mkdir(join(dir, f, '..'), { recursive: true });
      await writeFile(join(dir, f), text);
    }
    ch = new Session();
    ch.query('SET output_format_json_quote_64bit_integers = 0');
    ch.query('CREATE TABLE page_views (timestamp DateTime, session_id String, pathname String, duration Float64) ENGINE = MergeTree ORDER BY tuple()');
    srv = await startTestServer({ project: dir, fixtures: false });
  });
  afterAll(async () => {
    await srv?.close();
    ch?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the views without warnings', () => {
    expect(srv.app.warnings).toEqual([]);
  });

  it('fills the views batch by batch: the endpoint equals ClickHouse over the raw rows', async () => {
    for (let b = 0; b < 6; b++) {
      const rows = pageViews(b * 100, 100);
      viewRows += new Set(rows.map((r) => `${String(r.timestamp).slice(0, 10)} ${r.pathname}`)).size;
      await post(srv, rows);
      await srv.app.storage.flush();
    }
    expect(await endpoint(srv)).toEqual(expected());
    expect(await endpoint(srv, '&date_from=2024-02-01')).toEqual(expected('2024-02-01'));
  });

  it('merges parts by the sorting key and combines the states', async () => {
    const count = async (q: string) => Number((await sql(srv, q))[0]!.n);
    await srv.app.storage.compact();
    // Merged parts hold one row per key: fewer rows than the view wrote, the same states merged.
    expect(await count('SELECT count() AS n FROM pages_mv')).toBeLessThan(viewRows);
    const keys = await count('SELECT uniqExact(date, pathname) AS n FROM pages_mv');
    expect(await count('SELECT count() AS n FROM pages_mv FINAL')).toBe(keys);
    expect(await endpoint(srv)).toEqual(expected());
    const final = await sql(srv, 'SELECT pathname, uniqMerge(visits) AS visits, countMerge(hits) AS hits FROM pages_mv FINAL GROUP BY pathname ORDER BY hits DESC, pathname');
    expect(final).toEqual(expected().map((r) => ({ pathname: (r as { pathname: string }).pathname, visits: (r as { visits: number }).visits, hits: (r as { hits: number }).hits })));
  });

  it('feeds a chained view from the rows a view adds', async () => {
    const daily = chRows('SELECT toDate(timestamp) AS date, count() AS hits FROM page_views GROUP BY date ORDER BY date');
    expect(await sql(srv, 'SELECT date, sum(hits) AS hits FROM daily_hits GROUP BY date ORDER BY date')).toEqual(daily);
    expect(await sql(srv, 'SELECT date, hits FROM daily_hits FINAL ORDER BY date')).toEqual(daily);
  });

  it('merges every kind of state to what ClickHouse computes from the raw rows', async () => {
    const merged = await sql(
      srv,
      `SELECT session_id, countIfMerge(long_views) AS long_views, argMaxMerge(last_path) AS last_path,
              argMinMerge(first_path) AS first_path, sumMerge(total) AS total, minMerge(shortest) AS shortest,
              uniqCombinedMerge(paths) AS paths, arraySort(groupUniqArrayMerge(path_set)) AS path_set,
              quantilesMerge(0.5, 0.9)(p) AS p, length(topKMerge(2)(top)) AS top, sum(views) AS views
       FROM session_stats GROUP BY session_id ORDER BY session_id`,
    );
    const direct = chRows(
      `SELECT session_id, countIf(duration > 3) AS long_views, argMax(pathname, timestamp) AS last_path,
              argMin(pathname, timestamp) AS first_path, sum(duration) AS total, min(duration) AS shortest,
              uniqCombined(pathname) AS paths, arraySort(groupUniqArray(pathname)) AS path_set,
              quantiles(0.5, 0.9)(duration) AS p, length(topK(2)(pathname)) AS top, count() AS views
       FROM page_views GROUP BY session_id ORDER BY session_id`,
    );
    expect(merged).toEqual(direct);
  });

  it('keeps the latest row per key in a ReplacingMergeTree target', async () => {
    const latest = chRows('SELECT session_id, argMax(pathname, timestamp) AS pathname FROM page_views GROUP BY session_id ORDER BY session_id');
    expect(await sql(srv, 'SELECT session_id, pathname FROM last_page FINAL ORDER BY session_id')).toEqual(latest);
  });

  it('runs the views for Data Sources API imports too', async () => {
    const rows = pageViews(1000, 50);
    const csv = rows.map((r) => `${r.timestamp},${r.session_id},${r.pathname},${r.duration}`).join('\n');
    const r = await fetch(`${srv.url}/v0/datasources?name=page_views&mode=append&format=csv&token=${srv.token}`, { method: 'POST', body: csv });
    expect(r.status).toBe(200);
    raw.push(...rows);
    ch.query(`INSERT INTO page_views FORMAT JSONEachRow ${ndjson(rows)}`);
    expect(await endpoint(srv)).toEqual(expected());
  });

  it('answers the same after a restart, with rows still in the write-ahead log', async () => {
    await post(srv, pageViews(2000, 30));
    await srv.stop();
    srv = await startTestServer({ project: dir, fixtures: false, dataDir: srv.dataDir });
    expect(await endpoint(srv)).toEqual(expected());
  });

  it('populates a view deployed over existing rows, then keeps it up to date', async () => {
    await writeFile(
      join(dir, 'materializations/paths.pipe'),
      `NODE paths\nSQL >\n    SELECT pathname, count() AS hits FROM page_views GROUP BY pathname\n\nTYPE materialized\nDATASOURCE path_hits\n`,
    );
    await writeFile(join(dir, 'datasources/path_hits.datasource'), 'SCHEMA >\n    `pathname` String,\n    `hits` UInt64\n\nENGINE SummingMergeTree\nENGINE_SORTING_KEY pathname\n');
    await srv.stop();
    srv = await startTestServer({ project: dir, fixtures: false, dataDir: srv.dataDir });
    const hits = () => chRows('SELECT pathname, count() AS hits FROM page_views GROUP BY pathname ORDER BY pathname');
    expect(await sql(srv, 'SELECT pathname, hits FROM path_hits FINAL ORDER BY pathname')).toEqual(hits());
    await post(srv, pageViews(3000, 40));
    expect(await sql(srv, 'SELECT pathname, sum(hits) AS hits FROM path_hits GROUP BY pathname ORDER BY pathname')).toEqual(hits());
    // Populated once: a second restart does not add the existing rows again.
    await srv.stop();
    srv = await startTestServer({ project: dir, fixtures: false, dataDir: srv.dataDir });
    expect(await sql(srv, 'SELECT pathname, sum(hits) AS hits FROM path_hits GROUP BY pathname ORDER BY pathname')).toEqual(hits());
  });
});

describe('materialized views that do not fit their target', () => {
  const cases: [string, string, string][] = [
    [
      'an extra column',
      'SELECT pathname, count() AS hits, 1 AS extra FROM page_views GROUP BY pathname',
      "materializations/bad.pipe:3: materialized view bad: columns 'extra' are not in the target data source path_hits",
    ],
    [
      'a missing column without DEFAULT',
      'SELECT count() AS hits FROM page_views',
      "materializations/bad.pipe:3: materialized view bad: the target data source path_hits needs columns 'pathname' (no DEFAULT, not Nullable)",
    ],
    [
      'a String into a number',
      "SELECT pathname, 'x' AS hits FROM page_views",
      "materializations/bad.pipe:3: materialized view bad: column 'hits' is VARCHAR, the target expects UInt64",
    ],
    [
      'an unknown source',
      'SELECT pathname, count() AS hits FROM nowhere GROUP BY pathname',
      'materializations/bad.pipe:3: materialized view bad reads no data source',
    ],
  ];
  it.each(cases)('refuses %s at load with file:line', async (_name, select, message) => {
    const files = {
      'datasources/page_views.datasource': FILES['datasources/page_views.datasource']!,
      'datasources/path_hits.datasource': PATH_HITS,
      'materializations/bad.pipe': `NODE bad\nSQL >\n    ${select}\n\nTYPE materialized\nDATASOURCE path_hits\n`,
    };
    await withProject(files, async (srv, dir) => {
      expect(srv.app.warnings.map((w) => w.replace(dir + '/', ''))).toEqual([message]);
      // The source still takes rows; the refused view does not run.
      const r = await fetch(`${srv.url}/v0/events?name=page_views&wait=true&token=${srv.token}`, { method: 'POST', body: ndjson(pageViews(0, 3)) });
      expect(await r.json()).toEqual({ successful_rows: 3, quarantined_rows: 0 });
    });
  });
});

describe('a view that fails on appended rows', () => {
  it('undoes the whole append and answers 503 as spec §2.3 says when nothing was ingested', async () => {
    const files = {
      'datasources/page_views.datasource': FILES['datasources/page_views.datasource']!,
      'datasources/path_hits.datasource': PATH_HITS,
      'materializations/numeric.pipe': 'NODE numeric\nSQL >\n    SELECT pathname, toUInt64(pathname) AS hits FROM page_views\n\nTYPE materialized\nDATASOURCE path_hits\n',
    };
    await withProject(files, async (srv) => {
      const post = (pathname: string) =>
        fetch(`${srv.url}/v0/events?name=page_views&wait=true&token=${srv.token}`, {
          method: 'POST',
          body: JSON.stringify({ timestamp: '2024-01-01 00:00:00', session_id: 'a', pathname, duration: 1 }),
        });
      expect(await (await post('7')).json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
      const bad = await post('/x');
      expect(bad.status).toBe(503);
      expect(await bad.text()).toMatch(/^Materialized view numeric failed, no data ingested: .*\/x/);
      const count = async (t: string) => {
        const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(`SELECT count() AS n FROM ${t} FORMAT JSON`)}&token=${srv.token}`);
        return ((await r.json()) as { data: { n: number }[] }).data[0]!.n;
      };
      expect([await count('page_views'), await count('path_hits')]).toEqual([1, 1]);
    });
  });
});

describe('views and hot reload', () => {
  it('populates a view added while running, and reports a broken one with file:line', async () => {
    await withProject({ 'datasources/page_views.datasource': FILES['datasources/page_views.datasource']! }, async (srv, dir) => {
      const sql = async (q: string) => {
        const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(`${q} FORMAT JSON`)}&token=${srv.token}`);
        return ((await r.json()) as { data: unknown[] }).data;
      };
      const post = (rows: object[]) => fetch(`${srv.url}/v0/events?name=page_views&wait=true&token=${srv.token}`, { method: 'POST', body: ndjson(rows) });
      await post(pageViews(0, 20));
      await mkdir(join(dir, 'materializations'));
      await writeFile(join(dir, 'datasources/path_hits.datasource'), 'SCHEMA >\n    `pathname` String,\n    `hits` UInt64\n\nENGINE SummingMergeTree\nENGINE_SORTING_KEY pathname\n');
      await writeFile(join(dir, 'materializations/paths.pipe'), 'NODE paths\nSQL >\n    SELECT pathname, count() AS hits FROM page_views GROUP BY pathname\n\nTYPE materialized\nDATASOURCE path_hits\n');
      expect((await reloadProject(srv.app, dir, {})).errors).toEqual([]);
      await post(pageViews(20, 10));
      const direct = await sql('SELECT pathname, count() AS hits FROM page_views GROUP BY pathname ORDER BY pathname');
      expect(await sql('SELECT pathname, sum(hits) AS hits FROM path_hits GROUP BY pathname ORDER BY pathname')).toEqual(direct);
      await writeFile(join(dir, 'materializations/paths.pipe'), 'NODE paths\nSQL >\n    SELECT pathname, count() AS visits FROM page_views GROUP BY pathname\n\nTYPE materialized\nDATASOURCE path_hits\n');
      const errors = (await reloadProject(srv.app, dir, {})).errors.map((e) => e.replace(`${dir}/`, ''));
      expect(errors).toEqual(["materializations/paths.pipe:3: materialized view paths: columns 'visits' are not in the target data source path_hits"]);
      // The last good version keeps running; fixed again, the view is not populated a second time.
      await post(pageViews(30, 10));
      await writeFile(join(dir, 'materializations/paths.pipe'), 'NODE paths\nSQL >\n    SELECT pathname, count() AS hits FROM page_views GROUP BY pathname\n\nTYPE materialized\nDATASOURCE path_hits\n');
      expect((await reloadProject(srv.app, dir, {})).errors).toEqual([]);
      expect(await sql('SELECT pathname, sum(hits) AS hits FROM path_hits GROUP BY pathname ORDER BY pathname')).toEqual(
        await sql('SELECT pathname, count() AS hits FROM page_views GROUP BY pathname ORDER BY pathname'),
      );
    });
  });
});

describe('a replace of a view source', () => {
  it("replaces the view's target with what the view makes of the new rows, atomically", async () => {
    const files = {
      'datasources/page_views.datasource': FILES['datasources/page_views.datasource']!,
      'datasources/path_hits.datasource': 'SCHEMA >\n    `pathname` String,\n    `hits` UInt64\n\nENGINE SummingMergeTree\nENGINE_SORTING_KEY pathname\n',
      'materializations/paths.pipe': 'NODE paths\nSQL >\n    SELECT pathname, count() AS hits FROM page_views GROUP BY pathname\n\nTYPE materialized\nDATASOURCE path_hits\n',
    };
    await withProject(files, async (srv) => {
      const sql = async (q: string) => {
        const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(`${q} FORMAT JSON`)}&token=${srv.token}`);
        return ((await r.json()) as { data: unknown[] }).data;
      };
      await fetch(`${srv.url}/v0/events?name=page_views&wait=true&token=${srv.token}`, { method: 'POST', body: ndjson(pageViews(0, 50)) });
      const fresh = pageViews(500, 7);
      const csv = fresh.map((r) => `${r.timestamp},${r.session_id},${r.pathname},${r.duration}`).join('\n');
      const r = await fetch(`${srv.url}/v0/datasources?name=page_views&mode=replace&format=csv&token=${srv.token}`, { method: 'POST', body: csv });
      expect(r.status).toBe(200);
      const counts = new Map<string, number>();
      for (const v of fresh) counts.set(String(v.pathname), (counts.get(String(v.pathname)) ?? 0) + 1);
      const expected = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([pathname, hits]) => ({ pathname, hits }));
      expect(await sql('SELECT pathname, sum(hits) AS hits FROM path_hits GROUP BY pathname ORDER BY pathname')).toEqual(expected);
      expect(await sql('SELECT count() AS n FROM page_views')).toEqual([{ n: 7 }]);
    });
  });
});
