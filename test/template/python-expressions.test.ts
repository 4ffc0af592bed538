import { describe, expect, it } from 'vitest';
import { TemplateError } from '../../src/errors.ts';
import { renderTemplate, templateParameters, type RenderOptions, type TemplateValue } from '../../src/template/index.ts';

// The Python that Tinybird runs inside templates. `{% %}` statements are plain Python (Tornado compiles them), so
// comprehensions, lambdas, `%`-formatting and format specs work there; `{{ }}` expressions go through the sandbox
// (TT `check_valid_expr`), which refuses them with `ast.dump` texts (CPython 3.12).

type Case = [sql: string, vars: Record<string, TemplateValue>, expected: string, opts?: RenderOptions];

const PYTHON: Case[] = [
  // Comprehensions and generator expressions.
  ["{% set v = [x for x in split_to_array(ids) if x != 'b'] %}{{ v[0] }} {{ len(v) }}", { ids: 'a,b,c' }, "'a' 2"],
  ["{% set v = [x.upper() for x in split_to_array(ids) if x not in skip] %}{{ ','.join(v) }}", { ids: 'a,b,c', skip: 'b' }, "'A,C'"],
  // `skip` is a template variable (3.12 inlines comprehensions), so without a value it is None.
  ["{% set v = [x for x in split_to_array(ids) if x != skip] %}{{ ','.join(v) }}", { ids: 'a,b' }, "'a,b'"],
  ["{% set s = ','.join(f\"'{x}'\" for x in split_to_array(ids)) %}SELECT {{ symbol(s, '') }}", { ids: 'a,b' }, "SELECT \\'a\\',\\'b\\'"],
  ["{% set d = {k: v for k, v in [('a', 1), ('b', 2)]} %}{% set n = len({x % 3 for x in range(10)}) %}{{ d['b'] }} {{ n }}", {}, '2 3'],
  ['{% set pairs = [(i, j) for i in range(3) for j in range(i)] %}{% set last = pairs[-1] %}{{ len(pairs) }} {{ last[0] }}', {}, '3 2'],
  ['{% set total = sum(x * x for x in range(4)) %}{% set b = any(x > 2 for x in [1, 3]) %}{{ total }} {{ b }}', {}, '14 True'],
  ['{% set x = 10 %}{% set v = [x for x in range(3)] %}{{ x }} {{ v[2] }}', {}, '10 2'],
  ["{% set m = [[c for c in w] for w in ['ab', 'cd']] %}{{ m[1][0] }}", {}, "'c'"],
  // Lambdas, as keys and with map/filter.
  ["{% set xs = sorted(split_to_array(v), key=lambda s: -len(s)) %}{{ xs[0] }}", { v: 'a,ccc,bb' }, "'ccc'"],
  ["{% set xs = sorted(['b', 'a', 'c'], key=lambda s: s, reverse=True) %}{{ ','.join(xs) }}", {}, "'c,b,a'"],
  ["{% set xs = list(map(lambda a, b=10: a * b, [1, 2])) %}{{ xs[1] }}", {}, '20'],
  ['{% set xs = list(filter(lambda n: n % 2, range(6))) %}{{ len(xs) }} {{ max(xs, key=lambda n: -n) }}', {}, '3 1'],
  ['{% set xs = list(filter(None, [0, 1, 2])) %}{{ xs[0] }} {{ min([3, 1, 2], key=lambda n: n) }}', {}, '1 1'],
  ['{% set k = 2 %}{% set f = lambda n: n * k %}{% set r = f(21) %}{{ r }}', {}, '42'],
  // printf-style formatting.
  ["{% set s = '%s-%d' % ('a', 5) %}{{ s }}", {}, "'a-5'"],
  ["{% set s = '%05.1f|%-4d|%x|%r|%5s|%-3s|%%' % (3.14159, 7, 255, 'a', 'b', 'c') %}{{ s }}", {}, "'003.1|7   |ff|\\'a\\'|    b|c  |\\%'"],
  ["{% set s = '%(a)s/%(b)03d' % {'a': 'x', 'b': 7} %}{{ s }}", {}, "'x/007'"],
  ["{% set s = '%d %i %.2e %g %+d %c' % (3.9, -2, 12345.678, 0.0001, 5, 65) %}{{ s }}", {}, "'3 -2 1.23e+04 0.0001 +5 A'"],
  ["{% set s = 'id = %s' % Int32(x) %}{{ s }}", { x: '5' }, "'id = toInt32(\\'5\\')'"],
  // Format specs in f-strings and format().
  ["{{ f'{x:>5}|{x:<5}|{x:^5}|{x:*^7}' }}", { x: 'ab' }, "'   ab|ab   | ab  |**ab***'"],
  ["{% set n = 5 %}{{ f'{n:02d}|{n:+d}|{n:x}|{n:#b}|{n:.2f}|{1234567:,}|{1234567:_}' }}", {}, "'05|+5|5|0b101|5.00|1,234,567|1_234_567'"],
  ["{% set x = 2.5 %}{{ f'{x:.0f}|{3.5:.0f}|{1234.5678:,.2f}|{0.5:.1%}|{x:e}|{x:g}|{1e20:g}|{x:8.3f}|{-x:08.2f}' }}", {}, "'2|4|1,234.57|50.0\\%|2.500000e+00|2.5|1e+20|   2.500|-0002.50'"],
  // A nested field's `}}` would end a `{{ }}` early (Tornado looks for the first `}}`), hence the `set`.
  ["{% set w = 6 %}{% set s = f'{\"ab\"!r}|{\"ab\"!s:>{w}}|{12.0:.3}|{1234.0:.3}|{0.0001:.2}|{7:03}' %}{{ s }}", {}, "'\\'ab\\'|    ab|12.0|1.23e+03|0.0001|007'"],
  ["{{ f'{Int32(x):03d}' }}", { x: '5' }, "'005'"],
  ["{{ f'a{1}b{2}c' }}", {}, "'a1b2c'"],
  // Other expression forms.
  ["{% if 1 < 2 < 3 and x is None and y is not None and not 3 < 2 < 4 %}ok{% end %}", { y: '1' }, 'ok'],
  ['{% set a = -7 // 2 %}{% set b = -7 % 3 %}{% set c = 2 ** 10 %}{% set d = 2 ** -1 %}{% set e = 7.5 // 2 %}{{ a }} {{ b }} {{ c }} {{ d }} {{ e }} {{ -a }}', {}, '-4 2 1024 0.5 3.0 4'],
  ['{% set d, m = divmod(17, 5) %}{% set p = pow(2, 8) + ord(chr(97)) %}{{ d }} {{ m }} {{ p }}', {}, '3 2 353'],
  ["{% set s = set([1, 1, 2]) %}{{ len(s) }}", {}, '2'],
];

