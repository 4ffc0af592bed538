// A DateTime shown in a time zone answers with ClickHouse's `meta` type, `DateTime('Zone')`, through /v0/sql and
// through a pipe (sql/time-zones.ts `resultTimeZones`, service pipe-sql.ts `endpointMetaTypes`).
import { mkdir, mkdtemp, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEED_PROJECT, startTestServer, type TestServer } from '../helpers/server.ts';

let dir: string;
let srv: TestServer;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-tz-'));
  await cp(SEED_PROJECT, dir, { recursive: true });
  await mkdir(join(dir, 'endpoints'), { recursive: true });
  await writeFile(
    join(dir, 'endpoints/local_end.pipe'),
    "NODE local_end\nSQL >\n    %\n    SELECT session_id, toTimezone(end_time, {{String(tz, 'America/New_York')}}) AS local_end, end_time\n    FROM charging_sessions WHERE session_id = 'sess_0001'\n\nTYPE endpoint\n",
  );
  srv = await startTestServer({ project: dir });
});
afterAll(async () => {
  await srv?.close();
  await rm(dir, { recursive: true, force: true });
});

type Answer = { meta: { name: string; type: string }[]; data: Record<string, unknown>[] };

it('reports DateTime(Zone) in /v0/sql meta, with the value in that zone', async () => {
  const q = "SELECT toTimezone(end_time, 'Europe/Madrid') AS t, end_time FROM charging_sessions WHERE session_id = 'sess_0001'";
  const body = (await (await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent(q)}&token=${srv.token}`)).json()) as Answer;
  expect(body.meta).toEqual([{ name: 't', type: "DateTime('Europe/Madrid')" }, { name: 'end_time', type: 'DateTime' }]);
  expect(body.data).toEqual([{ t: '2024-04-16 01:26:00', end_time: '2024-04-15 23:26:00' }]);
});

it('reports DateTime(Zone) in a pipe meta, following its parameter', async () => {
  for (const [tz, local] of [['America/New_York', '2024-04-15 19:26:00'], ['Asia/Kolkata', '2024-04-16 04:56:00']] as const) {
    const body = (await (await fetch(`${srv.url}/v0/pipes/local_end.json?tz=${tz}&token=${srv.token}`)).json()) as Answer;
    expect(body.meta).toEqual([
      { name: 'session_id', type: 'String' },
      { name: 'local_end', type: `DateTime('${tz}')` },
      { name: 'end_time', type: 'DateTime' },
    ]);
    expect(body.data).toEqual([{ session_id: 'sess_0001', local_end: local, end_time: '2024-04-15 23:26:00' }]);
  }
});
