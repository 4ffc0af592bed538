import { describe, expect, it } from 'vitest';
import { templateParameters, templateVariablesFromParams, templateWarnings } from '../../src/template/index.ts';

describe('templateParameters (spec §8.7)', () => {
  it.each([
    ['SELECT {{Float32(with_value, 0.0)}}', [{ name: 'with_value', type: 'Float32', default: 0 }]],
    ['SELECT {{Int32(with_value, -0)}}', [{ name: 'with_value', type: 'Int32', default: 0 }]],
    ["{{String(d, 'test_1', description='test', required=True)}} AND {{Int8(v, 3, format='number', example='1')}}", [
      { name: 'd', type: 'String', description: 'test', required: true, default: 'test_1' },
      { name: 'v', type: 'Int8', format: 'number', example: '1', default: 3 },
    ]],
    ['select * from test {% if defined(y) and x > 0 %} where x = {{UInt64(x)}} {% end %}', [
      { name: 'x', type: 'UInt64', default: null },
      { name: 'y', type: 'String', default: null, usedIn: 'function_call' },
    ]],
    ["select {{Array(cod, 'Int16', default='1', defined=False)}}", [{ name: 'cod', type: 'Array(Int16)', default: '1', defined: false }]],
    ["% SELECT {{Array(click_selector, 'String', 'pre,pro')}}", [{ name: 'click_selector', type: 'Array(String)', default: 'pre,pro' }]],
    ['SELECT {{Int64(symbol_id, 9223372036854775807)}}', [{ name: 'symbol_id', type: 'Int64', default: '9223372036854775807' }]],
    ['{% for x in items %}{{Int32(x, 0)}}{% end %}', [{ name: 'x', type: 'Int32', default: 0 }, { name: 'items', type: 'String', default: null }]],
    ['select {{cod}} {% if defined(cod) %}{% end %}', [{ name: 'cod', type: 'String', default: null }]],
  ])('%s', (sql, expected) => {
    expect(templateParameters(sql)).toEqual(expected);
  });
});

describe('templateVariablesFromParams (spec §3.3, §10)', () => {
  const params = [{ name: 'ids', type: 'Array(Int32)' }, { name: 'name', type: 'String' }];
  it.each([
    [{ ids: ['1', '2'], name: 'a' }, { ids: ['1', '2'], name: 'a' }],
    [{ ids: '1,2' }, { ids: ['1', '2'] }],
    [{ ids: '["7pm40","x"]' }, { ids: ['7pm40', 'x'] }],
    [{ name: ['a', 'b'] }, { name: 'a,b' }],
    [{ name: '["x"]', token: 'p.secret', q: 'select 1', format: 'json' }, { name: '["x"]' }],
  ])('%j', (raw, expected) => {
    expect(templateVariablesFromParams(raw, { api: 'pipe', params })).toEqual(expected);
  });
  it('drops the SQL API parameters on /v0/sql', () => {
    expect(templateVariablesFromParams({ q: 'x', pipeline: 'p', test: '1', x: '2' }, { api: 'sql' })).toEqual({ x: '2' });
  });
  it('warns once per reserved name', () => {
    expect(templateWarnings('{{String(tag)}} {{ String(tag) }} {{ String(debug, "x") }}')).toEqual([
      'The parameter name "tag" is a reserved word. Please, choose another name or the pipe will not work as expected.',
      'The parameter name "debug" is a reserved word. Please, choose another name or the pipe will not work as expected.',
    ]);
  });
});
