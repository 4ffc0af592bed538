import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeRecords, encodeRecord, WriteAheadLog } from '../../src/storage/write-ahead-log.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duckbird-wal-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('record encoding', () => {
  it('round-trips records, including multi-byte text', () => {
    const recs = [
      { seq: 1, datasource: 'a', body: '{"x":1}\n{"x":2}' },
      { seq: 2, datasource: 'ds_ü', body: '{"s":"ñ€😀"}' },
      { seq: 2 ** 40, datasource: 'b', body: '' },
    ];
    const buf = Buffer.concat(recs.map(encodeRecord));
    expect(decodeRecords(buf)).toEqual({ records: recs, validBytes: buf.length });
  });

  it.each([
    ['a cut-off last record', (b: Buffer) => b.subarray(0, b.length - 3)],
    ['a flipped byte in the last payload', (b: Buffer) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from([b[b.length - 1]! ^ 1])])],
    ['garbage after the last record', (b: Buffer) => Buffer.concat([b, Buffer.from('zzzzzzzzzzzzzzzz')])],
  ])('stops at %s', (_name, damage) => {
    const first = encodeRecord({ seq: 1, datasource: 'a', body: 'one' });
    const second = encodeRecord({ seq: 2, datasource: 'a', body: 'two' });
    const whole = Buffer.concat([first, second]);
    const damaged = damage(whole);
    const expected = damaged.length > whole.length ? whole.length : first.length;
    const out = decodeRecords(damaged);
    expect(out.validBytes).toBe(expected);
    expect(out.records.map((r) => r.body)).toEqual(damaged.length > whole.length ? ['one', 'two'] : ['one']);
  });
});

describe('WriteAheadLog', () => {
  it('replays appended records after reopen, numbering on from the last seq', async () => {
    const a = await WriteAheadLog.open(dir, 0);
    expect(a.records).toEqual([]);
    expect((await a.wal.append('ds', 'x')).seq).toBe(1);
    expect((await a.wal.append('ds', 'y')).seq).toBe(2);
    await a.wal.sync();
    expect(a.wal.dirty).toBe(false);
    await a.wal.close();
    const b = await WriteAheadLog.open(dir, 0);
    expect(b.records).toEqual([
      { seq: 1, datasource: 'ds', body: 'x' },
      { seq: 2, datasource: 'ds', body: 'y' },
    ]);
    expect((await b.wal.append('ds', 'z')).seq).toBe(3);
    await b.wal.close();
  });

  it('starts after the manifest seq when the log is empty', async () => {
    const a = await WriteAheadLog.open(dir, 41);
    expect((await a.wal.append('ds', 'x')).seq).toBe(42);
    await a.wal.close();
  });

  it('cuts a torn tail at open so later appends stay readable', async () => {
    const a = await WriteAheadLog.open(dir, 0);
    await a.wal.append('ds', 'kept');
    await a.wal.close();
    const [segment] = await readdir(dir);
    const before = (await stat(join(dir, segment!))).size;
    await appendFile(join(dir, segment!), encodeRecord({ seq: 2, datasource: 'ds', body: 'torn' }).subarray(0, 20));
    const b = await WriteAheadLog.open(dir, 0);
    expect(b.records.map((r) => r.body)).toEqual(['kept']);
    expect(b.repairs).toEqual([`${segment}: cut 20 bytes of torn record at offset ${before}`]);
    await b.wal.append('ds', 'after');
    await b.wal.close();
    const c = await WriteAheadLog.open(dir, 0);
    expect(c.records.map((r) => [r.seq, r.body])).toEqual([
      [1, 'kept'],
      [2, 'after'],
    ]);
    await c.wal.close();
  });

  it('rotates into a new segment and drops the old ones', async () => {
    const a = await WriteAheadLog.open(dir, 0);
    await a.wal.append('ds', 'old');
    expect(await a.wal.rotate()).toBe(1);
    await a.wal.append('ds', 'new');
    await a.wal.dropOldSegments();
    await a.wal.close();
    expect(await readdir(dir)).toEqual(['wal-00000000000000000002.log']);
    const b = await WriteAheadLog.open(dir, 1);
    expect(b.records.map((r) => r.body)).toEqual(['new']);
    await b.wal.close();
    expect((await readFile(join(dir, 'wal-00000000000000000002.log'))).length).toBeGreaterThan(0);
  });

  it('takes back the last record so it is not replayed', async () => {
    const a = await WriteAheadLog.open(dir, 0);
    await a.wal.append('ds', 'kept');
    const { seq, length } = await a.wal.append('ds', 'rejected');
    await a.wal.discardLast(seq, length);
    expect((await a.wal.append('ds', 'next')).seq).toBe(2);
    await a.wal.close();
    const b = await WriteAheadLog.open(dir, 0);
    expect(b.records.map((r) => [r.seq, r.body])).toEqual([
      [1, 'kept'],
      [2, 'next'],
    ]);
    expect(b.repairs).toEqual([]);
    await b.wal.close();
  });

  it('shares one fsync between concurrent waiters', async () => {
    const a = await WriteAheadLog.open(dir, 0);
    await a.wal.append('ds', '1');
    await a.wal.append('ds', '2');
    expect(a.wal.dirty).toBe(true);
    await Promise.all([a.wal.sync(), a.wal.sync(), a.wal.sync()]);
    expect(a.wal.dirty).toBe(false);
    await a.wal.close();
  });
});
