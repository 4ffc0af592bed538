// POST /v0/events over raw HTTP (spec §2): the fast path (plain `/v0/events`, no Content-Encoding) and the generic
// route (Content-Encoding, other spellings of the path) must give the same answers, headers and error texts.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
let agent: http.Agent;
beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});
afterAll(async () => {
  agent?.destroy();
  await s?.close();
});

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
}

interface Send {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** One Buffer/string is sent with Content-Length; an array is sent as chunks with Transfer-Encoding: chunked. */
  readonly body?: string | Buffer | readonly (string | Buffer)[];
  /** false: no Authorization header. */
  readonly auth?: boolean;
}

/** One request on a keep-alive connection (one socket: a broken connection would fail the next case too). */
function send(o: Send): Promise<Answer> {
  const headers: Record<string, string> = { ...(o.auth === false ? {} : { authorization: `Bearer ${s.token}` }), ...o.headers };
  const body = o.body;
  if (body !== undefined && !Array.isArray(body)) headers['content-length'] ??= String(Buffer.byteLength(body as string | Buffer));
  return new Promise((resolve, reject) => {
    const u = new URL(s.url);
    const req = http.request({ host: u.hostname, port: u.port, method: o.method ?? 'POST', path: o.path ?? '/v0/events?name=charging_sessions', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const b = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body: b, text: b.toString() });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const c of body) req.write(c);
      req.end();
    } else req.end(body);
  });
}

let n = 0;
const row = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: `fp${n++}`, station_id: 'st', user_id: 'u', start_time: '2024-03-01 10:00:00', end_time: '2024-03-01 11:00:00', energy_consumed: 1, amount_paid: 1, charging_type: 'AC', location: 'X', timestamp: '2024-03-01 10:00:00', ...extra });

