// Reads an NDJSON file as request bodies of exactly `lines` rows each (the last one may be shorter).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

export async function* batches(path: string, lines: number, maxRows = Infinity): AsyncGenerator<{ body: Buffer; rows: number }> {
  let carry: Buffer = Buffer.alloc(0);
  let rowsInCarry = 0;
  let scanFrom = 0;
  let emitted = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 }) as AsyncIterable<Buffer>) {
    carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    let pos = scanFrom;
    for (;;) {
      const nl = carry.indexOf(10, pos);
      if (nl < 0) break;
      pos = nl + 1;
      rowsInCarry++;
      if (rowsInCarry === lines || emitted + rowsInCarry === maxRows) {
        yield { body: carry.subarray(start, pos), rows: rowsInCarry };
        emitted += rowsInCarry;
        if (emitted >= maxRows) return;
        start = pos;
        rowsInCarry = 0;
      }
    }
    carry = carry.subarray(start);
    scanFrom = carry.length;
  }
  if (rowsInCarry > 0) yield { body: carry, rows: rowsInCarry };
}

/** The first `count` lines of a file, each as its own Buffer (for small-request loads that cycle through them). */
export async function firstLines(path: string, count: number): Promise<Buffer[]> {
  const fh = await open(path);
  try {
    const buf = Buffer.alloc(Math.min(count * 400, (await fh.stat()).size));
    await fh.read(buf, 0, buf.length, 0);
    const out: Buffer[] = [];
    let pos = 0;
    while (out.length < count) {
      const nl = buf.indexOf(10, pos);
      if (nl < 0) break;
      out.push(buf.subarray(pos, nl + 1));
      pos = nl + 1;
    }
    return out;
  } finally {
    await fh.close();
  }
}
