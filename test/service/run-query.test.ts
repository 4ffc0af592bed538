// runQuery reads a table's parts alone while its buffers are empty (storage/parts-views.ts): the answers and
// rows_before_limit_at_least must be those of the table's own view in every state of parts and buffers.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnDef } from '../../src/datafiles/types.ts';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { partsView, stateView } from '../../src/storage/parts-views.ts';
import { Storage } from '../../src/storage/storage.ts';
import { planRowsBeforeLimit } from '../../src/service/rows-before-limit.ts';
import { runQuery } from '../../src/service/run-query.ts';
import { shadowableTables, withPartsViews } from '../../src/service/with-parts-views.ts';
import { datasource } from '../storage/ev-charging.ts';

describe('shadowableTables', () => {
  const tables = new Set(['t', 'u', 'we"ird']);
  const cases: [string, string, string[]][] = [
    ['a quoted table', 'SELECT a FROM "t" WHERE 1 = 1', ['t']],
    ['two tables, each once', 'SELECT * FROM "t" JOIN "u" USING (a) JOIN "t" AS x USING (a)', ['t', 'u']],
    ['not a table', 'SELECT "a" FROM "x"', []],
    ['unquoted names are left alone', 'SELECT a FROM t', []],
    ['qualified: main."t"', 'SELECT a FROM main."t"', []],
    ['a column of the same name, qualified', 'SELECT "x"."t" FROM "u" AS x', ['u']],
    ['in a string or a comment', `SELECT 'say "t"', e'it\\'s "t"' FROM "u" -- "t"\n/* "t" */`, ['u']],
    ['a doubled quote inside a name', 'SELECT 1 FROM "we""ird"', ['we"ird']],
    ['WITH: tables in the CTEs and the body', 'WITH a AS (SELECT * FROM "t") SELECT * FROM a, "u"', ['t', 'u']],
    ['a CTE named like the table (row filters)', 'WITH "t" AS (SELECT * FROM main."t" WHERE a > 1) SELECT * FROM "t", "u"', ['u']],
    ['a CTE named like the table, unquoted', 'WITH t AS MATERIALIZED (SELECT 1) SELECT * FROM "t"', []],
    ['WITH RECURSIVE', 'WITH RECURSIVE r AS (SELECT 1) SELECT * FROM r, "t"', []],
    ['not a query', 'EXPLAIN SELECT * FROM "t"', []],
    ['a parenthesised query', '(SELECT * FROM "t") UNION ALL (SELECT * FROM "u")', ['t', 'u']],
  ];
  it.each(cases)('%s', (_n, sql, expected) => {
    expect(shadowableTables(sql, (n) => tables.has(n))).toEqual(expected);
  });
});

describe('withPartsViews', () => {
  const P = (t: string) => `"${t}" AS NOT MATERIALIZED (SELECT * FROM _duckbird."${t}__parts")`;
  const cases: [string, string, string[], string][] = [
    ['nothing to redirect', 'SELECT 1 FROM "t"', [], 'SELECT 1 FROM "t"'],
    ['a SELECT', 'SELECT a FROM "t" LIMIT 1', ['t'], `WITH ${P('t')} SELECT a FROM "t" LIMIT 1`],
    ['a WITH: first in its list', 'WITH x AS (SELECT * FROM "t") SELECT * FROM x, "u"', ['t', 'u'], `WITH ${P('t')}, ${P('u')}, x AS (SELECT * FROM "t") SELECT * FROM x, "u"`],
    ['a quote in the name', 'SELECT 1 FROM "we""ird"', ['we"ird'], `WITH "we""ird" AS NOT MATERIALIZED (SELECT * FROM _duckbird."we""ird__parts") SELECT 1 FROM "we""ird"`],
  ];
  it.each(cases)('%s', (_n, sql, tables, expected) => {
    expect(withPartsViews(sql, tables)).toBe(expected);
  });
});

describe('runQuery over parts and buffers', () => {
  let db: Database;
  let storage: Storage;
  let dir: string;
  const col = (name: string, type: string): ColumnDef => ({ name, type, nullable: false, jsonpath: `$.${name}`, defaultExpr: null, codec: null });
  const rows = (from: number, to: number) => Array.from({ length: to - from }, (_x, k) => JSON.stringify({ i: from + k, g: `g${(from + k) % 4}` })).join('\n');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-runquery-'));
    db = await Database.open();
    await db.installLibrary(FUNCTION_LIBRARY);
    storage = await Storage.open(db, dir, [datasource('t', [col('i', 'Int32'), col('g', 'String')], 'g', 'i')], { flushIntervalMs: 3_600_000, fsyncIntervalMs: 3_600_000 });
    await db.lockDown([dir]);
  });
  afterAll(async () => {
    await storage.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // As the translator writes them: quoted table names, templates' toInt32 limits.
  const queries = [
    `SELECT i, g FROM "t" WHERE 1 = 1 ORDER BY i DESC, g LIMIT toInt32('3') OFFSET toInt32('2')`,
    `SELECT i FROM "t" WHERE g = 'g1' ORDER BY i LIMIT 100`,
    `SELECT g, CAST(count(*) AS UBIGINT) AS c, sum(i) AS s FROM "t" GROUP BY g ORDER BY g LIMIT 2`,
    `WITH x AS (SELECT i FROM "t" WHERE i % 2 = 0) SELECT count(*) AS n, sum(i) AS s FROM x`,
    `SELECT a.i FROM "t" AS a JOIN "t" AS b ON a.i = b.i + 1 ORDER BY a.i LIMIT 4`,
  ];

  /** What the table's own view answers: the query as is, and its unlimited rows counted. */
  async function reference(sql: string): Promise<{ rows: unknown[][]; rowsBeforeLimit: number | undefined }> {
    const plan = planRowsBeforeLimit(sql);
    const rowsBeforeLimit = plan ? Number((await db.query(`SELECT count(*) FROM (${plan.unlimited})`)).rows[0]![0]) : undefined;
    return { rows: (await db.query(sql)).rows.map((r) => [...r]), rowsBeforeLimit };
  }
  const buffered = async () => Number((await db.query(`SELECT buffered FROM ${stateView('t')}`)).rows[0]![0]);
  const inParts = async () => Number((await db.query(`SELECT count(*) FROM ${partsView('t')}`)).rows[0]![0]);

  const states: [string, () => Promise<void>, number, number][] = [
    ['empty', async () => undefined, 0, 0],
    ['rows in the buffer only', async () => void (await storage.append('t', rows(0, 25), { wait: false })), 0, 25],
    ['rows in parts only', () => storage.flush(), 25, 0],
    ['parts and buffer', async () => void (await storage.append('t', rows(25, 31), { wait: false })), 25, 6],
    ['parts of two flushes', () => storage.flush(), 31, 0],
    ['merged', () => storage.compact(), 31, 0],
    ['rows deleted', async () => void (await storage.deleteWhere('t', 'i >= 28')), 28, 0],
    ['truncated', () => storage.truncate('t'), 0, 0],
    ['refilled with as many rows', async () => {
      await storage.append('t', rows(100, 128), { wait: false });
      await storage.flush();
    }, 28, 0],
  ];
  it.each(states)('%s', async (_n, step, parts, buffer) => {
    await step();
    expect([await inParts(), await buffered()]).toEqual([parts, buffer > 0 ? 1 : 0]);
    for (const sql of queries) {
      const out = await runQuery(db, storage, sql, 10_000, true);
      expect({ sql, rows: out.result.rows.map((r) => [...r]), rowsBeforeLimit: out.rowsBeforeLimit }).toEqual({ sql, ...(await reference(sql)) });
    }
  });
});
