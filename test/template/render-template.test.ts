import { describe, expect, it } from 'vitest';
import { CustomTemplateError, TemplateError, TemplateUserError } from '../../src/errors.ts';
import { isTemplate, renderTemplate, validateTemplate, type TemplateValue } from '../../src/template/index.ts';

type Case = [sql: string, vars: Record<string, TemplateValue>, expected: string, opts?: { testMode?: boolean }];

// spec §8.6: Tinybird's doctests (ST render_sql_template), with the exact SQL they produce.
const RENDERS: Case[] = [
  ['select * from table where f = {{Float32(foo)}}', { foo: -1 }, "select * from table where f = toFloat32('-1.0')"],
  ['{{Float32(foo)}}', { foo: 1 }, "toFloat32('1.0')"],
  ['{{Float32(foo)}}', { foo: '1e16' }, "toFloat32('1e+16')"],
  ['select * from table where str = {{foo}}', { foo: 'test' }, "select * from table where str = 'test'"],
  ['select * from table where f = {{foo}}', { foo: 1.5 }, 'select * from table where f = 1.5'],
  ['select {{Boolean(foo)}} from table', { foo: true }, 'select 1 from table'],
  ['select {{Boolean(foo)}} from table', { foo: 'FALSE' }, 'select 0 from table'],
  ['select * from table where f = {{foo}}', { foo: "';drop table users;" }, "select * from table where f = '\\';drop table users;'"],
  ['select * from {{symbol(foo)}}', { foo: 'table-name' }, 'select * from `table-name`'],
  ['select * from {{symbol(foo)}}', { foo: '"table-name"' }, 'select * from `table-name`'],
  ['select * from {{table(foo)}}', { foo: '"table-name"' }, 'select * from table-name'],
  ['select {{Int32(foo, 1)}}', {}, "select toInt32('1')", { testMode: true }],
  ['select {{Int32(foo)}}', { foo: '5' }, "select toInt32('5')"],
  ['select {{Int(foo)}}', { foo: '5' }, 'select 5'],
  ['SELECT {{Int128(foo)}}', { foo: '-170141183460469231731687303715884105728' }, "SELECT toInt128('-170141183460469231731687303715884105728')"],
  ['SELECT * from test limit {{Int(limit)}}', {}, 'SELECT * from test limit 0', { testMode: true }],
  ['{% if defined(open) %}ERROR{% else %}YEAH!{% end %}', {}, 'YEAH!'],
  ['{% if test %}SELECT 1{% else %} select 2 {% end %}', {}, ' select 2 '],
  ['{% if Int32(test, 1) %}SELECT 1{% else %} select 2 {% end %}', {}, 'SELECT 1'],
  ['{% for v in test %}SELECT {{v}} {% end %}', {}, "SELECT '__no_value__' SELECT '__no_value__' SELECT '__no_value__' ", { testMode: true }],
  ['SELECT count() c FROM test_table where a > {{Float32(myvar)}} {% if defined(my_condition) %} and c = Int32({{my_condition}}){% end %}', { myvar: 1.0 }, "SELECT count() c FROM test_table where a > toFloat32('1.0') "],
  ['SELECT count() c FROM where {{sql_and(a=a, b=b)}}', { a: '1', b: '2' }, "SELECT count() c FROM where a = '1' and b = '2'"],
  ['SELECT count() c FROM where {{sql_and(a=a, b=b)}}', { b: '2' }, "SELECT count() c FROM where b = '2'"],
  ['SELECT count() c FROM where {{sql_and(a=Int(a, defined=False), b=Int(b, defined=False))}}', { b: '2' }, 'SELECT count() c FROM where b = 2'],
  ['SELECT count() c FROM where {{sql_and(a__in=Array(a), b=b)}}', { a: 'a,b,c', b: '2' }, "SELECT count() c FROM where a in ['a','b','c'] and b = '2'"],
  ['SELECT count() c FROM where {{sql_and(a__not_in=Array(a), b=b)}}', { a: 'a,b,c', b: '2' }, "SELECT count() c FROM where a not in ['a','b','c'] and b = '2'"],
  ['SELECT c FROM where a > {{Date(start)}}', {}, "SELECT c FROM where a > '2019-01-01'", { testMode: true }],
  ['SELECT c FROM where a > {{DateTime(start)}}', {}, "SELECT c FROM where a > '2019-01-01 00:00:00'", { testMode: true }],
  ['SELECT c FROM where a > {{DateTime(start)}}', { start: '2018-09-07 23:55:00' }, "SELECT c FROM where a > '2018-09-07 23:55:00'"],
  ['SELECT {{symbol(attr)}} from test', {}, 'SELECT `placeholder` from test', { testMode: true }],
  ['SELECT {{Array(foo)}}', { foo: 'a,b,c,d' }, "SELECT ['a','b','c','d']"],
  ["SELECT {{Array(foo, 'Int32')}}", { foo: '1,2,3,4' }, 'SELECT [1,2,3,4]'],
  ["SELECT {{Array(foo, 'Int32')}}", { foo: ['1', '2'] }, 'SELECT [1,2]'],
  ["SELECT {{Array(foo, 'Float32')}}", { foo: '1,2.5' }, 'SELECT [1.0,2.5]'],
  ["SELECT {{Array(foo, 'Int32')}}", {}, 'SELECT [0,0]', { testMode: true }],
  ['SELECT {{Array(foo)}}', {}, "SELECT ['']", { testMode: true }],
  ["% SELECT {{Array(click_selector, 'String', 'pre,pro')}}", {}, " SELECT ['pre','pro']"],
  ["% SELECT {{Array(click_selector, 'String', 'pre,pro')}}", { click_selector: 'hi,hello' }, " SELECT ['hi','hello']"],
  ["%\nSELECT now() > {{DateTime64(variable, '2020-09-09 10:10:10.000')}}", {}, "SELECT now() > '2020-09-09 10:10:10.000'"],
  ['{{max_threads(2)}} SELECT 1', {}, '-- max_threads 2\n SELECT 1'],
  ['SELECT {{String(foo)}}', {}, "SELECT '__no_value__'", { testMode: true }],
  ["SELECT {{String(foo, 'test')}}", {}, "SELECT 'test'", { testMode: true }],
  ["SELECT {{String(foo, 'test')}}", { foo: 'tt' }, "SELECT 'tt'"],
  ["SELECT {{String(foo + 'abcd')}}", {}, "SELECT '__no_value__'", { testMode: true }],
  ['SELECT {{column(agg)}}', { agg: 'foo' }, 'SELECT `foo`'],
  ['SELECT {{column(agg)}}', { agg: '"foo"' }, 'SELECT `foo`'],
  ['SELECT {{column(agg)}}', { agg: 'json.a' }, 'SELECT `json`.`a`'],
  ["SELECT {{columns(agg, 'a,b,c')}} FROM table", {}, 'SELECT `a`,`b`,`c` FROM table'],
  ["SELECT {{columns(agg, 'a,b,c')}} FROM table", { agg: 'foo' }, 'SELECT `foo` FROM table'],
  ['{% if not defined(test) %}error("This is an error"){% end %}', {}, 'error("This is an error")'],
  ["SELECT * FROM dim where foo like {{sql_unescape(String(pepe), '%')}}", { pepe: 'raul_el_bueno_is_the_best_%' }, "SELECT * FROM dim where foo like 'raul_el_bueno_is_the_best_%'"],
  ["SELECT {{sql_unescape(String(pepe), '$')}}", { pepe: 'testing%' }, "SELECT 'testing\\%'"],
  ['SELECT * FROM table WHERE field={{String(field_filter)}}', { field_filter: 'action."test run"' }, "SELECT * FROM table WHERE field='action.\\\"test run\\\"'"],
  ["% SELECT * FROM employees WHERE 0 {% for kv in JSON(payload) %} OR department = {{kv['dp']}} {% end %}", { payload: '[{"dp":"Design"},{"dp":"Marketing"}]' }, " SELECT * FROM employees WHERE 0  OR department = 'Design'  OR department = 'Marketing' "],
  ["% SELECT * FROM employees WHERE 0 {% for kv in JSON(payload, '[{\"dp\":\"Sales\"}]') %} OR department = {{kv['dp']}} {% end %}", {}, " SELECT * FROM employees WHERE 0  OR department = 'Sales' "],
  ["% {% if defined(test) %}{% set _g = ','.join(test) %} SELECT {{Array(test, 'String')}} as test, {{_g}} as a {% end %}", { test: '1,2' }, "  SELECT ['1','2'] as test, '1,2' as a "],
  ["% {% if defined(test) %}{% set _total = sum(test) %}{{Array(test, 'Int32')}} {{_total}}{% end %}", { test: '1,2' }, ' [1,2] 3'],
  ["select * from table where str = {{tb_secret('test', 'default_value')}}", {}, "select * from table where str = 'default_value'"],
  ["select * from table where str = {{tb_secret('test')}}", {}, 'select * from table where str = {test: String}', { testMode: true }],
  ["SELECT * FROM test WHERE {% for item in JSON(filters, '[{\"operand\":\"test\"}]') %} {{item.get('operand')}} {% end %}", {}, "SELECT * FROM test WHERE  'test' "],
  // Python semantics inside templates.
  ["{% if '' %}a{% elif [] %}b{% elif 0 %}c{% else %}d{% end %}", {}, 'd'],
  ["{% set q2 = 7 // 2 %}{% set m = -7 % 3 %}{{ 'ab' * 2 }} {{ q2 }} {{ m }} {{ 2 * 1.5 }} {{ 1 if True else 0 }}", {}, "'abab' 3 2 3.0 1"],
  ['{{ 1 - 1 }}{{ 10000000000000000000 * 10 }}', {}, '0100000000000000000000'],
  ['{% set f = 1e16 %}{% set g = 0.0001 %}{% set h = 0.00001 %}{{ f }} {{ g }} {{ h }}', {}, '1e+16 0.0001 1e-05'],
  ["{% set x = 7 / 2 %}{{ x }} {{ [1, 2][-1:] }} {{ 'abc'[1] }}", {}, "3.5 [2] 'b'"],
  ["{% for i, x in enumerate(['a', 'b']) %}{% if i > 0 %},{% end %}{{x}}{% end %}", {}, "'a','b'"],
  ["{% for last, x in enumerate_with_last(split_to_array(v)) %}{{x}}{% if not last %} OR {% end %}{% end %}", { v: 'a, b' }, "'a' OR 'b'"],
  ['{% for x in range(5) %}{% if x == 1 %}{% continue %}{% end %}{% if x == 3 %}{% break %}{% end %}{{x}}{% end %}', {}, '02'],
  ["{% try %}{{ Int32(x) }}{% except %}fallback{% end %}", { x: 'nope' }, 'fallback'],
  ["{% set d = {'a': 1} %}{{ d.get('a') }} {{ d.get('b', 'z') }} {{ f'x{1 + 1}' }}", {}, "1 'z' 'x2'"],
  ['{% whitespace oneline %}SELECT\n   a,\n   b', {}, 'SELECT a, b'],
  ['a {# comment #}b{% comment anything %} {{! c {%! d', {}, 'a b {{ c {% d'],
  ["{{ day_diff('2019-01-02', '2019-02-01') }} {{ date_diff_in_hours('2022-12-14 18:42:22', '2022-12-19 18:42:22') }} {{ date_diff_in_seconds('2022-12-19T18:42:22Z', '2022-12-19T18:42:23Z', '%Y-%m-%dT%H:%M:%Sz') }}", {}, '30 120 1'],
  ['{{ UInt8(x) }} {{ Int64(y) }} {{ Float64(z) }}', { x: '255', y: '-9223372036854775808', z: 'nan' }, "toUInt8('255') toInt64('-9223372036854775808') toFloat64('nan')"],
];

