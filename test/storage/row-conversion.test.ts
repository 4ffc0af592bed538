import { describe, expect, it } from 'vitest';
import { SqlError } from '../../src/errors.ts';
import { parseJsonPath, jsonPointer } from '../../src/storage/jsonpath.ts';
import { buildNdjsonConversion, quarantineColumns } from '../../src/storage/row-conversion.ts';
import { col, convertLines, convertOne, SOURCE } from './row-conversion-helpers.ts';
import { CHARGING_SESSIONS } from './ev-charging.ts';

const typeMsg = (value: string, c: string, type: string, expected: string, jp = `$.${c}`) =>
  `Strict type checking failed. Value ${value} on column '${c}' is a ${type} when a ${expected} was expected. While accessing jsonpath '${jp}'`;
const nullMsg = (c: string, jp = `$.${c}`) =>
  `Strict type checking failed. Null value not allowed on column '${c}'. While accessing jsonpath '${jp}'`;
const missingMsg = (c: string, jp = `$.${c}`) =>
  `Strict type checking failed. Object does not have column '${c}', you should send a value or recreate the table with a Nullable column type. While accessing jsonpath '${jp}'`;
const boundsMsg = (value: string, type: string, c: string, min: string, max: string, jp = `$.${c}`) =>
  `Value ${value} out of bounds for type '${type}' in column '${c}' with jsonpath '${jp}'. Value must be between ${min} and ${max}`;
const dateMsg = (c: string) => `Error DateTime parser failed. While processing column '${c}' with jsonpath '$.${c}'`;

describe('parseJsonPath (SRV get_path)', () => {
  const ok: [string, string[], string[] | null][] = [
    ['$', [], null],
    ['$.product', ['product'], null],
    ['$.product.country.code', ['product', 'country', 'code'], null],
    ['$.products[:]', ['products'], []],
    ['$.products[:].code.id', ['products'], ['code', 'id']],
    ["$.['product.code']", ['product.code'], null],
    ["$.['product.codes'][:].id", ['product.codes'], ['id']],
    ["$.product.['code.id']", ['product', 'code.id'], null],
    ["$.products[:].['code.id']", ['products'], ['code.id']],
  ];
  it.each(ok)('%s', (path, head, each) => {
    expect(parseJsonPath(path)).toEqual({ text: path, head, each });
  });
  const bad: [string, string][] = [
    ['$.["product-codes"][:].id', 'Invalid JSONPath ["product-codes"][:].id. The path inside brackets should be single quoted.'],
    ['$.[product-codes][:].id', 'Invalid JSONPath [product-codes][:].id. The path inside brackets should be single quoted.'],
    ['$.products[:].countries[:]', 'Nested arrays are not supported. Found 3 levels of nesting.'],
    ['wrong', 'Invalid JSONPath wrong'],
  ];
  it.each(bad)('%s is refused', (path, message) => {
    expect(() => parseJsonPath(path)).toThrow(new SqlError(message));
    expect(() => buildNdjsonConversion([col('x', 'String', { jsonpath: path })], SOURCE)).toThrow(message);
  });
  it('escapes pointers', () => {
    expect(jsonPointer(['a/b', 'c~d', 'e.f'])).toBe('/a~1b/c~0d/e.f');
  });
});

type Case = [string, ReturnType<typeof col>, string, { value?: unknown; errors?: string[]; raw?: unknown }];

