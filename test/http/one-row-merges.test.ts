// Issue 6's merge test: 5,000 one-row requests over HTTP, with a flush after every 100 so each becomes parts in
// two months; the live parts per partition stay within the merge policy's 10 throughout, and every row is there once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ fixtures: false });
});
afterAll(async () => {
  await srv?.close();
});

const event = (n: number) => {
  const ts = `2024-0${1 + (n % 2)}-1${n % 10} 10:00:00`;
  return JSON.stringify({ session_id: `s${n}`, station_id: `st${n % 7}`, user_id: 'u', start_time: ts, end_time: ts, energy_consumed: 1, amount_paid: 1, charging_type: 'AC', location: 'Madrid', timestamp: ts });
};

it('keeps live parts per partition bounded under 5,000 one-row requests, with every row intact', async () => {
  const partsPerPartition = () => {
    const manifest = (srv.app.storage as unknown as { manifest: { tables: Record<string, { parts: { partition: string }[] }> } }).manifest;
    const counts = new Map<string, number>();
    for (const p of manifest.tables.charging_sessions?.parts ?? []) counts.set(p.partition, (counts.get(p.partition) ?? 0) + 1);
    return Math.max(0, ...counts.values());
  };
  let most = 0;
  let next = 0;
  const client = async () => {
    for (let n = next++; n < 5000; n = next++) {
      const r = await fetch(`${srv.url}/v0/events?name=charging_sessions&token=${srv.token}`, { method: 'POST', body: event(n) });
      expect(r.status).toBe(202);
      if (n % 100 === 99) {
        await srv.app.storage.flush();
        most = Math.max(most, partsPerPartition());
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));
  await srv.app.storage.flush();
  most = Math.max(most, partsPerPartition());
  expect(most).toBeGreaterThan(1);
  expect(most).toBeLessThanOrEqual(10);
  const q = encodeURIComponent('SELECT count() AS n, uniqExact(session_id) AS u, uniqExact(toYYYYMM(timestamp)) AS months FROM charging_sessions FORMAT JSON');
  const body = (await (await fetch(`${srv.url}/v0/sql?q=${q}&token=${srv.token}`)).json()) as { data: unknown[] };
  expect(body.data).toEqual([{ n: 5000, u: 5000, months: 2 }]);
}, 120_000);