describe('renderTemplate: Tinybird doctests (spec §8.6)', () => {
  it.each(RENDERS)('%s', (sql, vars, expected, opts) => {
    expect(renderTemplate(sql, vars, opts).sql).toBe(expected);
  });
});

// spec §8.8–8.9: the exact text Tinybird answers with.
const ERRORS: [sql: string, vars: Record<string, TemplateValue>, message: string, opts?: { testMode?: boolean }][] = [
  ['select * from {{Int32(foo)}}', { foo: 'non_int' }, "Template Syntax Error: Error validating 'non_int' to type Int32"],
  ['{{Int8(foo)}}', { foo: '128' }, "Template Syntax Error: Error validating '128' to type Int8"],
  ['{{UInt8(foo)}}', { foo: '-1' }, "Template Syntax Error: Error validating '-1' to type UInt8"],
  ['{{Date(foo)}}', { foo: '2019/01/01' }, "Template Syntax Error: Error validating '2019/01/01' to type Date"],
  ['{{Float32(foo)}}', { foo: '1_0' }, "Template Syntax Error: Error validating '1_0' to type Float32"],
  ['SELECT {{test}}', {}, 'Template Syntax Error: expression "test" evaluated to null'],
  ['SELECT {{testisasuperlongthingandwedontwanttoreturnthefullthing}}', {}, 'Template Syntax Error: expression "testisasuperlongthin..." evaluated to null'],
  ["SELECT {{ Array(embedding, 'Float32') }}", { embedding: '1,2,3,4, null' }, 'Template Syntax Error: Error validating [1,2,3,4, null][4] ( null) to type Float32'],
  ["SELECT {{ Array(embedding, 'Int32', '') }}", { embedding: '' }, 'Template Syntax Error: Error validating [][0] (empty string) to type Int32'],
  ["SELECT {{String(format, 'test')}}", { format: 'tt' }, '"format" can not be used as a variable name, line 1'],
  ['SELECT\n{{q}}', {}, '"q" can not be used as a variable name, line 2'],
  ['SELECT {{column(agg)}}', {}, "Template Syntax Error: Missing column() default value, use `column(column_name, 'default_column_name')`"],
  ['SELECT {{columns(agg)}}', {}, "Template Syntax Error: Missing columns() default value, use `columns(column_names, 'default_column_name')`"],
  ['% {% if whatever(passenger_count) %}{% end %}', {}, "Template Syntax Error: 'whatever' is not a valid function, line 1", { testMode: true }],
  ['% {% if whatever(passenger_count) %}{% end %}', {}, 'Template Syntax Error: wrong syntax, you might be using a not valid function inside a control block'],
  ['% SELECT * FROM {% import os %}{{ os.popen("whoami").read() }}', {}, 'import is forbidden at <string>:1'],
  ['% SELECT * FROM {% from os import popen %}', {}, 'import is forbidden at <string>:1'],
  ['{% extends "x" %}', {}, 'extends is forbidden at <string>:1'],
  ['{% include "x" %}', {}, 'include is forbidden at <string>:1'],
  ['{% raw x %}', {}, 'raw is forbidden at <string>:1'],
  ['{% module x %}', {}, 'module is forbidden at <string>:1'],
  ['{% autoescape None %}', {}, 'autoescape is forbidden at <string>:1'],
  ['% SELECT {{len([1] * 10**7)}}', {}, 'Template Syntax Error: Invalid BinOp: Pow()'],
  ['{{ 888 / 2 }}', {}, 'Template Syntax Error: Invalid BinOp: Div()'],
  ['{{ 7 // 2 }}', {}, 'Template Syntax Error: Invalid BinOp: FloorDiv()'],
  ['{{ eval("1+1") }}', {}, 'Template Syntax Error: Invalid function name: eval'],
  ['{{ whatever(1) }}', {}, 'Template Syntax Error: Invalid function name: whatever'],
  ['{{ x.read() }}', {}, 'Template Syntax Error: Invalid method name: read'],
  ['{{ len.__self__ }}', {}, "Template Syntax Error: Invalid expression type: Attribute(value=Name(id='len', ctx=Load()), attr='__self__', ctx=Load())"],
  ['{{ x[i] }}', {}, "Template Syntax Error: Invalid Slice expression: Name(id='i', ctx=Load())"],
  ['% SELECT {% if defined(x) %} x, 1', {}, 'Missing {% end %} block for if at line 1'],
  ['a\n{# x', {}, 'Missing end comment #} at <string>:2'],
  ['{{ x', {}, 'Missing end expression }} at <string>:1'],
  ['{{ }}', {}, 'Empty expression at <string>:1'],
  ['{% if x', {}, 'Missing end block %} at <string>:1'],
  ['{% %}', {}, 'Empty block tag ({% %}) at <string>:1'],
  ['{% else %}', {}, "else outside {'if', 'for', 'while', 'try'} block at <string>:1"],
  ['{% end %}', {}, 'Extra {% end %} block at <string>:1'],
  ['{% set %}', {}, 'set missing statement at <string>:1'],
  ['{% break %}', {}, "break outside {'for', 'while'} block at <string>:1"],
  ['{% frobnicate %}', {}, "unknown operator: 'frobnicate' at <string>:1"],
  ['{{ from x }}', {}, '"from" is a forbidden word at <string>:1'],
  ['{% for x in y %}{% except %}{% end %}', {}, 'except block cannot be attached to for block at <string>:1'],
  ["select * from table where str = {{String(test)}} and category = {{String(category, 'shirts')}} and color = {{ Int32(color)}}", {}, 'Template Syntax Error: Required parameter is not defined. Check the parameters test and color. Please provide a value or set a default value in the pipe code.'],
  ["select columns(cols, 'salary') from table where str = {{String(test)}}", {}, 'Template Syntax Error: Required parameter is not defined. Check the parameters test. Please provide a value or set a default value in the pipe code.'],
  ['% {% for kv in JSON(payload) %} department = {{kv[\'dp\']}} {% end %}', {}, "Template Syntax Error: Error parsing JSON: '__no_value__' - Expecting value: line 1 column 1 (char 0)", { testMode: true }],
  ["% {% for kv in JSON(payload, '') %} department = {{kv['dp']}} {% end %}", {}, "Template Syntax Error: Error parsing JSON: '' - Expecting value: line 1 column 1 (char 0)"],
  ["SELECT * FROM test WHERE {% for item in JSON(filters, '[{}]') %} {{item.get('operand')}} {% end %}", {}, 'Template Syntax Error: expression "item.get(\'operand\')" evaluated to null'],
  ["SELECT * FROM test WHERE {% for item in JSON(filters, '[\"test\"]') %} {{item.get('operator')}} {% end %}", {}, "Template Syntax Error: 'str' object has no attribute 'get'. Make sure you're using an object/dictionary where trying to use .get()"],
  ["select {{tb_secret('test')}}", { test: '1234' }, "Template Syntax Error: Cannot access secret 'test'. Check the secret exists in the Workspace and the token has the required scope."],
  ["{{ cache_ttl('2h') }}", {}, "Template Syntax Error: Invalid TTL cache expression, valid expressions are ('5s', '1m', '5m', '30m', '1h')"],
  ["{{ activate('x') }}", {}, "Template Syntax Error: 'x' is not a valid 'activate' argument"],
  ['{{ sql_and(a__like=1) }}', {}, 'Template Syntax Error: operand like not supported'],
  ["{{ day_diff('2019-01-01', 'x') }}", {}, 'Template Syntax Error: invalid date format in function `day_diff`, it must be ISO format date YYYY-MM-DD, e.g. 2018-09-26. For other fotmats, try `date_diff_in_days`'],
  ["{% set limit = Int32(limit, 10) %}{{limit}}", {}, "Template Syntax Error: cannot access local variable 'limit' where it is not associated with a value"],
  ['{% if x > 1 %}{% end %}', {}, "'>' not supported between instances of 'Placeholder' and 'int'. If you are using a dynamic parameter, you need to wrap it around a valid Data Type (e.g. Int8(placeholder))", { testMode: true }],
  ["{% set v = 'a' + 1 %}", {}, 'can only concatenate str (not "int") to str'],
  ['{% if x %}{% end %}{{ Int32() }}', {}, 'Template Syntax Error: one of the transform type functions is missing an argument'],
  ['{% if defined((x) %}{% end %}', {}, 'invalid syntax at <string>:1'],
];