const cases: Case[] = [
  // jsonpath forms
  ['nested key', col('x', 'String', { jsonpath: '$.a.b' }), '{"a":{"b":"v"}}', { value: 'v' }],
  ['dotted key', col('x', 'String', { jsonpath: "$.['a.b']" }), '{"a.b":"v","a":{"b":"w"}}', { value: 'v' }],
  ['key with quote, slash, unicode', col('x', 'String', { jsonpath: `$.['q"/é~']` }), '{"q\\"/é~":"v"}', { value: 'v' }],
  ['jsonpath null uses the column name', col('x', 'Int32', { jsonpath: null }), '{"x":7}', { value: 7 }],
  ['$ is the whole line', col('x', 'String', { jsonpath: '$' }), '{"a": 1}', { value: '{"a": 1}' }],
  ['$.arr[:]', col('x', 'Array(Int32)', { jsonpath: '$.a[:]' }), '{"a":[1,2]}', { value: [1, 2] }],
  ['$.arr[:].field', col('x', 'Array(String)', { jsonpath: '$.a[:].f' }), '{"a":[{"f":"p"},{"f":"q"}]}', { value: ['p', 'q'] }],
  [
    '$.arr[:].field with an element lacking the field is missing',
    col('x', 'Array(String)', { jsonpath: '$.a[:].f' }),
    '{"a":[{"f":"p"},{"g":"q"}]}',
    { errors: [missingMsg('x', '$.a[:].f')], raw: null },
  ],
  // missing / null
  ['missing non-nullable', col('x', 'String'), '{}', { errors: [missingMsg('x')], raw: null }],
  ['missing nested path', col('x', 'String', { jsonpath: '$.p.x' }), '{"p":{}}', { errors: [missingMsg('x', '$.p.x')] }],
  ['missing Nullable', col('x', 'Nullable(String)'), '{}', { value: null }],
  ['missing with DEFAULT', col('x', 'String', { defaultExpr: "'d'" }), '{}', { value: 'd' }],
  ['null with DEFAULT', col('x', 'Int32', { defaultExpr: '5' }), '{"x":null}', { value: 5 }],
  ['null on Nullable with DEFAULT stays NULL', col('x', 'Nullable(Int32)', { defaultExpr: '5' }), '{"x":null}', { value: null }],
  ['null non-nullable', col('x', 'String'), '{"x":null}', { errors: [nullMsg('x')], raw: null }],
  ['null non-nullable nested', col('x', 'Int32', { jsonpath: '$.a.x' }), '{"a":{"x":null}}', { errors: [nullMsg('x', '$.a.x')] }],
  ['missing Array(Nullable) is empty', col('x', 'Array(Nullable(Int32))'), '{}', { value: [] }],
  // String
  ['string as is', col('x', 'String'), '{"x":"a\\"b\\\\c\\n"}', { value: 'a"b\\c\n' }],
  ['object into String is JSON text', col('x', 'String'), '{"x":{"k": [1, "v"]}}', { value: '{"k":[1,"v"]}' }],
  ['number into top-level String', col('x', 'String'), '{"x":1}', { errors: [nullMsg('x')], raw: '1' }],
  ['bool into top-level String', col('x', 'String'), '{"x":true}', { errors: [nullMsg('x')], raw: 'True' }],
  ['array into top-level String', col('x', 'String'), '{"x":[1,"a"]}', { errors: [nullMsg('x')], raw: "[1, 'a']" }],
  ['number into Nullable(String)', col('x', 'Nullable(String)'), '{"x":1}', { errors: [typeMsg('1', 'x', 'number', 'Nullable(String)')], raw: '1' }],
  ['bool into Nullable(String)', col('x', 'Nullable(String)'), '{"x":false}', { errors: [typeMsg('False', 'x', "<class 'bool'>", 'Nullable(String)')] }],
  [
    'list into Nullable(String) is rendered like Python',
    col('x', 'Nullable(String)'),
    `{"x":[1.50,"it's",{"k":null},true,1e2,"a\\tb"]}`,
    { errors: [typeMsg(`[1.5, "it's", {'k': None}, True, 100.0, 'a\\tb']`, 'x', 'list', 'Nullable(String)')] },
  ],
  ['number into nested String', col('x', 'String', { jsonpath: '$.a.x' }), '{"a":{"x":2.5}}', { errors: [typeMsg('2.5', 'x', 'number', 'String', '$.a.x')] }],
  ['LowCardinality(String)', col('x', 'LowCardinality(String)'), '{"x":"v"}', { value: 'v' }],
  ['LowCardinality(Nullable(String))', col('x', 'LowCardinality(Nullable(String))'), '{"x":null}', { value: null }],
  // Int / UInt
  ['int', col('x', 'Int32'), '{"x":-5}', { value: -5 }],
  ['bool into int', col('x', 'UInt8'), '{"x":true}', { value: 1 }],
  ['string into int', col('x', 'Int32'), '{"x":"1"}', { errors: [typeMsg('1', 'x', 'string', 'Int32')], raw: '1' }],
  ['float into int', col('x', 'Int32'), '{"x":1.5}', { errors: [typeMsg('1.5', 'x', 'number', 'Int32')] }],
  ['integral float into int', col('x', 'Int64'), '{"x":3.0}', { errors: [typeMsg('3.0', 'x', 'number', 'Int64')] }],
  ['int too big', col('x', 'Int8'), '{"x":128}', { errors: [boundsMsg('128', 'Int8', 'x', '-128', '127')] }],
  ['negative into UInt', col('x', 'UInt32'), '{"x":-1}', { errors: [boundsMsg('-1', 'UInt32', 'x', '0', '4294967295')] }],
  ['float out of range into int', col('x', 'Int16'), '{"x":1e10}', { errors: [boundsMsg('10000000000.0', 'Int16', 'x', '-32768', '32767')] }],
  [
    'UInt64 max',
    col('x', 'UInt64'),
    '{"x":18446744073709551615}',
    { value: '18446744073709551615' },
  ],
  ['Int128', col('x', 'Int128'), '{"x":-170141183460469231731687303715884105728}', { value: '-170141183460469231731687303715884105728' }],
  ['nullable int string', col('x', 'Nullable(Int32)'), '{"x":"1"}', { errors: [typeMsg('1', 'x', 'string', 'Nullable(Int32)')] }],
  [
    'int column named unlike its key: SRV omits the expected type',
    col('x', 'Int32', { jsonpath: '$.k' }),
    '{"k":"a"}',
    { errors: ["Strict type checking failed. Value a on column 'x' is a string. While accessing jsonpath '$.k'"] },
  ],
  [
    'int with DEFAULT shows it in the expected type',
    col('x', 'Int32', { defaultExpr: '0' }),
    '{"x":"a"}',
    { errors: [typeMsg('a', 'x', 'string', 'Int32 DEFAULT 0')] },
  ],
  // Float
  ['float from int', col('x', 'Float64'), '{"x":3}', { value: 3 }],
  ['float', col('x', 'Float32'), '{"x":1.5}', { value: 1.5 }],
  ['string into float', col('x', 'Float64'), '{"x":"1.5"}', { errors: [typeMsg('1.5', 'x', 'string', 'Float64')] }],
  // Bool
  ['bool true', col('x', 'Bool'), '{"x":true}', { value: true }],
  ['bool from 0', col('x', 'Bool'), '{"x":0}', { value: false }],
  ['bool from 1.0', col('x', 'Bool'), '{"x":1.0}', { value: true }],
  ['bool from 2', col('x', 'Bool'), '{"x":2}', { errors: [typeMsg('2', 'x', 'number', 'Bool')] }],
  ['bool from "true"', col('x', 'Bool'), '{"x":"true"}', { errors: [typeMsg('true', 'x', 'string', 'Bool')] }],
  // Decimal
  ['decimal rounds half to even', col('x', 'Decimal(10, 2)'), '{"x":"1.125"}', { value: '1.12' }],
  ['decimal from number', col('x', 'Decimal(10, 2)'), '{"x":2.5}', { value: '2.50' }],
  ['decimal out of bounds', col('x', 'Decimal(4, 2)'), '{"x":100}', { errors: [boundsMsg('100', 'Decimal(4, 2)', 'x', '-99.99', '99.99')] }],
  ['decimal from garbage', col('x', 'Decimal64(3)'), '{"x":"abc"}', { errors: [typeMsg('abc', 'x', 'string', 'Decimal64(3)')] }],
  // UUID
  ['uuid', col('x', 'UUID'), '{"x":"{12345678-1234-5678-1234-567812345678}"}', { value: '12345678-1234-5678-1234-567812345678' }],
  ['uuid bad', col('x', 'UUID'), '{"x":"nope"}', { errors: [typeMsg('nope', 'x', 'string', 'UUID')] }],
  // FixedString
  ['fixedstring fits', col('x', 'FixedString(3)'), '{"x":"abc"}', { value: 'abc' }],
  [
    'fixedstring too long (bytes)',
    col('x', 'FixedString(3)'),
    '{"x":"abé"}',
    { errors: ["Value 'abé' is too long for type 'FixedString(3)' in column 'x' with jsonpath '$.x'."] },
  ],
  // Dates
  ['DateTime text', col('x', 'DateTime'), '{"x":"2024-01-01 10:00:00"}', { value: '2024-01-01 10:00:00' }],
  ['DateTime ISO Z', col('x', 'DateTime'), '{"x":"2024-01-01T10:00:00Z"}', { value: '2024-01-01 10:00:00' }],
  ['DateTime offset applied', col('x', 'DateTime'), '{"x":"2024-01-01T10:00:00.123+02:00"}', { value: '2024-01-01 08:00:00' }],
  ['DateTime64 offset applied', col('x', 'DateTime64(3)'), '{"x":"2024-01-01T10:00:00.123+02:00"}', { value: '2024-01-01 08:00:00.123' }],
  ['DateTime date only', col('x', 'DateTime'), '{"x":"2024-01-01"}', { value: '2024-01-01 00:00:00' }],
  ['DateTime unix seconds', col('x', 'DateTime'), '{"x":1704103200}', { value: '2024-01-01 10:00:00' }],
  ['DateTime unix milliseconds', col('x', 'DateTime64(3)'), '{"x":1704103200123}', { value: '2024-01-01 10:00:00.123' }],
  ['DateTime bad text', col('x', 'DateTime'), '{"x":"yesterday"}', { errors: [dateMsg('x')], raw: 'yesterday' }],
  ['DateTime64 bad text', col('x', 'DateTime64(3)'), '{"x":"x"}', { errors: [dateMsg('x')] }],
  ['DateTime before 1970', col('x', 'DateTime'), '{"x":"1960-01-01 00:00:00"}', { errors: [boundsMsg('1960-01-01 00:00:00', 'DateTime', 'x', '1970-01-01 00:00:00', '2106-02-07 06:28:15')] }],
  ['Nullable DateTime bad is NULL', col('x', 'Nullable(DateTime)'), '{"x":"nope"}', { value: null }],
  ['Date', col('x', 'Date'), '{"x":"2024-03-04 23:59:59"}', { value: '2024-03-04' }],
  ['Date bad is a type error (complex path)', col('x', 'Date'), '{"x":"nope"}', { errors: [typeMsg('nope', 'x', 'string', 'Date')] }],
  ['DateTime in nested path bad', col('x', 'DateTime', { jsonpath: '$.a.x' }), '{"a":{"x":[1]}}', { errors: [typeMsg('[1]', 'x', 'list', 'DateTime', '$.a.x')] }],
  // Array / Map / Tuple
  ['Array(Nullable(Int32)) nulls bad items', col('x', 'Array(Nullable(Int32))'), '{"x":[1,"a",1.5,null,300000000000,2]}', { value: [1, null, null, null, null, 2] }],
  ['Array(Int32) bad item', col('x', 'Array(Int32)'), '{"x":[1,"a"]}', { errors: [typeMsg("[1, 'a']", 'x', 'list', 'Array(Int32)')] }],
  ['Array(Int8) item out of bounds', col('x', 'Array(Int8)'), '{"x":[1,300]}', { errors: [boundsMsg('300', 'Array(Int8)', 'x', '-128', '127')] }],
  ['Array(String) of objects', col('x', 'Array(String)'), '{"x":["a",{"b":1}]}', { value: ['a', '{"b":1}'] }],
  ['Array(DateTime)', col('x', 'Array(DateTime)'), '{"x":["2024-01-01 00:00:00", 0]}', { value: ['2024-01-01 00:00:00', '1970-01-01 00:00:00'] }],
  ['Array(Array(Int32))', col('x', 'Array(Array(Int32))'), '{"x":[[1],[2,3]]}', { value: [[1], [2, 3]] }],
  ['number into Array', col('x', 'Array(Int32)'), '{"x":5}', { errors: [typeMsg('5', 'x', 'number', 'Array(Int32)')] }],
  ['null into Array(Int32)', col('x', 'Array(Int32)'), '{"x":null}', { errors: [nullMsg('x')] }],
  ['Map(String, Int32)', col('x', 'Map(String, Int32)'), '{"x":{"a":1,"b":2}}', { value: [{ key: 'a', value: 1 }, { key: 'b', value: 2 }] }],
  ['Map from a list', col('x', 'Map(String, Int32)'), '{"x":[1]}', { errors: [typeMsg('[1]', 'x', 'list', 'Map(String, Int32)')] }],
  ['Map bad value', col('x', 'Map(String, Int32)'), '{"x":{"a":"z"}}', { errors: [typeMsg("{'a': 'z'}", 'x', "<class 'dict'>", 'Map(String, Int32)')] }],
  ['Tuple from a JSON array', col('x', 'Tuple(Int32, String)'), '{"x":[1,"a"]}', { value: { '1': 1, '2': 'a' } }],
  // JSON type
  ['JSON column keeps object text', col('x', 'JSON'), '{"x":{"a":1}}', { value: '{"a":1}' }],
  [
    'JSON column with a number',
    col('x', 'JSON'),
    '{"x":1}',
    { errors: ["Strict type checking failed. The value on column 'x' is not a valid JSON Object. While accessing jsonpath '$.x'"] },
  ],
];

