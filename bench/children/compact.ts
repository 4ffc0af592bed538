// "Fully compacted" reference for the sustained-ingest section: the same rows rewritten as one Parquet file per
// month, sorted by the datasource's sorting key, in duckbird's part layout (16k-row groups, LZ4).
// Args: <spec.json> = { files, outDir }.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../lib/schema.ts';
import { reportResult } from '../lib/child.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { files: string[]; outDir: string };
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const t0 = performance.now();
await c.run(
  `COPY (SELECT *, strftime(timestamp, '%Y%m') AS partition FROM read_parquet([${spec.files.map(sqlString).join(', ')}]) ORDER BY station_id, start_time, session_id)
   TO ${sqlString(spec.outDir)} (FORMAT parquet, PARTITION_BY (partition), ROW_GROUP_SIZE 16384, COMPRESSION lz4, OVERWRITE_OR_IGNORE)`,
);
reportResult({ seconds: (performance.now() - t0) / 1000 });
