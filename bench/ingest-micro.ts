// Storage ingest without HTTP, for before/after measurements of the ingest path (not part of `npm run bench`):
//   node --import tsx bench/ingest-micro.ts <ndjson file> [--rows N] [--batch 10000] [--clients 4] [--small-seconds 5]
// Prints rows/s of 10,000-row appends (until acknowledged, and until flushed), the process's peak RSS, and 1-row
// appends/s from 64 concurrent callers. Run it in a fresh process per measurement (peak RSS is per process).
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Database } from '../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../src/sql/function-library.ts';
import { Storage } from '../src/storage/storage.ts';
import { loadProject } from '../src/datafiles/load-project.ts';
import { translateExpression } from '../src/service/translate-expression.ts';
import { REPO_DIR, procMemKb } from './lib/child.ts';

const { values: a, positionals } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '10000' },
    clients: { type: 'string', default: '4' },
    'small-seconds': { type: 'string', default: '5' },
    'small-clients': { type: 'string', default: '64' },
    wait: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
const file = positionals[0]!;
const maxRows = Number(a.rows);
const batchRows = Number(a.batch);

const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(0, maxRows);
const bodies: string[] = [];
for (let i = 0; i < lines.length; i += batchRows) bodies.push(lines.slice(i, i + batchRows).join('\n') + '\n');

const dir = await mkdtemp(join(tmpdir(), 'duckbird-micro-'));
const project = await loadProject(join(REPO_DIR, 'sql'));
const db = await Database.open();
await db.installLibrary(FUNCTION_LIBRARY);
const storage = await Storage.open(db, dir, project.datasources, { translateExpr: translateExpression, log: (m) => console.error(m) });
const ds = project.datasources[0]!.name;
const wait = a.wait!;

// CPU time (all threads: DuckDB's too) is far less sensitive than wall time to other work on the machine.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
let t = performance.now();
let c0 = cpu();
let next = 0;
await Promise.all(
  Array.from({ length: Number(a.clients) }, async () => {
    while (next < bodies.length) await storage.append(ds, bodies[next++]!, { wait });
  }),
);
const acked = (performance.now() - t) / 1000;
const c1 = cpu();
await storage.flush();
const flushed = (performance.now() - t) / 1000;
const c2 = cpu();
const hwm = procMemKb(process.pid, 'VmHWM') / 1024;
console.log(
  `batched: ${lines.length} rows in ${bodies.length} appends: acked ${(lines.length / acked).toFixed(0)} rows/s (${acked.toFixed(2)} s), ` +
    `flushed ${(lines.length / flushed).toFixed(0)} rows/s (${flushed.toFixed(2)} s), peak RSS ${hwm.toFixed(0)} MB; ` +
    `CPU µs/row: until acked ${((1e6 * (c1 - c0)) / lines.length).toFixed(2)}, last flush ${((1e6 * (c2 - c1)) / lines.length).toFixed(2)}`,
);

const seconds = Number(a['small-seconds']);
if (seconds > 0) {
  t = performance.now();
  c0 = cpu();
  let n = 0;
  const end = t + seconds * 1000;
  await Promise.all(
    Array.from({ length: Number(a['small-clients']) }, async (_, c) => {
      for (let i = c; performance.now() < end; i += 64) {
        await storage.append(ds, lines[i % lines.length]!, { wait: false });
        n++;
      }
    }),
  );
  const s = (performance.now() - t) / 1000;
  console.log(`1-row appends: ${(n / s).toFixed(0)} /s, CPU ${((1e6 * (cpu() - c0)) / n).toFixed(0)} µs per append`);
}
await storage.close();
db.close();
await rm(dir, { recursive: true, force: true });
