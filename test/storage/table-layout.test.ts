import { describe, expect, it } from 'vitest';
import { datasourceLayout, keyExpression, partitionFolder } from '../../src/storage/table-layout.ts';
import { CHARGING_SESSIONS } from './ev-charging.ts';

describe('keyExpression', () => {
  it.each([
    [null, null],
    ['', null],
    ['tuple()', null],
    ['toYYYYMM(timestamp)', 'toYYYYMM(timestamp)'],
    ['tuple(a, b)', 'a, b'],
    ['(a, toDate(b))', 'a, toDate(b)'],
    ['(a) + (b)', '(a) + (b)'],
    ['station_id, start_time', 'station_id, start_time'],
  ])('%j -> %j', (key, expected) => {
    expect(keyExpression(key, (e) => e)).toBe(expected);
  });
});

describe('partitionFolder', () => {
  it.each([
    ['202401', 'partition=202401'],
    ['2024-01-26', 'partition=2024-01-26'],
    ['a/b c', 'partition=a%2Fb%20c'],
    ['ü', 'partition=%C3%BC'],
    ['', 'partition='],
    [null, 'partition=__HIVE_DEFAULT_PARTITION__'],
  ])('%j -> %s', (value, expected) => {
    expect(partitionFolder(value)).toBe(expected);
  });
});

describe('datasourceLayout', () => {
  it('maps the EV-charging schema to DuckDB types and keys', () => {
    expect(datasourceLayout(CHARGING_SESSIONS, (e) => e)).toEqual({
      name: 'charging_sessions',
      datasource: 'charging_sessions',
      kind: 'datasource',
      columns: [
        { name: 'session_id', type: 'VARCHAR' },
        { name: 'station_id', type: 'VARCHAR' },
        { name: 'user_id', type: 'VARCHAR' },
        { name: 'start_time', type: 'TIMESTAMP' },
        { name: 'end_time', type: 'TIMESTAMP' },
        { name: 'energy_consumed', type: 'DOUBLE' },
        { name: 'amount_paid', type: 'DOUBLE' },
        { name: 'charging_type', type: 'VARCHAR' },
        { name: 'location', type: 'VARCHAR' },
        { name: 'timestamp', type: 'TIMESTAMP' },
      ],
      partitionExpr: 'toYYYYMM(timestamp)',
      sortExpr: 'station_id, start_time, session_id',
    });
  });
});