describe('row conversion (spec §2.4)', () => {
  it.each(cases)('%s', async (_name, column, line, expected) => {
    const got = await convertOne(column, line);
    if (expected.errors) {
      expect(got.errors).toEqual(expected.errors);
      if ('raw' in expected) expect(got.raw).toEqual(expected.raw);
    } else expect(got).toEqual({ value: expected.value });
  });
});

describe('whole lines', () => {
  const cols = [col('a', 'String'), col('n', 'Nullable(Int32)')];
  it('drops blank lines, tolerates CRLF and a BOM, numbers lines', async () => {
    const rows = await convertLines(cols, '\uFEFF{"a":"x","n":1}\r\n\r\n   \n{"a":"y"}\n');
    expect(rows).toEqual([
      { a: 'x', n: 1, __error_column: [], __error: [], __raw_a: null, __raw_n: null, __n: '1' },
      { a: 'y', n: null, __error_column: [], __error: [], __raw_a: null, __raw_n: null, __n: '4' },
    ]);
  });
  const whole: [string, string, string][] = [
    ['{"a":', `Line is not a valid JSON: '{"a":'`, ''],
    ['garbage', "Line is not a valid JSON: 'garbage'", ''],
    ['{"a":"x"} trailing', `Line is not a valid JSON: '{"a":"x"} trailing'`, ''],
    ['[1,2]', 'JSON root must be an object, but it was a list', ''],
    ['"s"', 'JSON root must be an object, but it was a string', ''],
    ['12', 'JSON root must be an object, but it was a number', ''],
    ['true', "JSON root must be an object, but it was a <class 'bool'>", ''],
    ['null', 'JSON root must be an object, but it was a null', ''],
  ];
  it.each(whole)('%s', async (line, message, column) => {
    const rows = await convertLines(cols, line);
    expect(rows).toEqual([{ a: null, n: null, __error_column: [column], __error: [message], __raw_a: null, __raw_n: null, __n: '1' }]);
  });
  it('quarantined rows keep raw values as Python str()', async () => {
    const rows = await convertLines(cols, '{"a":{"k":[1,true]},"n":"7"}');
    expect(rows).toEqual([
      {
        a: null,
        n: null,
        __error_column: ['n'],
        __error: [typeMsg('7', 'n', 'string', 'Nullable(Int32)')],
        __raw_a: "{'k': [1, True]}",
        __raw_n: '7',
        __n: '1',
      },
    ]);
  });
});

