// One write-ahead log for the whole data dir (design.md, Storage): every accepted Events API body is appended
// here before its rows become visible, and replayed at start for records newer than the manifest's walSeq.
// One log for all data sources so that a flush makes every buffer durable together (materialized views will
// derive rows of one data source from another's batch; replay must never duplicate or lose either side).
//
// The log is a series of segments `_wal/wal-<first seq>.log`; a flush starts a new segment, and segments whose
// records are all in Parquet parts (seq <= manifest.walSeq) are deleted once the manifest says so.
// Record = magic 'DBW1' | payload length u32 | crc32(payload) u32 | payload, payload = seq u64 | name length u16
// | name | body (UTF-8). A torn tail (crash mid-write) fails the length or CRC check and is cut off at open.
import { mkdir, open, readdir, readFile, rm, truncate, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { fsyncDir } from './durable-fs.ts';
import { WriteFailedError } from './write-failed-error.ts';


const MAGIC = 0x44425731; // 'DBW1'
const HEADER = 12;

export interface WalRecord {
  readonly seq: number;
  readonly datasource: string;
  readonly body: string;
}

export interface WalReplay {
  readonly records: WalRecord[];
  /** Human-readable notes about torn tails that were cut off. */
  readonly repairs: string[];
}

const segmentName = (firstSeq: number) => `wal-${String(firstSeq).padStart(20, '0')}.log`;

export function encodeRecord(r: WalRecord): Buffer {
  return Buffer.concat(recordChunks(r.seq, Buffer.from(r.datasource, 'utf8'), Buffer.from(r.body, 'utf8')));
}

/** A record as [header + seq + name, body], so a large body is written without being copied. */
function recordChunks(seq: number, name: Buffer, body: Buffer): [Buffer, Buffer] {
  const head = Buffer.allocUnsafe(HEADER + 10 + name.length);
  head.writeBigUInt64BE(BigInt(seq), HEADER);
  head.writeUInt16BE(name.length, HEADER + 8);
  name.copy(head, HEADER + 10);
  head.writeUInt32BE(MAGIC, 0);
  head.writeUInt32BE(10 + name.length + body.length, 4);
  head.writeUInt32BE(crc32(body, crc32(head.subarray(HEADER))), 8);
  return [head, body];
}

/** Decodes records until the end or the first damaged one; `validBytes` is where a torn tail starts. */
export function decodeRecords(buf: Buffer): { records: WalRecord[]; validBytes: number } {
  const records: WalRecord[] = [];
  let off = 0;
  while (off + HEADER <= buf.length) {
    if (buf.readUInt32BE(off) !== MAGIC) break;
    const len = buf.readUInt32BE(off + 4);
    if (len < 10 || off + HEADER + len > buf.length) break;
    const payload = buf.subarray(off + HEADER, off + HEADER + len);
    if (crc32(payload) !== buf.readUInt32BE(off + 8)) break;
    const nameLen = payload.readUInt16BE(8);
    if (10 + nameLen > len) break;
    records.push({
      seq: Number(payload.readBigUInt64BE(0)),
      datasource: payload.subarray(10, 10 + nameLen).toString('utf8'),
      body: payload.subarray(10 + nameLen).toString('utf8'),
    });
    off += HEADER + len;
  }
  return { records, validBytes: off };
}

export class WriteAheadLog {
  private written = 0;
  private synced = 0;
  private syncing: Promise<void> | null = null;
  private bytes = 0;
  /** End of the last complete record in the current segment. */
  private end = 0;

  private constructor(
    private readonly dir: string,
    private fh: FileHandle,
    private segment: string,
    private seq: number,
  ) {}

  /** Reads every segment (cutting off torn tails), then starts a new segment after the last record. */
  static async open(dir: string, minSeq: number): Promise<{ wal: WriteAheadLog } & WalReplay> {
    if ((await mkdir(dir, { recursive: true })) !== undefined) await fsyncDir(dirname(dir));
    const records: WalRecord[] = [];
    const repairs: string[] = [];
    let last = minSeq;
    for (const name of await listSegments(dir)) {
      const path = join(dir, name);
      const buf = await readFile(path);
      const decoded = decodeRecords(buf);
      if (decoded.validBytes < buf.length) {
        repairs.push(`${name}: cut ${buf.length - decoded.validBytes} bytes of torn record at offset ${decoded.validBytes}`);
        await truncate(path, decoded.validBytes);
      }
      for (const r of decoded.records) {
        records.push(r);
        if (r.seq > last) last = r.seq;
      }
    }
    const segment = segmentName(last + 1);
    const fh = await open(join(dir, segment), 'a');
    await fsyncDir(dir);
    const wal = new WriteAheadLog(dir, fh, segment, last);
    wal.end = (await fh.stat()).size;
    return { wal, records, repairs };
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Bytes appended since the current segment started (drives size-based flushes). */
  get segmentBytes(): number {
    return this.bytes;
  }

  get dirty(): boolean {
    return this.synced < this.written;
  }

  /** Appends a record (not yet fsynced; see sync()); returns its seq and size. Callers serialise appends. */
  async append(datasource: string, body: string | Buffer): Promise<{ seq: number; length: number }> {
    const { seq, length } = (await this.appendAll(datasource, [body]))[0]!;
    return { seq, length };
  }

  /**
   * Appends one record per body with one write (group commit); returns their seqs, record sizes and body sizes
   * (UTF-8 bytes), in order.
   */
  async appendAll(datasource: string, bodies: readonly (string | Buffer)[]): Promise<{ seq: number; length: number; bodyBytes: number }[]> {
    const name = Buffer.from(datasource, 'utf8');
    const chunks: Buffer[] = [];
    const out: { seq: number; length: number; bodyBytes: number }[] = [];
    let total = 0;
    bodies.forEach((b, i) => {
      const [head, body] = recordChunks(this.seq + 1 + i, name, typeof b === 'string' ? Buffer.from(b, 'utf8') : b);
      chunks.push(head, body);
      out.push({ seq: this.seq + 1 + i, length: head.length + body.length, bodyBytes: body.length });
      total += head.length + body.length;
    });
    try {
      const { bytesWritten } = await this.fh.writev(chunks);
      if (bytesWritten !== total) throw new Error(`write-ahead log: short write (${bytesWritten} of ${total} bytes)`);
    } catch (e) {
      // A partial write (disk full) would hide every later record behind a damaged one at replay.
      await this.fh.truncate(this.end).catch(() => undefined);
      throw new WriteFailedError('the write-ahead log', e);
    }
    this.end += total;
    this.seq += bodies.length;
    this.bytes += total;
    this.written++;
    return out;
  }

  /** Takes back the record just appended (its rows could not be made visible); callers still hold the lock. */
  async discardLast(seq: number, length: number): Promise<void> {
    if (seq !== this.seq) throw new Error(`write-ahead log: cannot discard record ${seq}, last is ${this.seq}`);
    await this.fh.truncate(this.end - length);
    this.end -= length;
    this.bytes -= length;
    this.seq--;
  }

  /** Resolves once every record appended before the call is on disk; concurrent callers share one fsync. */
  async sync(): Promise<void> {
    const target = this.written;
    while (this.synced < target) {
      if (!this.syncing) {
        const upTo = this.written;
        const fh = this.fh;
        this.syncing = fh
          .sync()
          .then(() => {
            this.synced = Math.max(this.synced, upTo);
          })
          .finally(() => {
            this.syncing = null;
          });
      }
      await this.syncing;
    }
  }

  /** Starts a new segment; returns the last seq of the closed one. Callers hold the write lock. */
  async rotate(): Promise<number> {
    await this.sync();
    await this.fh.close();
    this.segment = segmentName(this.seq + 1);
    this.fh = await open(join(this.dir, this.segment), 'a');
    this.end = (await this.fh.stat()).size;
    this.bytes = 0;
    await fsyncDir(this.dir);
    return this.seq;
  }

  /** Deletes every segment before the current one (their records are all covered by the manifest). */
  async dropOldSegments(): Promise<void> {
    const old = (await listSegments(this.dir)).filter((s) => s < this.segment);
    for (const s of old) await rm(join(this.dir, s), { force: true });
    if (old.length) await fsyncDir(this.dir);
  }

  async close(): Promise<void> {
    await this.sync();
    await this.fh.close();
  }
}

async function listSegments(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => /^wal-\d{20}\.log$/.test(n)).sort();
}
