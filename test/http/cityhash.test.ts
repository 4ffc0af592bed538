// cityHash64 is a JavaScript function registered in DuckDB; over HTTP it must equal ClickHouse's (chdb) bit for bit.
import { query } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('cityHash64 through /v0/sql', () => {
  it.each(["'abc'", "''", "'a longer string of more than sixty-four bytes, to cross a block boundary in CityHash'", "toUInt32(7)", "'a', 'b'"])('cityHash64(%s)', async (args) => {
    const sql = `SELECT toString(cityHash64(${args})) AS h`;
    const expected = (JSON.parse(query(`${sql} FORMAT JSONEachRow`, 'JSONEachRow')) as { h: string }).h;
    const res = await fetch(`${s.url}/v0/sql?q=${encodeURIComponent(sql)}&token=${s.token}`);
    const body = (await res.json()) as { data: { h: string }[] };
    expect(body.data[0]!.h).toBe(expected);
  });
  it('hashes a column of a data source', async () => {
    const res = await fetch(`${s.url}/v0/sql?q=${encodeURIComponent('SELECT count(DISTINCT cityHash64(session_id)) AS n, count() AS c FROM charging_sessions')}&token=${s.token}`);
    const body = (await res.json()) as { data: { n: number; c: number }[] };
    expect(body.data[0]!.n).toBe(body.data[0]!.c);
  });
});
