import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../../src/engine/database.ts';
import { FUNCTION_LIBRARY } from '../../src/sql/function-library.ts';
import { Storage } from '../../src/storage/storage.ts';
import { planRowsBeforeLimit, withoutOuterLimit, WINDOW_COLUMN } from '../../src/service/rows-before-limit.ts';
import { runQuery } from '../../src/service/run-query.ts';

describe('withoutOuterLimit', () => {
  const cases: [string, string, string | null][] = [
    ['no limit', 'SELECT a FROM t ORDER BY a', null],
    ['limit', 'SELECT a FROM t LIMIT 10', 'SELECT a FROM t'],
    ['order, limit, offset', 'SELECT a FROM t WHERE b = 1 ORDER BY a DESC LIMIT 10 OFFSET 5', 'SELECT a FROM t WHERE b = 1'],
    ['limit only inside a subquery', 'SELECT * FROM (SELECT a FROM t LIMIT 1) ORDER BY a', null],
    ['limit inside a CTE and outside', 'WITH x AS (SELECT a FROM t ORDER BY a LIMIT 1) SELECT * FROM x ORDER BY a LIMIT 5', 'WITH x AS (SELECT a FROM t ORDER BY a LIMIT 1) SELECT * FROM x'],
    ['keywords in strings and identifiers', `SELECT 'LIMIT 1' AS "ORDER BY" FROM t LIMIT 2`, `SELECT 'LIMIT 1' AS "ORDER BY" FROM t`],
    ['window ORDER BY', 'SELECT row_number() OVER (ORDER BY a) FROM t LIMIT 3', 'SELECT row_number() OVER (ORDER BY a) FROM t'],
    ['union', 'SELECT 1 UNION ALL SELECT 2 ORDER BY 1 LIMIT 1', 'SELECT 1 UNION ALL SELECT 2'],
    ['comment', 'SELECT a FROM t -- LIMIT 3\nWHERE a > 1', null],
    ['quote doubling', "SELECT 'it''s' FROM t LIMIT 1", "SELECT 'it''s' FROM t"],
  ];
  it.each(cases)('%s', (_n, sql, expected) => {
    expect(withoutOuterLimit(sql)).toBe(expected);
  });
});

describe('planRowsBeforeLimit', () => {
  const W = `count(*) OVER () AS "${WINDOW_COLUMN}"`;
  const cases: [string, string, ReturnType<typeof planRowsBeforeLimit>][] = [
    ['no limit', 'SELECT a FROM t GROUP BY a', null],
    ['literal limit and offset', 'SELECT a FROM t ORDER BY a LIMIT 10 OFFSET 5', { unlimited: 'SELECT a FROM t', limit: 10, offset: 5, windowed: null }],
    ["template's toInt32('n')", "SELECT a FROM t ORDER BY a LIMIT toInt32('100') OFFSET toInt32('0')", { unlimited: 'SELECT a FROM t', limit: 100, offset: 0, windowed: null }],
    ['computed limit', 'SELECT a FROM t LIMIT 2 + 3', { unlimited: 'SELECT a FROM t', limit: null, offset: 0, windowed: null }],
    ['computed offset', 'SELECT a FROM t LIMIT 3 OFFSET (SELECT 1)', { unlimited: 'SELECT a FROM t', limit: 3, offset: null, windowed: null }],
    ['grouped: the window goes before FROM', "SELECT a, count(*) AS c FROM t WHERE b > 1 GROUP BY a HAVING count(*) > 1 ORDER BY c DESC LIMIT toInt32('10')",
      { unlimited: 'SELECT a, count(*) AS c FROM t WHERE b > 1 GROUP BY a HAVING count(*) > 1', limit: 10, offset: 0, windowed: `SELECT a, count(*) AS c, ${W} FROM t WHERE b > 1 GROUP BY a HAVING count(*) > 1 ORDER BY c DESC LIMIT toInt32('10')` }],
    ['grouped inside a CTE only', 'WITH x AS (SELECT a FROM t GROUP BY a) SELECT a FROM x LIMIT 1', { unlimited: 'WITH x AS (SELECT a FROM t GROUP BY a) SELECT a FROM x', limit: 1, offset: 0, windowed: null }],
    ['grouped with DISTINCT', 'SELECT DISTINCT count(*) FROM t GROUP BY a LIMIT 2', { unlimited: 'SELECT DISTINCT count(*) FROM t GROUP BY a', limit: 2, offset: 0, windowed: null }],
    ['grouped with QUALIFY', 'SELECT a FROM t GROUP BY a QUALIFY row_number() OVER (ORDER BY a) > 1 LIMIT 2', { unlimited: 'SELECT a FROM t GROUP BY a QUALIFY row_number() OVER (ORDER BY a) > 1', limit: 2, offset: 0, windowed: null }],
    ['grouped branch of a union', 'SELECT 1 AS a UNION ALL SELECT a FROM t GROUP BY a LIMIT 2', { unlimited: 'SELECT 1 AS a UNION ALL SELECT a FROM t GROUP BY a', limit: 2, offset: 0, windowed: null }],
  ];
  it.each(cases)('%s', (_n, sql, expected) => {
    expect(planRowsBeforeLimit(sql)).toEqual(expected);
  });
});

