import { query } from 'chdb';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/template/index.ts';

// Hostile parameter values must each become exactly one ClickHouse literal holding the escaped value (spec §8.5):
// ClickHouse itself (chdb) reads the rendered SQL back.
const HOSTILE = [
  "'; DROP TABLE users; --",
  "\\'; SELECT 1; --",
  'back\\slash\\',
  'quote"double',
  '50%',
  'under_score',
  'line\nbreak\r\ttab',
  'nul\0byte',
  '{{ String(x) }} {% if 1 %}',
  '`tick`',
  'ünïcödé 🦆 日本',
  '\x1a\x08',
  'x'.repeat(20_000),
  '',
];

/** What Tinybird's escaping does to a value's meaning in ClickHouse: `%` keeps its backslash (checked with chdb). */
function chValue(v: string): string {
  return v.replace(/%/g, '\\%').replace(/\x1a/g, '\\z');
}

/**
 * Array parameters are pre-split by rendering them once and reading that back as a Python literal (ST
 * `preprocess_variables`), which keeps the backslashes of `\%`, `\z` and `\``: Tinybird escapes those twice.
 */
function chArrayValue(v: string): string {
  return chValue(v.replace(/[%`]/g, (c) => `\\${c}`).replace(/\x1a/g, '\\z'));
}

function readBack(rendered: string): unknown {
  const out = query(`SELECT ${rendered} AS v`, 'JSONEachRow');
  const rows = out.trim().split('\n');
  expect(rows).toHaveLength(1);
  return JSON.parse(rows[0]!).v;
}

describe('hostile values through every typed function stay one literal', () => {
  it.each(HOSTILE.map((v) => [v.length > 40 ? `${v.slice(0, 40)}…` : v, v]))('String / plain / Array / DateTime: %j', (_, value) => {
    for (const tpl of ['{{String(x)}}', '{{x}}', "{{String(x, 'd')}}"]) {
      expect(readBack(renderTemplate(tpl, { x: value }).sql)).toBe(chValue(value));
    }
    const arr = readBack(renderTemplate("{{Array(x, 'String')}}", { x: [value, 'b'] }).sql);
    expect(arr).toEqual([chArrayValue(value), 'b']);
    const dt = readBack(renderTemplate('{{DateTime(x)}}', { x: `2020-01-01 00:00:00${value}` }).sql);
    expect(dt).toBe(chValue(`2020-01-01 00:00:00${value}`));
    const sym = renderTemplate('SELECT 1 AS {{symbol(x)}}', { x: value || 'v' }).sql;
    const cols = query(sym, 'JSONEachRow').trim().split('\n');
    expect(cols).toHaveLength(1);
    expect(Object.keys(JSON.parse(cols[0]!))).toHaveLength(1);
  });

  it.each(HOSTILE)('typed numbers refuse %j', (value) => {
    for (const fn of ['Int8', 'Int32', 'UInt64', 'Int256', 'Float32', 'Float64', 'Date', 'Int']) {
      expect(() => renderTemplate(`{{${fn}(x)}}`, { x: value })).toThrow(/Error validating/);
    }
    expect(() => renderTemplate("{{Array(x, 'Int32')}}", { x: value || 'x' })).toThrow(/Error validating/);
  });

  it('typed values compute like ClickHouse', () => {
    const sql = renderTemplate('{{Int32(a)}} + {{Float64(b)}} AS s, {{UInt8(c)}} * 2 AS p', { a: '5', b: '0.5', c: '200' }).sql;
    expect(JSON.parse(query(`SELECT ${sql}`, 'JSONEachRow'))).toEqual({ s: 5.5, p: 400 });
  });

  it('sql_unescape keeps quotes and backslashes escaped', () => {
    for (const value of ["a'b\\", "x%_'"]) {
      const sql = renderTemplate("{{sql_unescape(String(x), '%')}}", { x: value }).sql;
      expect(readBack(sql)).toBe(value.replace(/\\(?!%)/g, '\\'));
      const all = renderTemplate('{{sql_unescape(String(x))}}', { x: value }).sql;
      expect(readBack(all)).toBe(value);
    }
    expect(() => renderTemplate("{{sql_unescape(String(x), \"'\")}}", { x: 'a' })).toThrow(/cannot unescape/);
  });

  it('table(), columns(fn) and comment-producing functions cannot be used to add SQL', () => {
    expect(() => renderTemplate('{{table(x)}}', { x: 'events; DROP TABLE t' })).toThrow("Template Syntax Error: Invalid table name 'events; DROP TABLE t'");
    expect(() => renderTemplate("{{columns(x, 'a', fn='sum')}}", { x: 'a) as a, (select 1' })).toThrow(/Invalid name/);
    expect(renderTemplate("{{columns(x, 'a', fn='sum')}}", { x: 'a,b' }).sql).toBe('sum(`a`) as a,sum(`b`) as b');
    expect(renderTemplate('{{backend_hint(x)}}SELECT 1', { x: 'h\nDROP TABLE t' }).sql).toBe('-- backend_hint h DROP TABLE t\nSELECT 1');
  });
});
