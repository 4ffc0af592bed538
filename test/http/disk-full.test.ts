// Disk full (issue 6 item 7): the write-ahead log's file handle is pointed at /dev/full, where every write fails
// with ENOSPC from the kernel. Appends must answer 5xx and be absent, earlier rows must stay, and once the disk takes
// writes again appends work and a restart serves exactly what was acknowledged.
import { open, type FileHandle } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';

/** The storage's write-ahead log, whose file handle the test swaps (a fault injection point, not an API). */
const walOf = (srv: TestServer) => (srv.app.storage as unknown as { wal: { fh: FileHandle } }).wal;

const event = (n: number) =>
  JSON.stringify({ session_id: `s${n}`, station_id: 'st', user_id: 'u', start_time: '2024-01-01 10:00:00', end_time: '2024-01-01 11:00:00', energy_consumed: 1, amount_paid: 1, charging_type: 'AC', location: 'Madrid', timestamp: '2024-01-01 10:00:00' });

describe.skipIf(!existsSync('/dev/full'))('a full disk', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ fixtures: false });
  });
  afterAll(async () => {
    await srv?.close();
  });

  const post = (n: number, wait = true) =>
    fetch(`${srv.url}/v0/events?name=charging_sessions&wait=${wait}&token=${srv.token}`, { method: 'POST', body: event(n) });
  const ids = async () => {
    const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent('SELECT session_id FROM charging_sessions ORDER BY session_id FORMAT JSON')}&token=${srv.token}`);
    const body = (await r.json()) as { data: { session_id: string }[] };
    if (!body.data) throw new Error(JSON.stringify(body));
    return body.data.map((d) => d.session_id);
  };

  it('answers 503 while the log cannot be written, keeps earlier rows, and recovers', async () => {
    expect(await (await post(1)).json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
    const wal = walOf(srv);
    const real = wal.fh;
    const full = await open('/dev/full', 'a');
    wal.fh = full;
    try {
      for (const wait of [true, false]) {
        const r = await post(2, wait);
        expect(r.status).toBe(503);
        expect(await r.text()).toBe(
          'Service temporarily unavailable, no data ingested, please retry again (the write-ahead log cannot be written: ENOSPC: no space left on device, write)\n',
        );
      }
      expect(await ids()).toEqual(['s1']);
    } finally {
      wal.fh = real;
      await full.close();
    }
    expect(await (await post(3)).json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
    expect(await ids()).toEqual(['s1', 's3']);
    await srv.stop();
    srv = await startTestServer({ fixtures: false, dataDir: srv.dataDir });
    expect(await ids()).toEqual(['s1', 's3']);
  });
});

describe('a data source folder that cannot be written', () => {
  it('keeps appended rows in the log and buffers until a flush can write them; imports answer 5xx', async () => {
    const srv = await startTestServer({ fixtures: false });
    const { writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    try {
      // A file where the data source's folder must go: every part write fails (ENOTDIR), as on a broken disk.
      const blocker = join(srv.dataDir, 'charging_sessions');
      await writeFile(blocker, '');
      const post = (n: number) => fetch(`${srv.url}/v0/events?name=charging_sessions&wait=true&token=${srv.token}`, { method: 'POST', body: event(n) });
      expect(await (await post(1)).json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
      await expect(srv.app.storage.flush()).rejects.toThrow(/ENOTDIR|EEXIST/);
      expect(await (await post(2)).json()).toEqual({ successful_rows: 1, quarantined_rows: 0 });
      const csv = 's9,st,u,2024-01-01 10:00:00,2024-01-01 11:00:00,1,1,AC,Madrid,2024-01-01 10:00:00';
      const imp = await fetch(`${srv.url}/v0/datasources?name=charging_sessions&mode=append&format=csv&token=${srv.token}`, { method: 'POST', body: csv });
      expect(imp.status).toBe(503);
      expect(((await imp.json()) as { error: string }).error).toBe(
        `Service temporarily unavailable, no data ingested, please retry again (a part of charging_sessions cannot be written: ENOTDIR: not a directory, mkdir '${blocker}/partition=202401')`,
      );
      const count = async () => {
        const r = await fetch(`${srv.url}/v0/sql?q=${encodeURIComponent('SELECT count() AS n FROM charging_sessions FORMAT JSON')}&token=${srv.token}`);
        return ((await r.json()) as { data: { n: number }[] }).data[0]!.n;
      };
      expect(await count()).toBe(2);
      await rm(blocker);
      await srv.app.storage.flush();
      expect(srv.app.storage.stats('charging_sessions').parts).toBe(1);
      expect(await count()).toBe(2);
    } finally {
      await srv.close();
    }
  });
});
