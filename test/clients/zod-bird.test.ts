// @chronark/zod-bird against a real duckbird (spec/clients.md §3): its strict zod parsing of ingest and pipe
// responses (UInt64 as a number, `meta` present) and its error mapping (403 → "Unauthorized").
import { Tinybird } from '@chronark/zod-bird';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
});
afterAll(async () => {
  await s?.close();
});

const session = z.object({
  session_id: z.string(),
  station_id: z.string(),
  user_id: z.string(),
  start_time: z.string(),
  end_time: z.string(),
  timestamp: z.string(),
  energy_consumed: z.number(),
  amount_paid: z.number(),
  charging_type: z.string(),
  location: z.string(),
});

describe('@chronark/zod-bird', () => {
  it('ingests with buildIngestEndpoint and queries with buildPipe, strictly typed', async () => {
    const tb = new Tinybird({ baseUrl: s.url, token: s.token });
    const ingest = tb.buildIngestEndpoint({ datasource: 'charging_sessions', event: session, wait: true });
    const base = { station_id: 'st-1', user_id: 'user_42', start_time: '2024-05-01 08:00:00', end_time: '2024-05-01 09:00:00', timestamp: '2024-05-01 09:00:00', charging_type: 'fast', location: 'Madrid' };
    expect(await ingest([{ ...base, session_id: 's-1', energy_consumed: 10.5, amount_paid: 4 }, { ...base, session_id: 's-2', energy_consumed: 20, amount_paid: 6 }])).toEqual({ successful_rows: 2, quarantined_rows: 0 });

    const usage = tb.buildPipe({
      pipe: 'user_usage',
      parameters: z.object({ user_id: z.string(), start_date: z.string(), end_date: z.string(), limit: z.number().optional() }),
      data: z.object({ user_id: z.string(), total_sessions: z.number().int(), total_energy_consumed: z.number(), unique_stations_used: z.number().int() }).strict().passthrough(),
      opts: { cache: 'no-store' },
    });
    const res = await usage({ user_id: 'user_42', start_date: '2024-05-01 00:00:00', end_date: '2024-05-31 23:59:59', limit: 10 });
    expect(res.data).toEqual([expect.objectContaining({ user_id: 'user_42', total_sessions: 2, total_energy_consumed: 30.5, unique_stations_used: 1 })]);
    expect(res.meta).toContainEqual({ name: 'total_sessions', type: 'UInt64' });
    expect(res.rows).toBe(1);
    expect(typeof res.statistics?.elapsed).toBe('number');
  });

  it('maps errors as zod-bird does', async () => {
    const bad = new Tinybird({ baseUrl: s.url, token: 'p.wrong' });
    const pipe = bad.buildPipe({ pipe: 'user_usage', data: z.object({}) });
    await expect(pipe({})).rejects.toThrow('Unauthorized');
    const tb = new Tinybird({ baseUrl: s.url, token: s.token });
    await expect(tb.buildPipe({ pipe: 'nope', data: z.object({}) })({})).rejects.toThrow("The pipe 'nope' does not exist");
  });
});