// `split_to_array_escape` (ST `expression_wrapper(..., escape_arrays)`): lists in `{{ }}` are Python's repr unless
// the flag is on.
const ARRAYS: Case[] = [
  ['{{ split_to_array(x) }}', { x: 'a, b' }, "['a', 'b']"],
  ['{{ split_to_array(x) }}', { x: "it's,c" }, "[\"it's\", 'c']"],
  ['{{ split_to_array(x) }}', { x: 'a, b' }, "['a','b']", { escapeArrays: true }],
  ['{{ split_to_array(x) }}', { x: "it's,c\\" }, "['it''s','c\\\\']", { escapeArrays: true }],
  ["{{ [1, 'a', Int8(x)] }}", { x: '3' }, "[1,'a',toInt8('3')]", { escapeArrays: true }],
  // Only lists: tuples keep their repr, and Array() is already SQL.
  ["{{ ('a', 1) }} {{ Array(x) }}", { x: "it's" }, "('a', 1) ['it\\'s']", { escapeArrays: true }],
];

// Python's `\d`, `int()` and `float()` take every script's decimal digits (DT testers, ST transform functions).
const DIGITS: Case[] = [
  ['{{ Int32(x) }} {{ Int(x) }} {{ Integer(x) }} {{ int(x) }}', { x: '١٢' }, "toInt32('12') 12 12 12"],
  ["{{ UInt8(x) }} {{ Float64(x) }} {{ Array(x, 'Int16') }}", { x: '४२' }, "toUInt8('42') toFloat64('42.0') [42]"],
  ['{{ Int64(x) }} {{ float(y) }}', { x: '-𝟏𝟐', y: '١٢.٥' }, "toInt64('-12') 12.5"],
  // Date and DateTime keep the text as sent.
  ['{{ Date(x) }}', { x: '٢٠١٩-٠١-٠١' }, "'٢٠١٩-٠١-٠١'"],
  ['{{ DateTime(x) }}', { x: '٢٠١٩-٠١-٠١ ٠٠:٠٠:٠٠' }, "'٢٠١٩-٠١-٠١ ٠٠:٠٠:٠٠'"],
  // `$` also matches before a final newline, and int() strips it.
  ['{{ Int32(x) }}', { x: '7\n' }, "toInt32('7')"],
];

