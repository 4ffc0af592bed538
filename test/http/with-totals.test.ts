// GROUP BY … WITH TOTALS over HTTP: JSON answers carry ClickHouse's `totals` row (checked against chdb over the same
// fixture rows), through /v0/sql and through an endpoint.
import { Session } from 'chdb';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEED_PROJECT, startTestServer, type TestServer } from '../helpers/server.ts';

let dir: string;
let srv: TestServer;
let ch: Session;
const QUERY =
  "SELECT charging_type, count() AS sessions, round(sum(amount_paid), 2) AS paid FROM charging_sessions WHERE location != 'x' GROUP BY charging_type WITH TOTALS ORDER BY charging_type";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-totals-'));
  await cp(SEED_PROJECT, dir, { recursive: true });
  await writeFile(join(dir, 'endpoints/by_type.pipe'), `NODE by_type\nSQL >\n    ${QUERY}\n\nTYPE endpoint\n`);
  srv = await startTestServer({ project: dir });
  ch = new Session();
  ch.query('SET output_format_json_quote_64bit_integers = 0');
  const fixture = join(SEED_PROJECT, 'fixtures/charging_sessions.ndjson');
  ch.query(
    `CREATE TABLE charging_sessions ENGINE = Memory AS SELECT * FROM file('${fixture}', 'JSONEachRow', ` +
      "'session_id String, station_id String, user_id String, start_time DateTime, end_time DateTime, energy_consumed Float64, amount_paid Float64, charging_type String, location String, timestamp DateTime')",
  );
});
afterAll(async () => {
  await srv?.close();
  ch?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

type Answer = { data: unknown[]; totals?: unknown; rows: number };
const expected = () => JSON.parse(ch.query(QUERY, 'JSON')) as Answer;

it('answers the totals row in /v0/sql JSON as ClickHouse does', async () => {
  const body = (await (await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(QUERY)}&token=${srv.token}`)).json()) as Answer;
  const want = expected();
  expect(want.totals).toBeDefined();
  expect({ data: body.data, totals: body.totals, rows: body.rows }).toEqual({ data: want.data, totals: want.totals, rows: want.rows });
});

it('answers the totals row from an endpoint', async () => {
  const body = (await (await fetch(`${srv.url}/v0/pipes/by_type.json?token=${srv.token}`)).json()) as Answer;
  const want = expected();
  expect({ data: body.data, totals: body.totals }).toEqual({ data: want.data, totals: want.totals });
});

it('answers the totals row after a blank line in CSV and TSV, as ClickHouse does', async () => {
  for (const format of ['CSV', 'TSVWithNames']) {
    const q = `${QUERY} FORMAT ${format}`;
    const text = await (await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(q)}&token=${srv.token}`)).text();
    expect(text).toBe(ch.query(QUERY, format));
  }
});
