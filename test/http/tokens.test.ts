// Tokens end to end (spec §6): datafile tokens, the Tokens API, the scope matrix with Tinybird's 403 texts, row
// filters that never leak, JWTs with fixed_params and rps limits, persistence across restarts, GET /tokens.
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

const PROJECT = join(import.meta.dirname, 'fixtures/scoped');
let s: TestServer;
const tokens: Record<string, string> = {};

async function call(path: string, token: string | null, init: RequestInit = {}): Promise<{ status: number; text: string; json: () => any; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(`${s.url}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
}

const sql = (q: string, token: string) => call(`/v0/sql?q=${encodeURIComponent(q)}`, token);

function jwt(payload: Record<string, unknown>, secret: string): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${b({ alg: 'HS256', typ: 'JWT' })}.${b(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

beforeAll(async () => {
  s = await startTestServer({ project: PROJECT, fixtures: false });
  const rows = [
    { org: 'acme', n: 1 },
    { org: 'acme', n: 2 },
    { org: 'globex', n: 10 },
    { org: 'initech', n: 100 },
    { org: 'acme', n: 'bad' },
    { org: 'globex', n: 'bad' },
  ];
  const r = await call('/v0/events?name=events&wait=true', s.token, { method: 'POST', body: rows.map((x) => JSON.stringify(x)).join('\n') });
  expect(r.json()).toEqual({ successful_rows: 4, quarantined_rows: 2 });
  const list = (await call('/v0/tokens', s.token)).json() as { tokens: { name: string; token: string }[] };
  for (const t of list.tokens) tokens[t.name] = t.token;
  const made = await call(`/v0/tokens?name=acme&scope=${encodeURIComponent("DATASOURCES:READ:events:org = 'acme'")}&scope=PIPES:READ:by_org&scope=PIPES:READ:orgs_count`, s.token, { method: 'POST' });
  expect(made.status).toBe(200);
  tokens.acme = made.json().token;
});
afterAll(async () => {
  await s?.close();
});

describe('datafile tokens and the Tokens API', () => {
  it('creates the datafile tokens at load with accumulated scopes', async () => {
    const list = (await call('/v0/tokens', s.token)).json().tokens as { name: string; scopes: unknown[]; token: string; origin: unknown }[];
    const byName = Object.fromEntries(list.map((t) => [t.name, t]));
    expect(Object.keys(byName).sort()).toEqual(['acme', 'admin token', 'dashboard', 'reader', 'tracker']);
    expect(byName['admin token']!.scopes).toEqual([{ type: 'ADMIN' }]);
    expect(byName.tracker!.scopes).toEqual([{ type: 'DATASOURCES:APPEND', resource: 'events', filter: '' }]);
    expect(byName.reader!.scopes).toEqual([{ type: 'DATASOURCES:READ', resource: 'events', filter: '' }]);
    expect(byName.dashboard!.scopes).toEqual([
      { type: 'PIPES:READ', resource: 'by_org', filter: '' },
      { type: 'PIPES:READ', resource: 'orgs_count', filter: '' },
    ]);
    expect(byName.acme!.scopes).toEqual([
      { type: 'DATASOURCES:READ', resource: 'events', filter: "org = 'acme'" },
      { type: 'PIPES:READ', resource: 'by_org', filter: '' },
      { type: 'PIPES:READ', resource: 'orgs_count', filter: '' },
    ]);
    for (const t of list) expect(t.token).toMatch(/^p\./);
  });

  it('reads, changes, refreshes and deletes tokens', async () => {
    const made = (await call('/v0/tokens?name=temp&scope=PIPES:READ:by_org', s.token, { method: 'POST' })).json();
    expect(made).toMatchObject({ name: 'temp', scopes: [{ type: 'PIPES:READ', resource: 'by_org', filter: '' }], origin: { type: 'C' } });
    expect((await call('/v0/tokens/temp', s.token)).json().token).toBe(made.token);
    expect((await call(`/v0/tokens/${made.id}`, s.token)).json().name).toBe('temp');
    expect((await call('/v0/tokens/temp.token', s.token)).text).toBe(made.token);
    expect((await call('/v0/pipes/by_org.json', made.token)).status).toBe(200);

    const dup = await call('/v0/tokens?name=temp', s.token, { method: 'POST' });
    expect([dup.status, dup.json().error]).toEqual([409, 'Token with name "temp" already exists']);
    const bad = await call('/v0/tokens?name=x&scope=DATASOURCES:DROP', s.token, { method: 'POST' });
    expect([bad.status, bad.json().error]).toEqual([400, "scope 'DATASOURCES:DROP' requires a resource"]);
    const badFilter = await call('/v0/tokens?name=x&scope=DATASOURCES:APPEND:events:org=1', s.token, { method: 'POST' });
    expect([badFilter.status, badFilter.json().error]).toEqual([400, "filters can't only be applied to READ scope"]);

    const changed = (await call('/v0/tokens/temp?scope=DATASOURCES:READ:events', s.token, { method: 'PUT' })).json();
    expect(changed.scopes).toEqual([{ type: 'DATASOURCES:READ', resource: 'events', filter: '' }]);
    expect((await call('/v0/pipes/by_org.json', made.token)).status).toBe(403);

    const refreshed = (await call('/v0/tokens/temp/refresh', s.token, { method: 'POST' })).json();
    expect(refreshed.token).not.toBe(made.token);
    expect((await sql('SELECT count() AS c FROM events', made.token)).status).toBe(403);
    expect((await sql('SELECT count() AS c FROM events', refreshed.token)).status).toBe(200);

    expect((await call('/v0/tokens/temp', s.token, { method: 'DELETE' })).status).toBe(204);
    const gone = await call('/v0/tokens/temp', s.token);
    expect([gone.status, gone.json().error]).toEqual([404, "Token 'temp' not found"]);
    expect((await sql('SELECT 1', refreshed.token)).status).toBe(403);
  });

  it('keeps tokens in the data dir, durably, across restarts', async () => {
    const file = JSON.parse(await readFile(join(s.dataDir, '_tokens.json'), 'utf8'));
    expect(file.tokens.map((t: { name: string }) => t.name).sort()).toEqual(['acme', 'dashboard', 'reader', 'tracker']);
    expect(file.tokens.find((t: { name: string }) => t.name === 'acme').token).toBe(tokens.acme);
  });

  it('answers GET /tokens to loopback clients', async () => {
    const r = await call('/tokens', null);
    expect(r.json()).toEqual({ user_token: s.token, admin_token: s.token, workspace_admin_token: s.token });
  });
});

describe('scope matrix', () => {
  const ingest = (token: string) => call('/v0/events?name=events', token, { method: 'POST', body: '' });
  it.each([
    ['admin', 'events', 202, '{"successful_rows":0,"quarantined_rows":0}'],
    ['tracker', 'events', 202, '{"successful_rows":0,"quarantined_rows":0}'],
    ['reader', 'events', 403, 'Invalid token\n'],
    ['dashboard', 'events', 403, 'Invalid token\n'],
    ['tracker', 'nope', 403, 'Invalid token for DS autocreation\n'],
    ['bogus', 'events', 403, 'Invalid token\n'],
  ])('POST /v0/events with %s on %s → %i', async (who, ds, status, body) => {
    const token = who === 'admin' ? s.token : who === 'bogus' ? 'p.bogus' : tokens[who]!;
    const r = await call(`/v0/events?name=${ds}`, token, { method: 'POST', body: '' });
    expect([r.status, r.text]).toEqual([status, body]);
    void ingest;
  });

  it.each([
    ['admin', 200, null],
    ['dashboard', 200, null],
    ['acme', 200, null],
    ['reader', 403, "The token you have provided doesn't have access to this resource"],
    ['tracker', 403, "The token you have provided doesn't have access to this resource"],
    ['bogus', 403, 'invalid authentication token'],
  ])('GET /v0/pipes/by_org.json with %s → %i', async (who, status, error) => {
    const token = who === 'admin' ? s.token : who === 'bogus' ? 'p.bogus' : tokens[who]!;
    const r = await call('/v0/pipes/by_org.json', token);
    expect(r.status).toBe(status);
    if (error) expect(r.json().error).toBe(error);
  });

  it.each([
    ['admin', 200, null],
    ['reader', 200, null],
    ['acme', 200, null],
    ['dashboard', 403, "Resource 'events' not found"],
    ['tracker', 403, "Resource 'events' not found"],
  ])('GET /v0/sql over the data source with %s → %i', async (who, status, error) => {
    const r = await sql('SELECT count() AS c FROM events', who === 'admin' ? s.token : tokens[who]!);
    expect(r.status).toBe(status);
    if (error) expect(r.json()).toEqual({ error, documentation: 'https://docs.tinybird.co/api-reference/overview#authentication' });
  });

  it.each([
    ['admin', 200],
    ['reader', 403],
    ['dashboard', 403],
  ])('GET /v0/tokens with %s → %i', async (who, status) => {
    const r = await call('/v0/tokens', who === 'admin' ? s.token : tokens[who]!);
    expect(r.status).toBe(status);
    if (status === 403) expect(r.json().error).toBe('token needs scope TOKENS');
  });

  it('lists only readable pipes and guards metadata and datafiles', async () => {
    const names = async (t: string) => ((await call('/v0/pipes', t)).json().pipes as { name: string }[]).map((p) => p.name).sort();
    expect(await names(s.token)).toEqual(['by_org', 'metrics', 'orgs_count']);
    expect(await names(tokens.dashboard!)).toEqual(['by_org', 'orgs_count']);
    expect(await names(tokens.reader!)).toEqual([]);
    const meta = await call('/v0/pipes/metrics', tokens.dashboard!);
    expect([meta.status, meta.json().error]).toEqual([403, 'token has no READ scope for metrics']);
    const missing = await call('/v0/pipes/nope', s.token);
    expect([missing.status, missing.json().error]).toEqual([404, "Pipe 'nope' not found"]);
    const file = await call('/v0/pipes/by_org.pipe', tokens.dashboard!);
    expect([file.status, file.json().error]).toEqual([403, 'token needs at least CREATE scope to retrieve the pipefile representation by_org']);
    const text = await call('/v0/pipes/by_org.pipe', s.token);
    expect(text.text).toContain('TOKEN "dashboard" READ');
  });

  it('refuses qualified names and internal tables to scoped tokens', async () => {
    for (const q of ['SELECT * FROM main.events', 'SELECT * FROM "main"."events"', 'SELECT * FROM duckdb_tables', 'SELECT * FROM events AS e JOIN metrics AS m ON 1=1']) {
      const r = await sql(q, tokens.acme!);
      expect(r.status, q).toBe(403);
    }
    expect((await sql('SELECT * FROM metrics', tokens.acme!)).json().error).toBe("Not enough permissions for pipe 'metrics', token needs PIPES:READ scope");
  });
});

describe('row filters never leak', () => {
  const orgs = (r: { json: () => any }) => (r.json().data as { org: string }[]).map((x) => x.org);
  it('through /v0/sql, the quarantine table and subqueries', async () => {
    expect(orgs(await sql('SELECT org FROM events ORDER BY n FORMAT JSON', tokens.acme!))).toEqual(['acme', 'acme']);
    expect(orgs(await sql('SELECT org FROM events_quarantine', tokens.acme!))).toEqual(['acme']);
    expect((await sql('SELECT (SELECT sum(n) FROM events) AS s', tokens.acme!)).json().data).toEqual([{ s: 3 }]);
    expect((await sql("SELECT count() AS c FROM events WHERE org = 'globex' OR 1 = 1", tokens.acme!)).json().data).toEqual([{ c: 2 }]);
    expect(orgs(await sql('SELECT org FROM by_org', tokens.acme!))).toEqual(['acme']);
    // The admin sees everything.
    expect((await sql('SELECT count() AS c FROM events', s.token)).json().data).toEqual([{ c: 4 }]);
  });

  it('through pipes, a pipe that reads another pipe, and q=', async () => {
    expect((await call('/v0/pipes/by_org.json', tokens.acme!)).json().data).toEqual([{ org: 'acme', total: 3 }]);
    expect((await call('/v0/pipes/by_org.json?org=globex', tokens.acme!)).json().data).toEqual([]);
    expect((await call('/v0/pipes/orgs_count.json', tokens.acme!)).json().data).toEqual([{ orgs: 1, total: 3 }]);
    expect((await call('/v0/pipes/orgs_count.json', tokens.dashboard!)).json().data).toEqual([{ orgs: 3, total: 113 }]);
    expect((await call(`/v0/pipes/by_org.json?q=${encodeURIComponent('SELECT count() AS c FROM _')}`, tokens.acme!)).json().data).toEqual([{ c: 1 }]);
    expect((await call(`/v0/pipes/by_org.json?q=${encodeURIComponent('SELECT count() AS c FROM events')}`, tokens.acme!)).json().data).toEqual([{ c: 2 }]);
    const other = await call(`/v0/pipes/by_org.json?q=${encodeURIComponent('SELECT count() AS c FROM events')}`, tokens.dashboard!);
    expect([other.status, other.json().error]).toEqual([403, "Resource 'events' not found"]);
  });
});

describe('JWTs', () => {
  const exp = () => Math.floor(Date.now() / 1000) + 600;
  it('reads a pipe with fixed_params that override request parameters', async () => {
    const t = jwt({ workspace_id: 'w', name: 'front', exp: exp(), scopes: [{ type: 'PIPES:READ', resource: 'by_org', fixed_params: { org: 'globex' } }] }, s.token);
    expect((await call('/v0/pipes/by_org.json?org=initech', t)).json().data).toEqual([{ org: 'globex', total: 10 }]);
    const other = await call('/v0/pipes/orgs_count.json', t);
    expect([other.status, other.json().error]).toEqual([403, "The token you have provided doesn't have access to this resource"]);
    const tokensApi = await call('/v0/tokens', t);
    expect([tokensApi.status, tokensApi.json().error]).toEqual([403, 'Handler APITokensHandler does not support JWT tokens']);
  });

  it('applies DATASOURCES:READ filters and DATASOURCES:APPEND', async () => {
    const t = jwt({ name: 'f', exp: exp(), scopes: [{ type: 'DATASOURCES:READ', resource: 'events', filter: "org = 'initech'" }] }, s.token);
    expect((await sql('SELECT org, n FROM events', t)).json().data).toEqual([{ org: 'initech', n: 100 }]);
    const a = jwt({ name: 'a', exp: exp(), scopes: [{ type: 'DATASOURCES:APPEND', resource: 'events' }] }, s.token);
    const r = await call('/v0/events?name=events', a, { method: 'POST', body: '' });
    expect(r.status).toBe(202);
  });

  it('refuses bad signatures, a missing exp and expired tokens', async () => {
    const scopes = [{ type: 'PIPES:READ', resource: 'by_org' }];
    const bad = jwt({ name: 'x', exp: exp(), scopes }, 'p.other');
    const r1 = await call('/v0/pipes/by_org.json', bad);
    expect([r1.status, r1.json().error]).toEqual([403, `invalid authentication token. Invalid token b'${bad}': Signature verification failed`]);
    const r2 = await call('/v0/pipes/by_org.json', jwt({ name: 'x', scopes }, s.token));
    expect([r2.status, r2.json().error]).toEqual([403, "JWT tokens is missing the 'exp' claim"]);
    const r3 = await call('/v0/pipes/by_org.json', jwt({ name: 'x', exp: Date.now() / 1000 - 1, scopes }, s.token));
    expect([r3.status, r3.json().error]).toEqual([403, 'invalid authentication token. Signature has expired']);
  });

  it('enforces limits.rps with 429, Retry-After and X-RateLimit-* headers', async () => {
    const t = jwt({ name: 'limited', exp: exp(), scopes: [{ type: 'PIPES:READ', resource: 'by_org' }], limits: { rps: 2 } }, s.token);
    // Three requests inside one second window: start right after a second boundary.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const rs = await Promise.all([0, 1, 2].map(() => call('/v0/pipes/by_org.json', t)));
    const statuses = rs.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429]);
    const limited = rs.find((r) => r.status === 429)!;
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-limit')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.json().documentation).toBe('https://docs.tinybird.co/api-reference/api-reference.html#limits');
  });

  it('mints JWTs through POST /v0/tokens with expiration_time', async () => {
    const made = await call(`/v0/tokens/?expiration_time=${exp()}`, s.token, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'minted', scopes: [{ type: 'PIPES:READ', resource: 'by_org', fixed_params: { org: 'acme' } }] }),
    });
    const t = made.json().token as string;
    expect(t.startsWith('p.')).toBe(false);
    expect((await call('/v0/pipes/by_org.json', t)).json().data).toEqual([{ org: 'acme', total: 3 }]);
    const denied = await call(`/v0/tokens/?expiration_time=${exp()}`, tokens.reader!, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"name":"x","scopes":[]}' });
    expect(denied.status).toBe(403);
  });
});

describe('formats and cross-cutting', () => {
  it('serves a valid OpenAPI document with only the pipes the token may read, and pipe metadata', async () => {
    const SwaggerParser = (await import('@apidevtools/swagger-parser')).default;
    const doc = (await call('/v0/pipes/openapi.json', tokens.dashboard!)).json();
    await SwaggerParser.validate(structuredClone(doc));
    expect(Object.keys(doc.paths).filter((p: string) => p.endsWith('.json')).sort()).toEqual(['/pipes/by_org.json', '/pipes/orgs_count.json']);
    expect(doc.servers).toEqual([{ url: `${s.url}/v0` }]);
    const meta = (await call('/v0/pipes/by_org', tokens.dashboard!)).json();
    expect(meta).toMatchObject({ name: 'by_org', description: 'Total per organisation', type: 'endpoint', url: `${s.url}/v0/pipes/by_org.json` });
    expect(meta.nodes[0].params).toEqual([
      { name: 'org', type: 'String', default: null, required: false, description: 'Only this organisation' },
      { name: 'limit', type: 'Int32', default: 10, required: false, description: 'Rows to return' },
    ]);
  });

  it('answers a browser preflight and a cross-origin POST with ?token=', async () => {
    const pre = await fetch(`${s.url}/v0/events?name=events&token=${tokens.tracker}`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')).toContain('content-type');
    const post = await fetch(`${s.url}/v0/events?name=events&token=${tokens.tracker}`, {
      method: 'POST',
      headers: { Origin: 'https://example.com', 'Content-Type': 'application/json' },
      body: JSON.stringify({ org: 'browser', n: 'quarantined, so other tests keep their totals' }),
    });
    expect(post.status).toBe(202);
    expect(post.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('/v0/sql answers FORMAT Prometheus and refuses other formats with 403', async () => {
    const r = await sql("SELECT 'up' AS name, 1 AS value FORMAT Prometheus", s.token);
    expect(r.text).toBe('up 1\n');
    const bad = await sql('SELECT 1 FORMAT XML', s.token);
    expect([bad.status, bad.json().error]).toEqual([403, 'invalid format, available ones: JSON, CSV, CSVWithNames, TSV, TSVWithNames, PrettyCompact, JSONEachRow, Parquet, JSONStrings, Prometheus']);
  });

  it('serves .prometheus', async () => {
    const r = await call('/v0/pipes/metrics.prometheus', s.token);
    expect(r.status).toBe(200);
    expect(r.text).toBe(
      '# HELP events_total Events per organisation\n# TYPE events_total counter\nevents_total{org="acme"} 3\nevents_total{org="globex"} 10\nevents_total{org="initech"} 100\n',
    );
    const bad = await call('/v0/pipes/by_org.prometheus', s.token);
    expect([bad.status, bad.json().error]).toEqual([400, "Column 'name' is required for output format 'Prometheus'"]);
  });

  it('gzips large responses when asked and sends X-Request-ID', async () => {
    const q = encodeURIComponent('SELECT number FROM numbers(2000) FORMAT JSON');
    const res = await fetch(`${s.url}/v0/sql?q=${q}`, { headers: { Authorization: `Bearer ${s.token}`, 'Accept-Encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(((await res.json()) as { rows: number }).rows).toBe(2000);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const small = await fetch(`${s.url}/v0/health`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(small.headers.get('content-encoding')).toBeNull();
  });
});

describe('restart', () => {
  it('keeps API-made tokens working after a restart, and datafile tokens keep their values', async () => {
    const before = { ...tokens };
    await s.stop();
    s = await startTestServer({ project: PROJECT, dataDir: s.dataDir, fixtures: false });
    const list = (await call('/v0/tokens', s.token)).json().tokens as { name: string; token: string }[];
    for (const name of ['acme', 'dashboard', 'reader', 'tracker']) expect(list.find((t) => t.name === name)?.token).toBe(before[name]);
    expect((await call('/v0/pipes/by_org.json', before.acme!)).json().data).toEqual([{ org: 'acme', total: 3 }]);
  });
});