// spec §8.1/§8.3/§8.4: one case for every whitelisted function the doctests do not show.
const FUNCTIONS: Case[] = [
  ['{{ Int8(x) }} {{ Int16(y) }}', { x: '-128', y: '-32768' }, "toInt8('-128') toInt16('-32768')"],
  ['{{ Int256(x) }}', { x: '-57896044618658097711785492504343953926634992332820282019728792003956564819968' }, "toInt256('-57896044618658097711785492504343953926634992332820282019728792003956564819968')"],
  ['{{ UInt16(a) }} {{ UInt32(b) }} {{ UInt64(c) }}', { a: '65535', b: '4294967295', c: '18446744073709551615' }, "toUInt16('65535') toUInt32('4294967295') toUInt64('18446744073709551615')"],
  // DT checks UInt128/UInt256 with the signed pattern, so a leading `+` passes.
  ['{{ UInt128(a) }} {{ UInt256(b) }}', { a: '+5', b: '0' }, "toUInt128('5') toUInt256('0')"],
  ["{{ disable('analyzer') }}SELECT 1", {}, '-- disable analyzer\nSELECT 1'],
  // ST tests `feature not in "analyzer"`: a substring test.
  ["{{ disable('lyz') }}SELECT 1", {}, '-- disable lyz\nSELECT 1'],
  ["{{ activate('parallel_replicas') }}SELECT 1", {}, '-- activate parallel_replicas\nSELECT 1'],
  ["{{ tb_var('region', 'eu') }}", {}, "'eu'"],
  ['SELECT * FROM {{ TABLE(t) }}', { t: 'events' }, 'SELECT * FROM events'],
  ["{{ len(split_to_array(x)) }} {{ list('ab') }} {{ min(2, 1) }} {{ max(split_to_array(x)) }}", { x: 'a,c,b' }, "3 ['a', 'b'] 1 'c'"],
  ['{{ float(x) }} {{ int(y) }}', { x: '1.5', y: '-3' }, '1.5 -3'],
  ["{{ date_diff_in_minutes('2022-12-14 18:42:22', '2022-12-19 18:42:22') }} {{ date_diff_in_days('2019-01-02', '2019-02-01') }}", {}, '7200 30'],
  ["{{ date_diff_in_hours('2022-12-19', '2022-12-19 02:01:00', backup_date_format='%Y-%m-%d') }}", {}, '2'],
  ["{% if date_diff_in_days('2019-01-01', '2019-00-02', none_if_error=True) is None %}none{% end %}", {}, 'none'],
  ["{{ date_diff_in_seconds(a, b, default=5) }}", {}, '5', { testMode: true }],
  ["{% for last, x in enumerate_with_last([1, 2]) %}{{ x }}{% if last %}!{% end %}{% end %}", {}, '12!'],
  ["{{ columns(c, 'a', fn='sum') }}", { c: 'x,y' }, 'sum(`x`) as x,sum(`y`) as y'],
  ["{{ split_to_array(x, '', '|') }} {{ split_to_array(y, 'd') }}", { x: 'a | b' }, "['a', 'b'] ['d']"],
];

describe('Python in templates', () => {
  it.each([...PYTHON, ...ARRAYS, ...DIGITS, ...FUNCTIONS])('%s', (sql, vars, expected, opts) => {
    expect(renderTemplate(sql, vars, opts).sql).toBe(expected);
  });
});

