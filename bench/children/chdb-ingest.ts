// Reference (b) for ingest, and the ClickHouse side of the query comparison: chDB (in-process ClickHouse) loads
// the same NDJSON into a MergeTree table with the datasource's partition and sorting key.
// Args: <ndjson> <session dir> [--optimize]. The table is created fresh.
import { Session } from 'chdb';
import { clickhouseCreateTable, sqlString, COLUMNS } from '../lib/schema.ts';
import { reportResult } from '../lib/child.ts';

const [input, dir, ...flags] = process.argv.slice(2) as [string, string, ...string[]];
const s = new Session(dir);
s.query('DROP TABLE IF EXISTS charging_sessions SYNC');
s.query(clickhouseCreateTable('charging_sessions'));
const structure = COLUMNS.map(([n, t]) => `${n} ${t}`).join(', ');
const t0 = performance.now();
s.query(`INSERT INTO charging_sessions SELECT * FROM file(${sqlString(input)}, 'JSONEachRow', ${sqlString(structure)})`);
const seconds = (performance.now() - t0) / 1000;
let optimizeSeconds = 0;
if (flags.includes('--optimize')) {
  const t1 = performance.now();
  s.query('OPTIMIZE TABLE charging_sessions FINAL');
  optimizeSeconds = (performance.now() - t1) / 1000;
}
const rows = Number(s.query('SELECT count() FROM charging_sessions', 'TSV').trim());
const parts = Number(s.query("SELECT count() FROM system.parts WHERE table = 'charging_sessions' AND active", 'TSV').trim());
s.close();
reportResult({ seconds, rows, optimizeSeconds, parts });