describe('renderTemplate: errors (spec §8.8–8.9)', () => {
  it.each(ERRORS)('%s', (sql, vars, message, opts) => {
    let caught: unknown;
    try {
      renderTemplate(sql, vars, opts);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).message).toBe(message);
    expect((caught as TemplateError).status).toBe(400);
  });
});

describe('renderTemplate: results besides SQL', () => {
  it('records settings, cache TTL and secret query parameters', () => {
    const r = renderTemplate("%\n{{max_threads(4)}}{{cache_ttl('5m')}}{{backend_hint('b')}}SELECT {{tb_secret('api_key')}}", {}, { secrets: (n) => (n === 'api_key' ? 's3cr3t' : undefined) });
    expect(r).toEqual({
      sql: '-- max_threads 4\n-- cache_ttl 5m\n-- backend_hint b\nSELECT {api_key: String}',
      settings: { max_threads: 4, backend_hint: 'b' },
      cacheTtl: '5m',
      queryParams: { api_key: 's3cr3t' },
      warnings: [],
    });
  });
  it('warns about reserved names used as variables (spec §3.3)', () => {
    expect(renderTemplate('select {{pipeline}}', { pipeline: 'test' }).warnings).toEqual([
      'The parameter name "pipeline" is a reserved word. Please, choose another name or the pipe will not work as expected.',
    ]);
  });
  it('custom_error answers with its body and status', () => {
    try {
      renderTemplate("{{ custom_error({'error': 'nope', 'code': 1}, 404) }}", {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CustomTemplateError);
      expect((e as CustomTemplateError).status).toBe(404);
      expect((e as CustomTemplateError).body).toEqual({ error: 'nope', code: 1 });
    }
  });
  it('error() answers with its message and status; test mode renders it as a comment', () => {
    expect(() => renderTemplate("{% if not defined(x) %}{{ error('x is required', 422) }}{% end %}", {})).toThrow(TemplateUserError);
    try {
      renderTemplate("{{ error('x is required', 422) }}", {});
    } catch (e) {
      expect((e as TemplateUserError).message).toBe('x is required');
      expect((e as TemplateUserError).status).toBe(422);
    }
    expect(validateTemplate("SELECT {{ error('x') }}").sql).toBe('SELECT -- {x} \n');
  });
  it('isTemplate looks at the first non-blank character', () => {
    expect([isTemplate('  \n%\nSELECT 1'), isTemplate('SELECT 1 % 2'), isTemplate('')]).toEqual([true, false, false]);
  });
  it('validateTemplate reports the line of a broken template', () => {
    try {
      validateTemplate('%\nSELECT 1\nWHERE {{ Int32(x, 1) / 2 }}');
      expect.unreachable();
    } catch (e) {
      expect((e as TemplateError).message).toBe('Template Syntax Error: Invalid BinOp: Div()');
      expect((e as TemplateError).line).toBe(3);
    }
  });
});
