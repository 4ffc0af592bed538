import { describe, expect, it } from 'vitest';
import { withoutOuterLimit } from '../../src/service/rows-before-limit.ts';

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