async function count(): Promise<number> {
  const r = await send({ method: 'GET', path: `/v0/sql?q=${encodeURIComponent('SELECT count() AS c FROM charging_sessions')}` });
  return (JSON.parse(r.text) as { data: { c: number }[] }).data[0]!.c;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const ok = (rows: number, quarantined = 0) => `{"successful_rows":${rows},"quarantined_rows":${quarantined}}`;

describe('POST /v0/events answers', () => {
  const two = `${row()}\n${row()}`;
  const split = row();
  // [case, request, status, content type, exact body, rows stored]
  const cases: [string, Send, number, string, string, number][] = [
    ['one row, Bearer header', { body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['one row with a trailing newline', { body: `${row()}\n` }, 202, JSON_TYPE, ok(1), 1],
    ['wait=true', { path: '/v0/events?name=charging_sessions&wait=true', body: row() }, 200, JSON_TYPE, ok(1), 1],
    ['wait=TRUE', { path: '/v0/events?wait=TRUE&name=charging_sessions', body: row() }, 200, JSON_TYPE, ok(1), 1],
    ['wait=1 is not true', { path: '/v0/events?name=charging_sessions&wait=1', body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['name with spaces around it', { path: '/v0/events?name=%20charging_sessions+', body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['token in the query', { path: `/v0/events?name=charging_sessions&token=${'TOKEN'}`, auth: false, body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['query token wins over the header', { path: '/v0/events?name=charging_sessions&token=p.wrong', body: row() }, 403, TEXT_TYPE, 'Invalid token\n', 0],
    ['no token', { auth: false, body: row() }, 403, TEXT_TYPE, 'Invalid token\n', 0],
    ['not a Bearer header', { auth: false, headers: { authorization: 'Basic abc' }, body: row() }, 403, TEXT_TYPE, 'Invalid token\n', 0],
    ['unknown p. token', { auth: false, headers: { authorization: 'Bearer p.nope' }, body: row() }, 403, TEXT_TYPE, 'Invalid token\n', 0],
    ['missing name', { path: '/v0/events', body: row() }, 400, TEXT_TYPE, "Missing 'name' parameter\n", 0],
    ['blank name', { path: '/v0/events?name=%20', body: row() }, 400, TEXT_TYPE, "Missing 'name' parameter\n", 0],
    ['name given twice', { path: '/v0/events?name=charging_sessions&name=charging_sessions', body: row() }, 400, TEXT_TYPE, "Missing 'name' parameter\n", 0],
    [
      'unknown data source',
      { path: '/v0/events?name=nope', body: row() },
      404,
      TEXT_TYPE,
      "Data Source 'nope' does not exist. duckbird does not create data sources from events: declare it in a .datasource file\n",
      0,
    ],
    ['empty body', { body: '' }, 202, JSON_TYPE, ok(0), 0],
    ['no body at all', {}, 202, JSON_TYPE, ok(0), 0],
    ['chunked body split inside a row', { body: [split.slice(0, 20), split.slice(20), '\n', '{bad'] }, 202, JSON_TYPE, ok(1, 1), 1],
    ['chunked, two rows', { body: [`${row()}\n`, row()] }, 202, JSON_TYPE, ok(2), 2],
    ['two rows', { body: two }, 202, JSON_TYPE, ok(2), 2],
    ['a row that does not convert', { body: row({ energy_consumed: 'lots' }) }, 202, JSON_TYPE, ok(0, 1), 0],
    ['text/plain', { headers: { 'content-type': 'text/plain' }, body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['form content type is still NDJSON', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['JSON content type', { headers: { 'content-type': 'application/json' }, body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['gzip magic without Content-Encoding', { body: gzipSync(row()) }, 202, JSON_TYPE, ok(1), 1],
    ['Content-Encoding: gzip (generic route)', { headers: { 'content-encoding': 'gzip' }, body: gzipSync(row()) }, 202, JSON_TYPE, ok(1), 1],
    ['Content-Encoding: gzip, bad data', { headers: { 'content-encoding': 'gzip' }, body: 'garbage' }, 400, TEXT_TYPE, 'Invalid gzip body\n', 0],
    ['Content-Encoding: identity', { headers: { 'content-encoding': 'identity' }, body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['Content-Encoding: compress', { headers: { 'content-encoding': 'compress' }, body: row() }, 415, TEXT_TYPE, 'unsupported content encoding "compress"\n', 0],
    ['bad gzip without Content-Encoding', { body: Buffer.from([0x1f, 0x8b, 1, 2, 3]) }, 400, TEXT_TYPE, 'Invalid gzip body\n', 0],
    ['trailing slash (generic route)', { path: '/v0/events/?name=charging_sessions', body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['other case (generic route)', { path: '/V0/Events?name=charging_sessions', body: row() }, 202, JSON_TYPE, ok(1), 1],
    ['generic route, no token', { path: '/v0/events/?name=charging_sessions', auth: false, body: row() }, 403, TEXT_TYPE, 'Invalid token\n', 0],
    ['a longer path is not the Events API', { path: '/v0/eventsx?name=charging_sessions', body: row() }, 404, 'application/json; charset=utf-8', '{"error":"Not found: POST /v0/eventsx","documentation":"https://docs.tinybird.co/api-reference/overview"}', 0],
    ['GET is not the Events API', { method: 'GET', body: undefined }, 404, 'application/json; charset=utf-8', '{"error":"Not found: GET /v0/events","documentation":"https://docs.tinybird.co/api-reference/overview"}', 0],
  ];
  for (const [name, req, status, type, text, stored] of cases) {
    it(name, async () => {
      const path = req.path?.replace('TOKEN', s.token);
      const before = await count();
      const r = await send({ ...req, path });
      expect([r.status, r.headers['content-type'], r.text]).toEqual([status, type, text]);
      expect(r.headers['content-length']).toBe(String(r.body.length));
      // The default headers (spec §1.3) on answers and errors alike.
      expect(r.headers['x-frame-options']).toBe('sameorigin');
      expect(r.headers['access-control-allow-origin']).toBe('*');
      expect(r.headers['access-control-allow-methods']).toBe('GET, POST, PUT, DELETE, OPTIONS');
      expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(await count()).toBe(before + stored);
    });
  }
});

describe('POST /v0/events limits', () => {
  const big = 'x'.repeat(10 * 1024 * 1024 + 1);
  const TOO_LARGE = 'The request body is too large (controlled by the max_body_mb setting)\n';
  const cases: [string, Send][] = [
    ['Content-Length over max_body_mb', { body: big }],
    ['chunked over max_body_mb', { body: [big.slice(0, 6_000_000), big.slice(6_000_000)] }],
    ['gzip over max_body_mb (generic route)', { headers: { 'content-encoding': 'gzip' }, body: gzipSync(big) }],
    ['gzip magic, inflating over max_body_mb', { body: gzipSync(big) }],
  ];
  for (const [name, req] of cases) {
    it(`${name}: 413, and the connection serves the next request`, async () => {
      const before = await count();
      const r = await send(req);
      expect([r.status, r.headers['content-type'], r.text]).toEqual([413, TEXT_TYPE, TOO_LARGE]);
      expect(r.headers['x-request-id']).toBeDefined();
      const next = await send({ body: row() });
      expect([next.status, next.text]).toEqual([202, ok(1)]);
      expect(await count()).toBe(before + 1);
    });
  }

  it('exactly max_body_mb is accepted', async () => {
    const line = row({ location: 'y'.repeat(10 * 1024 * 1024 - row().length - 20) });
    const body = line + ' '.repeat(10 * 1024 * 1024 - Buffer.byteLength(line));
    expect(body.length).toBe(10 * 1024 * 1024);
    const r = await send({ body });
    expect([r.status, r.text]).toEqual([202, ok(1)]);
  });

  it('gzips a long error text when asked, as every other answer', async () => {
    const name = 'n'.repeat(2000);
    const r = await send({ path: `/v0/events?name=${name}`, headers: { 'accept-encoding': 'gzip' }, body: row() });
    expect([r.status, r.headers['content-encoding']]).toEqual([404, 'gzip']);
    expect((await import('node:zlib')).gunzipSync(r.body).toString()).toBe(
      `Data Source '${name}' does not exist. duckbird does not create data sources from events: declare it in a .datasource file\n`,
    );
  });

  it('does not gzip the small success answer', async () => {
    const r = await send({ headers: { 'accept-encoding': 'gzip' }, body: row() });
    expect([r.status, r.headers['content-encoding'], r.text]).toEqual([202, undefined, ok(1)]);
  });

  it('answers the CORS preflight', async () => {
    const r = await send({ method: 'OPTIONS', headers: { 'access-control-request-headers': 'x-custom' } });
    expect([r.status, r.headers['access-control-allow-headers']]).toEqual([204, 'Authorization, Content-Type, X-Requested-With, X-Tb-Warning, x-custom']);
  });
});

describe('POST /v0/events with JWTs', () => {
  function jwt(payload: Record<string, unknown>): string {
    const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${b({ alg: 'HS256', typ: 'JWT' })}.${b(payload)}`;
    return `${head}.${createHmac('sha256', s.token).update(head).digest('base64url')}`;
  }
  const exp = () => Math.floor(Date.now() / 1000) + 3600;

  it('appends with DATASOURCES:APPEND, refuses other data sources and counts limits.rps', async () => {
    const t = jwt({ name: 'tracker', exp: exp(), scopes: [{ type: 'DATASOURCES:APPEND', resource: 'charging_sessions' }], limits: { rps: 1 } });
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const first = await send({ auth: false, headers: { authorization: `Bearer ${t}` }, body: row() });
    expect([first.status, first.text, first.headers['x-ratelimit-limit'], first.headers['x-ratelimit-remaining'], first.headers['x-ratelimit-reset']]).toEqual([202, ok(1), '1', '0', '1']);
    const second = await send({ auth: false, headers: { authorization: `Bearer ${t}` }, body: row() });
    expect([second.status, second.headers['content-type'], second.text, second.headers['retry-after']]).toEqual([429, TEXT_TYPE, 'Too many requests\n', '1']);
    const other = jwt({ name: 'other', exp: exp(), scopes: [{ type: 'DATASOURCES:APPEND', resource: 'somewhere_else' }] });
    const refused = await send({ auth: false, headers: { authorization: `Bearer ${other}` }, body: row() });
    expect([refused.status, refused.text]).toEqual([403, 'Invalid token\n']);
  });

  it('refuses a JWT with a wrong signature', async () => {
    const r = await send({ auth: false, headers: { authorization: `Bearer ${jwt({ name: 'x', exp: exp(), scopes: [] })}x` }, body: row() });
    expect([r.status, r.text]).toEqual([403, 'Invalid token\n']);
  });
});