describe('error order and count (SRV checks groups in order, stopping as it does)', () => {
  const cols = [
    col('s', 'Nullable(String)'),
    col('i', 'Int32'),
    col('t', 'DateTime'),
    col('t64', 'DateTime64(3)'),
    col('d', 'Date'),
    col('str', 'String'),
  ];
  const run = async (line: string) => {
    const [r] = await convertLines(cols, line);
    return [r!.__error_column, r!.__error];
  };
  it('a String/number error stops the row', async () => {
    expect(await run('{"s":1,"i":"x","t":"bad","t64":"bad","d":"bad"}')).toEqual([
      ['str'],
      [missingMsg('str')],
    ]);
    expect(await run('{"s":1,"i":"x","t":"bad","t64":"bad","d":"bad","str":"v"}')).toEqual([
      ['i'],
      [typeMsg('x', 'i', 'string', 'Int32')],
    ]);
  });
  it('DateTime parse errors let the later groups run', async () => {
    expect(await run('{"s":1,"i":1,"t":"bad","t64":"bad","d":"2024-01-01","str":"v"}')).toEqual([
      ['t', 't64', 's'],
      [dateMsg('t'), dateMsg('t64'), typeMsg('1', 's', 'number', 'Nullable(String)')],
    ]);
  });
  it('a missing DateTime stops the row', async () => {
    expect(await run('{"s":1,"i":1,"t64":"bad","str":"v"}')).toEqual([['t'], [missingMsg('t')]]);
  });
  it('the first bad column of the other group is reported', async () => {
    expect(await run('{"s":1,"i":1,"t":"2024-01-01","t64":"2024-01-01","d":"bad","str":"v"}')).toEqual([
      ['s'],
      [typeMsg('1', 's', 'number', 'Nullable(String)')],
    ]);
  });
});

