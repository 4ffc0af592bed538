// The endpoints' ClickHouse SQL run in chDB over the MergeTree table chdb-ingest.ts built.
// Arg: <spec.json> = { dir, queries, options }.
import { readFileSync } from 'node:fs';
import { Session } from 'chdb';
import { measureQueries, type MeasureOptions } from '../lib/measure.ts';
import type { BenchQuery } from '../lib/queries.ts';
import { reportResult } from '../lib/child.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { dir: string; queries: BenchQuery[]; options: MeasureOptions };
const s = new Session(spec.dir);
const rows = Number(s.query('SELECT count() FROM charging_sessions', 'TSV').trim());
const run = async (q: BenchQuery) => (await s.queryAsync(q.clickhouse, { format: 'JSON' })).text();
const m = await measureQueries(run, spec.queries, spec.options);
s.close();
reportResult({ rows, ...m });
