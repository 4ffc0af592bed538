import { PyError, typeName, type PyValue } from './values.ts';

// spec §8.5: Tinybird's escape tables (sql_template.py `sqlescape`, `sqlescape_for_string_expression`). The output is
// ClickHouse syntax: the SQL stage reads it back with ClickHouse's literal rules, so `%` → `\%` keeps its backslash.
const COMMON: Record<string, string> = {
  '\0': '\\0',
  '\r': '\\r',
  '\x08': '\\b',
  '\t': '\\t',
  '\x1a': '\\z',
  '\n': '\\n',
  "'": "\\'",
  '\\': '\\\\',
  '%': '\\%',
  '`': '\\`',
};
const FOR_STRING: Record<string, string> = { ...COMMON, '"': '\\"' };
const FOR_IDENTIFIER: Record<string, string> = { ...COMMON, '"': '' };

function translate(v: PyValue, table: Record<string, string>): string[] {
  if (typeof v !== 'string') {
    // Python calls str.translate on the value: anything else is an AttributeError.
    throw new PyError('AttributeError', `'${typeName(v)}' object has no attribute 'translate'`);
  }
  return [...v].map((ch) => table[ch] ?? ch);
}

/** One escape token per source character (used by sql_unescape to undo single escapes safely). */
export function escapeStringTokens(v: PyValue): string[] {
  return translate(v, FOR_STRING);
}

export function escapeString(v: PyValue): string {
  return translate(v, FOR_STRING).join('');
}

export function escapeIdentifier(v: PyValue): string {
  return translate(v, FOR_IDENTIFIER).join('');
}

export function quoteString(s: string): string {
  return `'${escapeString(s)}'`;
}
