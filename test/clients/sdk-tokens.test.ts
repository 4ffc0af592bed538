// The published @tinybirdco/sdk against a real duckbird, beyond the basics in sdk.test.ts: the typed `Tinybird`
// class, createTinybirdApi, createJWT and queries with the JWT, its error helpers on the matching failures, and
// ingest retries on 429 with `maxRetries` (spec/clients.md §1).
import { Tinybird, createClient, createJWT, createTinybirdApi, defineDatasource, defineEndpoint, node, p, t, TinybirdError } from '@tinybirdco/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
});
afterAll(async () => {
  await s?.close();
});

const row = (id: string, user: string, energy: number) => ({
  session_id: id, station_id: 'st-1', user_id: user, start_time: '2024-05-01 08:00:00', end_time: '2024-05-01 09:00:00',
  timestamp: '2024-05-01 09:00:00', energy_consumed: energy, amount_paid: 1, charging_type: 'fast', location: 'Madrid',
});

const chargingSessions = defineDatasource('charging_sessions', {
  schema: {
    session_id: t.string(), station_id: t.string(), user_id: t.string(), start_time: t.dateTime(), end_time: t.dateTime(),
    energy_consumed: t.float64(), amount_paid: t.float64(), charging_type: t.string(), location: t.string(), timestamp: t.dateTime(),
  },
});
const userUsage = defineEndpoint('user_usage', {
  params: { user_id: p.string(), start_date: p.dateTime(), end_date: p.dateTime(), limit: p.int32().optional(100) },
  nodes: [node({ name: 'user_usage_node', sql: 'SELECT 1' })],
  output: { user_id: t.string(), total_sessions: t.uint64(), total_energy_consumed: t.float64() },
});

describe('@tinybirdco/sdk', () => {
  it('typed Tinybird client: ingest and query', async () => {
    const tb = new Tinybird({ datasources: { chargingSessions }, pipes: { userUsage }, baseUrl: s.url, token: s.token, devMode: false });
    expect(await tb.chargingSessions.ingest(row('t-1', 'typed', 5))).toEqual({ successful_rows: 1, quarantined_rows: 0 });
    const r = await tb.userUsage.query({ user_id: 'typed', start_date: '2024-05-01 00:00:00', end_date: '2024-05-31 00:00:00' });
    expect(r.data).toEqual([expect.objectContaining({ user_id: 'typed', total_sessions: 1, total_energy_consumed: 5 })]);
  });

  it('createTinybirdApi: query and sql', async () => {
    const api = createTinybirdApi({ baseUrl: s.url, token: s.token });
    await api.ingestBatch('charging_sessions', [row('a-1', 'api', 1), row('a-2', 'api', 2)]);
    const r = await api.sql<{ c: number }>("SELECT count() AS c FROM charging_sessions WHERE user_id = 'api'");
    expect(r.data).toEqual([{ c: 2 }]);
    const q = await api.query('user_usage', { user_id: 'api', start_date: '2024-05-01 00:00:00', end_date: '2024-05-31 00:00:00' });
    expect(q.data).toEqual([expect.objectContaining({ user_id: 'api', total_sessions: 2 })]);
  });

  it('createJWT, then a query with the JWT and fixed_params', async () => {
    await createClient({ baseUrl: s.url, token: s.token }).ingestBatch('charging_sessions', [row('j-1', 'jwt_a', 3), row('j-2', 'jwt_b', 4)]);
    const { token } = await createJWT(
      { baseUrl: s.url, token: s.token },
      {
        name: 'frontend',
        expiresAt: new Date(Date.now() + 600_000),
        scopes: [{ type: 'PIPES:READ', resource: 'user_usage', fixed_params: { user_id: 'jwt_a' } }],
      },
    );
    const client = createClient({ baseUrl: s.url, token });
    const r = await client.query('user_usage', { user_id: 'jwt_b', start_date: '2024-05-01 00:00:00', end_date: '2024-05-31 00:00:00' });
    expect(r.data).toEqual([expect.objectContaining({ user_id: 'jwt_a', total_sessions: 1 })]);
    const forbidden = await client.query('get_sessions').catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(TinybirdError);
    expect((forbidden as TinybirdError).isAuthError()).toBe(true);
    // createJWT needs TOKENS or ADMIN.
    await expect(createJWT({ baseUrl: s.url, token }, { name: 'x', expiresAt: new Date(Date.now() + 60_000), scopes: [] })).rejects.toMatchObject({ status: 403 });
  });

  it('error helpers match the failures', async () => {
    const client = createClient({ baseUrl: s.url, token: s.token });
    const notFound = (await client.query('nope').catch((e: unknown) => e)) as TinybirdError;
    expect([notFound.isNotFoundError(), notFound.isAuthError(), notFound.statusCode]).toEqual([true, false, 404]);
    const auth = (await createClient({ baseUrl: s.url, token: 'p.bad' }).query('user_usage').catch((e: unknown) => e)) as TinybirdError;
    expect([auth.isAuthError(), auth.statusCode, auth.message]).toEqual([true, 403, 'invalid authentication token']);
  });

  it('retries ingest on 429 with maxRetries, and surfaces isRateLimitError without', async () => {
    const { token } = await createJWT(
      { baseUrl: s.url, token: s.token },
      { name: 'tracker', expiresAt: new Date(Date.now() + 600_000), scopes: [{ type: 'DATASOURCES:APPEND', resource: 'charging_sessions' }], limits: { rps: 1 } },
    );
    const client = createClient({ baseUrl: s.url, token });
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    expect(await client.ingest('charging_sessions', row('r-1', 'rl', 1))).toEqual({ successful_rows: 1, quarantined_rows: 0 });
    const limited = (await client.ingest('charging_sessions', row('r-2', 'rl', 1)).catch((e: unknown) => e)) as TinybirdError;
    expect([limited.isRateLimitError(), limited.statusCode]).toEqual([true, 429]);
    const started = Date.now();
    expect(await client.ingest('charging_sessions', row('r-3', 'rl', 1), { maxRetries: 3 })).toEqual({ successful_rows: 1, quarantined_rows: 0 });
    expect(Date.now() - started).toBeLessThan(5000);
    const r = await createClient({ baseUrl: s.url, token: s.token }).sql<{ c: number }>("SELECT count() AS c FROM charging_sessions WHERE user_id = 'rl'");
    expect(r.data).toEqual([{ c: 2 }]);
  });
});