describe('runQuery: rows_before_limit_at_least', () => {
  let db: Database;
  let storage: Storage;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'duckbird-rbl-'));
    db = await Database.open();
    for (const stmt of FUNCTION_LIBRARY) await db.runOnEach(stmt);
    storage = await Storage.open(db, dir, []);
    // 25 rows: g = i % 7 (7 groups), i = 0..24.
    await db.runOnEach('CREATE OR REPLACE TABLE t AS SELECT range AS i, range % 7 AS g FROM range(25)');
  });
  afterAll(async () => {
    await storage.close();
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  // Every path: a short page, a full page, an empty page after an offset, a window over groups, computed limits.
  const cases: [string, string, number | undefined, number][] = [
    ['short page', 'SELECT i FROM t WHERE i < 5 ORDER BY i LIMIT 10', 5, 5],
    ['short page after an offset', 'SELECT i FROM t ORDER BY i LIMIT 10 OFFSET 20', 25, 5],
    ['full page', "SELECT i FROM t ORDER BY i DESC LIMIT toInt32('3')", 25, 3],
    ['empty page after an offset', 'SELECT i FROM t ORDER BY i LIMIT 10 OFFSET 40', 25, 0],
    ['limit 0', 'SELECT i FROM t LIMIT 0', 25, 0],
    ['grouped, full page', 'SELECT g, count(*) AS c FROM t GROUP BY g ORDER BY c DESC, g LIMIT 2', 7, 2],
    ['grouped with HAVING', 'SELECT g FROM t GROUP BY g HAVING count(*) > 3 ORDER BY g LIMIT 1', 4, 1],
    ['grouped, every row skipped', 'SELECT g FROM t GROUP BY g ORDER BY g LIMIT 2 OFFSET 9', 7, 0],
    ['grouped, nothing there', 'SELECT g FROM t WHERE i > 100 GROUP BY g LIMIT 2', 0, 0],
    ['computed limit', 'SELECT i FROM t ORDER BY i LIMIT 1 + 1', 25, 2],
    ['no limit', 'SELECT i FROM t WHERE i < 2', undefined, 2],
  ];
  it.each(cases)('%s', async (_n, sql, expected, rows) => {
    const out = await runQuery(db, storage, sql, 10_000, true);
    expect(out.rowsBeforeLimit).toBe(expected);
    expect(out.result.rows.length).toBe(rows);
    // The extra window column never reaches the answer.
    expect(out.result.columns.map((c) => c.name)).toEqual((await db.query(sql)).columns.map((c) => c.name));
  });
});