const ERRORS: [sql: string, vars: Record<string, TemplateValue>, message: string, line?: number][] = [
  // The `{{ }}` sandbox.
  ['{{ [x for x in y] }}', {}, "Template Syntax Error: Invalid expression type: ListComp(elt=Name(id='x', ctx=Load()), generators=[comprehension(target=Name(id='x', ctx=Store()), iter=Name(id='y', ctx=Load()), ifs=[], is_async=0)])"],
  ["SELECT 1\n{{ ','.join(x for x in y) }}", {}, "Template Syntax Error: Invalid expression type: GeneratorExp(elt=Name(id='x', ctx=Load()), generators=[comprehension(target=Name(id='x', ctx=Store()), iter=Name(id='y', ctx=Load()), ifs=[], is_async=0)])", 2],
  ['{{ {k: 1 for k, v in y} }}', {}, "Template Syntax Error: Invalid expression type: DictComp(key=Name(id='k', ctx=Load()), value=Constant(value=1), generators=[comprehension(target=Tuple(elts=[Name(id='k', ctx=Store()), Name(id='v', ctx=Store())], ctx=Store()), iter=Name(id='y', ctx=Load()), ifs=[], is_async=0)])"],
  ['{{ (lambda: 1)() }}', {}, 'Template Syntax Error: Invalid function: Call(func=Lambda(args=arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]), body=Constant(value=1)), args=[], keywords=[])'],
  ['{{ max(1, 2) if x > 1 else 0 }}', {}, "Template Syntax Error: Invalid expression type: Compare(left=Name(id='x', ctx=Load()), ops=[Gt()], comparators=[Constant(value=1)])"],
  ['{{ x or 1 }}', {}, "Template Syntax Error: Invalid expression type: BoolOp(op=Or(), values=[Name(id='x', ctx=Load()), Constant(value=1)])"],
  ["{{ '%s' % x }}", {}, 'Template Syntax Error: Invalid BinOp: Mod()'],
  ['{{ 2 ** 3 }}', {}, 'Template Syntax Error: Invalid BinOp: Pow()'],
  ['{{ ~1 }}', {}, 'Template Syntax Error: Invalid UnaryOp: Invert()'],
  ["{{ sorted(x) }}", {}, 'Template Syntax Error: Invalid function name: sorted'],
  // Python's own errors inside `{% %}`.
  ["{% set s = '%s %s' % ('a',) %}", {}, 'not enough arguments for format string'],
  ["{% set s = '%s' % ('a', 'b') %}", {}, 'not all arguments converted during string formatting'],
  ["{% set s = '%d' % 'a' %}", {}, '%d format: a real number is required, not str'],
  ["{% set s = '%y' % 1 %}", {}, "unsupported format character 'y' (0x79) at index 1"],
  ["{% set s = '%' % () %}", {}, 'incomplete format'],
  ["{% set s = f'{x:d}' %}", { x: 'a' }, "Unknown format code 'd' for object of type 'str'"],
  ["{% set s = f'{1.5:d}' %}", {}, "Unknown format code 'd' for object of type 'float'"],
  ["{% set s = f'{1:.2d}' %}", {}, 'Precision not allowed in integer format specifier'],
  ["{% set s = f'{[1]:>3}' %}", {}, 'unsupported format string passed to list.__format__'],
  // ST maps any "missing 1 required positional argument" to the transform-function hint.
  ['{% set f = lambda a: a %}{% set y = f() %}', {}, 'Template Syntax Error: one of the transform type functions is missing an argument'],
  ['{% set f = lambda a: a %}{{ f(1) }}', {}, 'Template Syntax Error: Invalid function name: f'],
  // Tinybird binds `format` as a parameter name and refuses it, so the builtin can never be reached.
  ["{% set s = format(7, '03') %}", {}, '"format" can not be used as a variable name, line 1'],
  // ...and so is `str.format`: attribute names are code names too (CPython `co_names`).
  ["SELECT 1\n{% set s = '{}-{}'.format(a, b) %}", {}, '"format" can not be used as a variable name, line 2', 2],
  ['{% set f = lambda a: a %}{% set y = f(1, 2) %}', {}, '<lambda>() takes 1 positional argument but 2 were given'],
  ["{% set v = max(x for x in []) %}", {}, 'max() arg is an empty sequence'],
  // Generator expressions and lambdas are code objects of their own: their inner names are no template variables.
  ["{% set s = ','.join(x for x in split_to_array(ids) if x != skip) %}", { ids: 'a' }, "Template Syntax Error: name 'skip' is not defined"],
  ["{% set s = sorted(split_to_array(ids), key=lambda a: a[k]) %}", { ids: 'a' }, "Template Syntax Error: name 'k' is not defined"],
  ['{% set v = f(x for x in y, 1) %}', {}, 'Generator expression must be parenthesized at <string>:1'],
  ['{% set v = [x for x in range(1001) for y in range(1000)] %}', {}, 'Template Syntax Error: The template runs too many loop iterations'],
  // Python's digits beyond the type's range are still out of range.
  ['{{ UInt8(x) }}', { x: '٢٥٦' }, "Template Syntax Error: Error validating '٢٥٦' to type UInt8"],
  ['{{ Int32(x) }}', { x: '١٢a' }, "Template Syntax Error: Error validating '١٢a' to type Int32"],
  ["{{ disable('x') }}", {}, "Template Syntax Error: 'x' is not a valid 'disable' argument"],
  ["{{ date_diff_in_minutes('2022-12-14', 'x') }}", {}, 'Template Syntax Error: invalid date_format in function `date_diff_in_seconds`, defaults to YYYY-MM-DD hh:mm:ss. Or %Y-%m-%d %H:%M:%S [.ssssss]Z, e.g. ms: 2022-12-19T18:42:22.591Z s:2022-12-19T18:42:22Z'],
  ["{{ date_diff_in_days('2019-01-01', 'x') }}", {}, 'Template Syntax Error: invalid date format in function `date_diff_in_days`, it must be ISO format date YYYY-MM-DD, e.g. 2018-09-26'],
  ["{{ columns(c, 'a') }}", { c: ['x'] }, "Template Syntax Error: The 'columns' function expects a String not an Array"],
  ['{{ split_to_array(x, None) }}', {}, 'Template Syntax Error: First argument of split_to_array has to be a value that can be split to a list of elements, but found a PlaceHolder with no value instead'],
];

