// Bad input at the Events API (issue 6 item 7): each body gets a clear answer or quarantine, never a crash, a hang
// or a lost earlier row.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ fixtures: false });
});
afterAll(async () => {
  await s?.close();
});

const good = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ session_id: id, station_id: 'st', user_id: 'u', start_time: '2024-03-01 10:00:00', end_time: '2024-03-01 11:00:00', energy_consumed: 1, amount_paid: 1, charging_type: 'AC', location: 'X', timestamp: '2024-03-01 10:00:00', ...extra });

async function post(body: BodyInit, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${s.url}/v0/events?name=charging_sessions&wait=true`, { method: 'POST', headers: { Authorization: `Bearer ${s.token}`, ...headers }, body });
  return { status: res.status, text: await res.text() };
}

async function count(): Promise<number> {
  const res = await fetch(`${s.url}/v0/sql?q=${encodeURIComponent('SELECT count() AS c FROM charging_sessions')}&token=${s.token}`);
  return ((await res.json()) as { data: { c: number }[] }).data[0]!.c;
}

describe('bad bodies', () => {
  it('keeps earlier rows through every bad body', async () => {
    expect((await post(good('before'))).status).toBe(200);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const cases: [string, BodyInit, Record<string, string>, number, string | RegExp][] = [
      ['malformed gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]), {}, 400, 'Invalid gzip body\n'],
      ['gzip header, not gzip', 'garbage', { 'Content-Encoding': 'gzip' }, 400, 'Invalid gzip body\n'],
      ['garbage', 'not json at all', {}, 200, '{"successful_rows":0,"quarantined_rows":1}'],
      ['a line that is not an object', '[1,2,3]\n"text"\n42', {}, 200, '{"successful_rows":0,"quarantined_rows":3}'],
      ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), {}, 200, '{"successful_rows":0,"quarantined_rows":1}'],
      ['deep nesting', `{"session_id": ${deep}}`, {}, 200, '{"successful_rows":0,"quarantined_rows":1}'],
      ['a 1 MB field', good('big', { location: 'x'.repeat(1024 * 1024) }), {}, 200, '{"successful_rows":1,"quarantined_rows":0}'],
      ['gzip NDJSON', gzipSync(good('zipped')), { 'Content-Encoding': 'gzip' }, 200, '{"successful_rows":1,"quarantined_rows":0}'],
      ['gzip NDJSON without the header', gzipSync(good('zipped2')), {}, 200, '{"successful_rows":1,"quarantined_rows":0}'],
    ];
    for (const [name, body, headers, status, text] of cases) {
      const r = await post(body, headers);
      expect(r.status, `${name}: ${r.text.slice(0, 200)}`).toBe(status);
      if (typeof text === 'string') expect(r.text, name).toBe(text);
    }
    expect(await count()).toBe(4);
  });

  it('answers 413 for bodies over the limit without losing rows', async () => {
    const before = await count();
    const r = await post('x'.repeat(11 * 1024 * 1024));
    expect(r.status).toBe(413);
    expect(await count()).toBe(before);
  });
});
