// The published @tinybirdco/sdk against a real duckbird: only baseUrl and token change (spec/clients.md §1).
import { createClient } from '@tinybirdco/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
});
afterAll(async () => {
  await s?.close();
});

const rows = [
  { session_id: 's-001', station_id: 'st-madrid-01', user_id: 'user_42', start_time: '2024-05-01 08:00:00', end_time: '2024-05-01 08:45:00', timestamp: '2024-05-01 08:45:00', energy_consumed: 31.2, amount_paid: 11.25, charging_type: 'fast', location: 'Madrid' },
  { session_id: 's-002', station_id: 'st-madrid-02', user_id: 'user_42', start_time: '2024-05-02 18:10:00', end_time: '2024-05-02 19:40:00', timestamp: '2024-05-02 19:40:00', energy_consumed: 22.5, amount_paid: 8.1, charging_type: 'standard', location: 'Madrid' },
  { session_id: 's-003', station_id: 'st-bcn-01', user_id: 'user_7', start_time: '2024-05-03 12:00:00', end_time: '2024-05-03 12:30:00', timestamp: '2024-05-03 12:30:00', energy_consumed: 18, amount_paid: 7.2, charging_type: 'fast', location: 'Barcelona' },
];

describe('@tinybirdco/sdk createClient', () => {
  it('ingests, queries a pipe and runs SQL', async () => {
    const client = createClient({ baseUrl: s.url, token: s.token });
    expect(await client.ingestBatch('charging_sessions', rows)).toEqual({ successful_rows: 3, quarantined_rows: 0 });
    expect(await client.ingest('charging_sessions', { ...rows[0]!, session_id: 's-004', energy_consumed: 'lots' })).toEqual({ successful_rows: 0, quarantined_rows: 1 });

    const usage = await client.query<{ user_id: string; total_sessions: number; total_energy_consumed: number }>('user_usage', {
      user_id: 'user_42',
      start_date: '2024-05-01 00:00:00',
      end_date: '2024-05-31 23:59:59',
      limit: 10,
    });
    expect(usage.data).toHaveLength(1);
    expect(usage.data[0]).toMatchObject({ user_id: 'user_42', total_sessions: 2, total_energy_consumed: 53.7 });
    expect(usage.meta.find((m) => m.name === 'total_sessions')).toEqual({ name: 'total_sessions', type: 'UInt64' });

    const sql = await client.sql<{ c: number }>('SELECT count() AS c FROM charging_sessions');
    expect(sql.data).toEqual([{ c: 3 }]);
    const quarantined = await client.sql<{ c__error: string[] }>('SELECT c__error FROM charging_sessions_quarantine');
    expect(quarantined.data).toEqual([{ c__error: ["Strict type checking failed. Value lots on column 'energy_consumed' is a string when a Float64 was expected. While accessing jsonpath '$.energy_consumed'"] }]);
  });

  it('surfaces Tinybird errors as the SDK expects', async () => {
    const client = createClient({ baseUrl: s.url, token: s.token });
    await expect(client.query('nope')).rejects.toMatchObject({ statusCode: 404, message: "The pipe 'nope' does not exist" });
    const bad = createClient({ baseUrl: s.url, token: 'p.wrong' });
    await expect(bad.query('get_sessions')).rejects.toMatchObject({ statusCode: 403 });
  });
});