describe('defaults', () => {
  it('uses translateExpr and can refer to other columns', async () => {
    const cols = [col('t', 'DateTime'), col('day', 'Date', { defaultExpr: 'toDate(t)' })];
    const rows = await convertLines(cols, '{"t":"2024-05-06 07:08:09"}', {
      translateExpr: (e) => e.replace(/^toDate\((\w+)\)$/, 'CAST($1 AS DATE)'),
    });
    expect(rows[0]).toMatchObject({ t: '2024-05-06 07:08:09', day: '2024-05-06', __error: [] });
  });
});

describe('hostile input', () => {
  const cols = [col('a', 'String'), col('n', 'Nullable(Int64)')];
  it('a huge field', async () => {
    const big = 'x'.repeat(5_000_000);
    const rows = await convertLines(cols, `{"a":"${big}","n":1}`);
    expect((rows[0]!.a as string).length).toBe(5_000_000);
  });
  it('deep nesting', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const rows = await convertLines(cols, `{"a":"v","n":1,"z":${deep}}\n{"a":${deep}}`);
    expect(rows[0]!.__error).toEqual([]);
    expect(rows[1]!.__error).toEqual([nullMsg('a')]);
  });
  it('garbage bytes and control characters', async () => {
    // A raw control character inside a string is invalid JSON; an escaped one is a value like any other.
    const rows = await convertLines(cols, '\u0000\u0001{\n{"a":"ok","n":"\u0007"}\n{"a":"ok","n":"\\u0007é"}');
    expect(rows.map((r) => r.__error_column)).toEqual([[''], [''], ['n']]);
    expect(rows[1]!.__error).toEqual([`Line is not a valid JSON: '{"a":"ok","n":"\u0007"}'`]);
    expect(rows[2]!.__error).toEqual([typeMsg('\u0007é', 'n', 'string', 'Nullable(Int64)')]);
    expect(rows[2]!.__raw_n).toBe('\u0007é');
  });
});