describe('Python in templates: errors', () => {
  it.each(ERRORS)('%s', (sql, vars, message, line = 1) => {
    let caught: unknown;
    try {
      renderTemplate(sql, vars);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect((caught as TemplateError).message).toBe(message);
    expect((caught as TemplateError).line).toBe(line);
  });
});

describe('parameters read from Python forms (spec §8.7)', () => {
  it.each([
    // ST `get_var_data` walks every Name node, comprehension targets included; lambda parameters are not names.
    ["{% set v = [s for s in split_to_array(x, '') if s != skip] %}{{ Int32(y, 1) }}", [
      { name: 'v', type: 'String', default: null },
      { name: 's', type: 'String', default: null },
      { name: 'x', type: 'String', default: null, usedIn: 'function_call' },
      { name: 'skip', type: 'String', default: null },
      { name: 'y', type: 'Int32', default: 1 },
    ]],
    // A call's direct arguments are skipped (`xs`); names inside the lambda's body are still Name nodes.
    ['{% set f = sorted(xs, key=lambda a: a[k]) %}', [
      { name: 'f', type: 'String', default: null },
      { name: 'a', type: 'String', default: null },
      { name: 'k', type: 'String', default: null },
    ]],
  ])('%s', (sql, expected) => {
    expect(templateParameters(sql)).toEqual(expected);
  });
});

describe('format limits', () => {
  it('refuses a width that would build a huge string, and prints long precisions', () => {
    expect(() => renderTemplate("{% set s = '%0999999999d' % 1 %}", {})).toThrow('The result of the template expression is too large');
    expect(renderTemplate("{% set s = f'{0.5:.120f}' %}{{ s }}", {}).sql).toBe(`'0.5${'0'.repeat(119)}'`);
    expect(renderTemplate("{% set s = f'{2.5:.101e}' %}{{ s }}", {}).sql).toBe(`'2.5${'0'.repeat(100)}e+00'`);
  });
});
