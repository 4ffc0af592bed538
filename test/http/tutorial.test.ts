// The EV-charging tutorial (../shared/seed/) end to end over HTTP: its curl commands, the fixtures and the three
// endpoints, with every number recomputed here from the fixture rows.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_PROJECT, startTestServer, type TestServer } from '../helpers/server.ts';

interface Session {
  session_id: string;
  station_id: string;
  user_id: string;
  start_time: string;
  end_time: string;
  energy_consumed: number;
  amount_paid: number;
  charging_type: string;
  location: string;
  timestamp: string;
}

const fixtures: Session[] = readFileSync(join(SEED_PROJECT, 'fixtures/charging_sessions.ndjson'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Session);

// The tutorial's own example event, verbatim.
const tutorialEvent = `{
           "session_id": "session123",
           "station_id": "station456",
           "user_id": "user789",
           "start_time": "2024-01-26 10:00:00",
           "end_time": "2024-01-26 11:00:00",
           "energy_consumed": 15.5,
           "amount_paid": 10.00,
           "charging_type": "AC",
           "location": "Main Street",
           "timestamp": "2024-01-26 10:00:00"
         }`;
const tutorialRow: Session = JSON.parse(tutorialEvent) as Session;

let s: TestServer;
const all = () => [...fixtures, tutorialRow];
const round2 = (x: number) => Math.round(x * 100) / 100;

async function get(path: string, token: string | null = s.token): Promise<Response> {
  const url = new URL(path, s.url);
  if (token !== null) url.searchParams.set('token', token);
  return fetch(url);
}

async function getJson(path: string) {
  const res = await get(path);
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as { meta: { name: string; type: string }[]; data: Record<string, unknown>[]; rows: number; rows_before_limit_at_least?: number; statistics: Record<string, number> };
}

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('tutorial', () => {
  it('ingests the tutorial event with the curl command (multi-line JSON body, Bearer token)', async () => {
    const res = await fetch(`${s.url}/v0/events?name=charging_sessions&utm_source=DEV&utm_campaign=tb+create+--prompt+DEV`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: tutorialEvent,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
  });

  it('answers user_usage for user789 in January 2024, as the tutorial calls it', async () => {
    const body = await getJson('/v0/pipes/user_usage.json?user_id=user789&start_date=2024-01-01 00:00:00&end_date=2024-01-31 23:59:59&limit=10');
    expect(body.meta).toEqual([
      { name: 'user_id', type: 'String' },
      { name: 'total_sessions', type: 'UInt64' },
      { name: 'total_energy_consumed', type: 'Float64' },
      { name: 'total_amount_spent', type: 'Float64' },
      { name: 'avg_energy_per_session', type: 'Float64' },
      { name: 'avg_amount_per_session', type: 'Float64' },
      { name: 'first_session', type: 'DateTime' },
      { name: 'latest_session', type: 'DateTime' },
      { name: 'unique_stations_used', type: 'UInt64' },
    ]);
    expect(body.data).toEqual([
      {
        user_id: 'user789',
        total_sessions: 1,
        total_energy_consumed: 15.5,
        total_amount_spent: 10,
        avg_energy_per_session: 15.5,
        avg_amount_per_session: 10,
        first_session: '2024-01-26 10:00:00',
        latest_session: '2024-01-26 10:00:00',
        unique_stations_used: 1,
      },
    ]);
    expect(body.rows).toBe(1);
    expect(body.rows_before_limit_at_least).toBe(1);
    expect(typeof body.statistics.elapsed).toBe('number');
  });

  it('uses the tutorial defaults of user_usage (2023, user_id empty): no rows', async () => {
    const body = await getJson('/v0/pipes/user_usage.json');
    expect(body.data).toEqual([]);
    expect(body.rows).toBe(0);
  });

  it('aggregates user_usage over the fixtures exactly', async () => {
    const user = fixtures[0]!.user_id;
    const rows = all().filter((r) => r.user_id === user && r.start_time >= '2024-01-01 00:00:00' && r.start_time <= '2024-12-31 23:59:59');
    const body = await getJson(`/v0/pipes/user_usage.json?user_id=${user}&start_date=2024-01-01 00:00:00&end_date=2024-12-31 23:59:59`);
    const starts = rows.map((r) => r.start_time).sort();
    const sum = (f: (r: Session) => number) => rows.reduce((a, r) => a + f(r), 0);
    expect(body.data).toHaveLength(1);
    const d = body.data[0]!;
    expect(d.total_sessions).toBe(rows.length);
    expect(d.total_energy_consumed).toBeCloseTo(sum((r) => r.energy_consumed), 9);
    expect(d.total_amount_spent).toBeCloseTo(sum((r) => r.amount_paid), 9);
    expect(d.avg_energy_per_session).toBeCloseTo(sum((r) => r.energy_consumed) / rows.length, 9);
    expect(d.first_session).toBe(starts[0]);
    expect(d.latest_session).toBe(starts[starts.length - 1]);
    expect(d.unique_stations_used).toBe(new Set(rows.map((r) => r.station_id)).size);
  });

  it('pages get_sessions newest first, with filters', async () => {
    const sorted = all().sort((a, b) => (a.start_time === b.start_time ? a.session_id.localeCompare(b.session_id) : b.start_time.localeCompare(a.start_time)));
    const page = await getJson('/v0/pipes/get_sessions.json?limit=5&offset=3');
    expect(page.data.map((r) => r.session_id)).toEqual(sorted.slice(3, 8).map((r) => r.session_id));
    expect(page.rows).toBe(5);
    expect(page.rows_before_limit_at_least).toBe(sorted.length);
    expect(page.meta.find((m) => m.name === 'start_time')?.type).toBe('DateTime');

    const loc = 'Main Street';
    const filtered = await getJson(`/v0/pipes/get_sessions.json?location=${encodeURIComponent(loc)}&charging_type=AC&start_date=2024-01-01 00:00:00&end_date=2024-03-31 23:59:59`);
    const expected = sorted.filter((r) => r.location === loc && r.charging_type === 'AC' && r.start_time >= '2024-01-01 00:00:00' && r.start_time <= '2024-03-31 23:59:59');
    expect(filtered.data.map((r) => r.session_id)).toEqual(expected.map((r) => r.session_id));

    const station = fixtures[1]!.station_id;
    const byStation = await getJson(`/v0/pipes/get_sessions.json?station_id=${station}&user_id=${fixtures[1]!.user_id}`);
    expect(byStation.data.map((r) => r.session_id)).toEqual(sorted.filter((r) => r.station_id === station && r.user_id === fixtures[1]!.user_id).map((r) => r.session_id));
    expect(byStation.data[0]).toEqual({ ...sorted.find((r) => r.station_id === station && r.user_id === fixtures[1]!.user_id) });
  });

  it('answers station_analytics for Main Street, as the tutorial calls it', async () => {
    // The tutorial's URL, with its space left in: fetch encodes it as %20.
    const body = await getJson('/v0/pipes/station_analytics.json?location=Main Street&start_date=2024-01-01 00:00:00&end_date=2024-01-31 23:59:59&limit=10');
    const rows = all().filter((r) => r.location === 'Main Street' && r.start_time >= '2024-01-01 00:00:00' && r.start_time <= '2024-01-31 23:59:59');
    const stations = [...new Set(rows.map((r) => r.station_id))];
    const expected = stations
      .map((st) => {
        const rs = rows.filter((r) => r.station_id === st);
        const minutes = rs.map((r) => (Date.parse(r.end_time + 'Z') - Date.parse(r.start_time + 'Z')) / 60000);
        return {
          station_id: st,
          location: 'Main Street',
          total_sessions: rs.length,
          total_energy_consumed: round2(rs.reduce((a, r) => a + r.energy_consumed, 0)),
          total_revenue: round2(rs.reduce((a, r) => a + r.amount_paid, 0)),
          avg_session_minutes: round2(minutes.reduce((a, b) => a + b, 0) / rs.length),
          unique_users: new Set(rs.map((r) => r.user_id)).size,
        };
      })
      .sort((a, b) => b.total_revenue - a.total_revenue || a.station_id.localeCompare(b.station_id));
    expect(body.data).toEqual(expected);
    expect(body.meta.map((m) => m.type)).toEqual(['String', 'String', 'UInt64', 'Float64', 'Float64', 'Float64', 'UInt64']);
  });

  it('answers station_analytics over the whole default range', async () => {
    const body = await getJson('/v0/pipes/station_analytics.json');
    const rows = all().filter((r) => r.start_time >= '2024-01-01 00:00:00' && r.start_time <= '2024-12-31 23:59:59');
    expect(body.data.reduce((a, r) => a + Number(r.total_sessions), 0)).toBe(rows.length);
    expect(body.rows).toBe(new Set(rows.map((r) => `${r.station_id}|${r.location}`)).size);
  });

  it('serves CSV and NDJSON', async () => {
    const csv = await (await get('/v0/pipes/get_sessions.csv?limit=2&station_id=station456')).text();
    expect(csv).toBe(
      '"session_id","station_id","user_id","start_time","end_time","energy_consumed","amount_paid","charging_type","location","timestamp"\n' +
        '"session123","station456","user789","2024-01-26 10:00:00","2024-01-26 11:00:00",15.5,10,"AC","Main Street","2024-01-26 10:00:00"\n',
    );
    const nd = await (await get('/v0/pipes/get_sessions.ndjson?limit=1&station_id=station456')).text();
    expect(nd).toBe(
      '{"session_id":"session123","station_id":"station456","user_id":"user789","start_time":"2024-01-26 10:00:00","end_time":"2024-01-26 11:00:00","energy_consumed":15.5,"amount_paid":10,"charging_type":"AC","location":"Main Street","timestamp":"2024-01-26 10:00:00"}\n',
    );
  });

  it('takes parameters from a POST body, and never passes API parameters to templates', async () => {
    const res = await fetch(`${s.url}/v0/pipes/get_sessions.json?from=ts-sdk`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ station_id: 'station456', limit: 1 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { session_id: string }[] };
    expect(body.data.map((r) => r.session_id)).toEqual(['session123']);
  });

  it('answers /v0/sql in JSON by default and honours FORMAT', async () => {
    const res = await fetch(`${s.url}/v0/sql`, { method: 'POST', headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'text/plain' }, body: 'SELECT count() AS c FROM charging_sessions' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { meta: unknown; data: unknown };
    expect(body.meta).toEqual([{ name: 'c', type: 'UInt64' }]);
    expect(body.data).toEqual([{ c: all().length }]);
    const csv = await (await get(`/v0/sql?q=${encodeURIComponent('SELECT location, count() AS c FROM charging_sessions GROUP BY location ORDER BY location FORMAT CSVWithNames')}`)).text();
    const counts = new Map<string, number>();
    for (const r of all()) counts.set(r.location, (counts.get(r.location) ?? 0) + 1);
    expect(csv).toBe('"location","c"\n' + [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([l, c]) => `"${l}",${c}\n`).join(''));
    const tsv = await (await get(`/v0/sql?q=${encodeURIComponent('SELECT 1 AS x FORMAT TSV')}`)).text();
    expect(tsv).toBe('1\n');
    const overPipe = await getJson(`/v0/sql?q=${encodeURIComponent('SELECT count() AS n FROM station_analytics')}`);
    expect(overPipe.data).toEqual([{ n: new Set(all().filter((r) => r.start_time >= '2024-01-01 00:00:00').map((r) => `${r.station_id}|${r.location}`)).size }]);
  });
});

describe('errors', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['events without name', () => fetch(`${s.url}/v0/events`, { method: 'POST', headers: { Authorization: `Bearer ${s.token}` }, body: '{}' }), 400, "Missing 'name' parameter\n"],
    ['events with a bad token', () => fetch(`${s.url}/v0/events?name=charging_sessions&token=p.nope`, { method: 'POST', body: '{}' }), 403, 'Invalid token\n'],
    ['events with no token', () => fetch(`${s.url}/v0/events?name=charging_sessions`, { method: 'POST', body: '{}' }), 403, 'Invalid token\n'],
    ['unknown pipe', () => get('/v0/pipes/nope.json'), 404, JSON.stringify({ error: "The pipe 'nope' does not exist", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' })],
    ['pipe with a bad token', () => get('/v0/pipes/get_sessions.json', 'p.nope'), 403, JSON.stringify({ error: 'invalid authentication token', documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' })],
    ['pipe with a bad format', () => get('/v0/pipes/get_sessions.xml'), 400, JSON.stringify({ error: "Format 'xml' not supported, it must be one of csv, json, ndjson, parquet, prometheus", documentation: 'https://docs.tinybird.co/api-reference/pipe-api.html' })],
    ['a parameter of the wrong type', () => get('/v0/pipes/get_sessions.json?limit=abc'), 400, JSON.stringify({ error: "Template Syntax Error: Error validating 'abc' to type Int32", documentation: 'https://docs.tinybird.co/cli/advanced-templates.html' })],
    ['a bad DateTime', () => get('/v0/pipes/user_usage.json?start_date=yesterday'), 400, JSON.stringify({ error: "Template Syntax Error: Error validating 'yesterday' to type DateTime", documentation: 'https://docs.tinybird.co/cli/advanced-templates.html' })],
    ['/v0/sql without q', () => get('/v0/sql'), 400, JSON.stringify({ error: 'missing q parameter. example q=select%201', documentation: 'https://docs.tinybird.co/api-reference/query-api.html' })],
    ['/v0/sql with a format Tinybird refuses', () => get(`/v0/sql?q=${encodeURIComponent('SELECT 1 FORMAT XML')}`), 403, JSON.stringify({ error: 'invalid format, available ones: JSON, CSV, CSVWithNames, TSV, TSVWithNames, PrettyCompact, JSONEachRow, Parquet, JSONStrings, Prometheus', documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' })],
  ];
  it.each(cases)('%s', async (_name, call, status, body) => {
    const res = await call();
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
  });

  it('answers OPTIONS preflights with CORS headers', async () => {
    const res = await fetch(`${s.url}/v0/events?name=charging_sessions`, { method: 'OPTIONS', headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, PUT, DELETE, OPTIONS');
  });
});

describe('database errors', () => {
  it('answers in ClickHouse words with the error code header', async () => {
    const res = await get(`/v0/sql?q=${encodeURIComponent('SELECT nope FROM charging_sessions')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('x-db-exception-code')).toBe('47');
    const body = (await res.json()) as { error: string };
    expect(body.error).toMatch(/^\[Error\] Unknown expression identifier `nope`.*\(UNKNOWN_IDENTIFIER\)$/);
  });
  it('answers 403 for an unknown table', async () => {
    const res = await get(`/v0/sql?q=${encodeURIComponent('SELECT * FROM nope')}`);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe("Resource 'nope' not found");
  });
});