describe('quarantineColumns (spec §2.5)', () => {
  it('lists error columns, raw columns and insertion_date', () => {
    expect(quarantineColumns([col('a', 'Int32'), col('b', 'Nullable(String)')]).map((c) => [c.name, c.type])).toEqual([
      ['c__error_column', 'Array(String)'],
      ['c__error', 'Array(String)'],
      ['c__import_id', 'Nullable(String)'],
      ['a', 'Nullable(String)'],
      ['b', 'Nullable(String)'],
      ['insertion_date', 'DateTime'],
    ]);
  });
});

describe('EV-charging tutorial schema (seed/)', () => {
  const ev = CHARGING_SESSIONS.columns;
  it('converts the tutorial event and quarantines a bad one', async () => {
    const good =
      '{"session_id":"session123","station_id":"station456","user_id":"user789","start_time":"2024-01-26 10:00:00","end_time":"2024-01-26 11:00:00","energy_consumed":15.5,"amount_paid":10.00,"charging_type":"AC","location":"New York","timestamp":"2024-01-26 11:05:00"}';
    const bad = good.replace('"energy_consumed":15.5', '"energy_consumed":"15.5"').replace('2024-01-26 10:00:00', 'soon');
    const rows = await convertLines(ev, `${good}\n${bad}`);
    expect(rows[0]).toEqual({
      session_id: 'session123',
      station_id: 'station456',
      user_id: 'user789',
      start_time: '2024-01-26 10:00:00',
      end_time: '2024-01-26 11:00:00',
      energy_consumed: 15.5,
      amount_paid: 10,
      charging_type: 'AC',
      location: 'New York',
      timestamp: '2024-01-26 11:05:00',
      __error_column: [],
      __error: [],
      ...Object.fromEntries(ev.map((c) => [`__raw_${c.name}`, null])),
      __n: '1',
    });
    // The number check comes before the DateTime check and stops the row (SRV order).
    expect(rows[1]).toMatchObject({
      session_id: null,
      __error_column: ['energy_consumed'],
      __error: [typeMsg('15.5', 'energy_consumed', 'string', 'Float64')],
      __raw_session_id: 'session123',
      __raw_start_time: 'soon',
      __raw_energy_consumed: '15.5',
      __raw_amount_paid: '10.0',
    });
  });
});
