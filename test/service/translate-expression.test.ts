import { describe, expect, it } from 'vitest';
import { translateExpression } from '../../src/service/translate-expression.ts';

describe('translateExpression', () => {
  const cases: [string, string][] = [
    ['toYYYYMM(timestamp)', 'toYYYYMM(timestamp)'],
    ['station_id, start_time, session_id', 'station_id, start_time, session_id'],
    ["''", "''"],
    ["'it\\'s'", "'it''s'"],
    ['`a b`', '"a b"'],
    ['x == 1', 'x = 1'],
  ];
  it.each(cases)('%s', (expr, expected) => {
    expect(translateExpression(expr)).toBe(expected);
  });
});
