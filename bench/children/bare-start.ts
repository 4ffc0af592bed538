// The start-up baseline: a bare Node process that opens DuckDB and runs the same query over the same Parquet files,
// then stays idle so its resident memory can be read. Arg: <spec.json> = { files, sql }. Prints `answered`.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlString } from '../lib/schema.ts';

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { files: string[]; sql: string };
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run("SET TimeZone = 'UTC'");
const source = spec.files.length ? `read_parquet([${spec.files.map(sqlString).join(', ')}])` : null;
const sql = source ? spec.sql.replace(/FROM charging_sessions/g, `FROM ${source}`) : 'SELECT 1';
const rows = (await c.runAndReadAll(sql)).getRowsJS();
process.stdout.write(`answered ${rows.length}\n`);
process.on('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1 << 30);
