// The endpoints' SQL run directly in DuckDB over the Parquet files duckbird keeps (the live parts of its manifest).
// Arg: <spec.json> = { files, queries, options }. Reports the same measurements as the HTTP side.
import { readFileSync } from 'node:fs';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { measureQueries, type MeasureOptions } from '../lib/measure.ts';
import type { BenchQuery } from '../lib/queries.ts';
import { sqlString } from '../lib/schema.ts';
import { reportResult } from '../lib/child.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { files: string[]; queries: BenchQuery[]; options: MeasureOptions };
const db = await DuckDBInstance.create(':memory:');
const idle: DuckDBConnection[] = [];
for (let i = 0; i < spec.options.clients; i++) idle.push(await db.connect());
await idle[0]!.run("SET TimeZone = 'UTC'");
await idle[0]!.run(`CREATE VIEW charging_sessions AS SELECT * FROM read_parquet([${spec.files.map(sqlString).join(', ')}])`);
const counts: Record<string, number> = {};
const waiters: ((c: DuckDBConnection) => void)[] = [];
async function run(q: BenchQuery): Promise<unknown> {
  const c = idle.pop() ?? (await new Promise<DuckDBConnection>((r) => waiters.push(r)));
  try {
    const reader = await c.runAndReadAll(q.duckdb);
    const rows = reader.getRowsJS();
    counts[q.id] ??= rows.length;
    return rows;
  } finally {
    const w = waiters.shift();
    if (w) w(c);
    else idle.push(c);
  }
}
const rows = Number((await idle[0]!.runAndReadAll('SELECT count(*) FROM charging_sessions')).getRows()[0]![0]);
const m = await measureQueries(run, spec.queries, spec.options);
reportResult({ rows, files: spec.files.length, counts, ...m });
