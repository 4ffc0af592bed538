// Reference (a) for ingest: DuckDB's own NDJSON -> Parquet partitioned by month, the ceiling for "NDJSON in,
// monthly Parquet out". Unsorted, LZ4, DuckDB's default threads. Args: <ndjson> <out dir>.
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbReadJson, sqlString } from '../lib/schema.ts';
import { reportResult } from '../lib/child.ts';

const [input, outDir] = process.argv.slice(2) as [string, string];
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const t0 = performance.now();
const r = await c.runAndReadAll(
  `COPY (SELECT *, strftime(timestamp, '%Y%m') AS partition FROM ${duckdbReadJson(input)}) TO ${sqlString(outDir)} (FORMAT parquet, PARTITION_BY (partition), COMPRESSION lz4, OVERWRITE_OR_IGNORE)`,
);
const seconds = (performance.now() - t0) / 1000;
reportResult({ seconds, rows: Number(r.getRows()[0]?.[0] ?? 0) });
