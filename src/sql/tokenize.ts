// ClickHouse SQL lexer. Literal rules were measured against ClickHouse (chdb 3.4): strings take backslash
// escapes AND '' doubling; an unknown escape such as `\%`, `\_` or `\c` keeps its backslash (`'a\%b'` is the
// 4-char string `a\%b`), `\N` is the empty string; comments are `--`, `/* */` and `#`.
import { SqlError } from '../errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op';

export interface Token {
  readonly kind: TokenKind;
  /** Source text for words, numbers and ops; the decoded value for strings and quoted identifiers. */
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  b: '\b',
  f: '\f',
  r: '\r',
  n: '\n',
  t: '\t',
  '0': '\0',
  a: '\x07',
  v: '\v',
  e: '\x1b',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  N: '',
};

const OPERATORS = ['::', '->', '==', '!=', '<>', '<=', '>=', '||', '<', '>', '=', '+', '-', '*', '/', '%', '(', ')', '[', ']', ',', '.', ';', '?', ':', '{', '}'];

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const fail = (what: string, at: number): never => {
    throw new SqlError(`Syntax error: ${what} at ${line}:${at - lineStart + 1}`);
  };
  const advanceTo = (end: number) => {
    for (let k = i; k < end; k++) {
      if (sql[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
    i = end;
  };
  while (i < sql.length) {
    const ch = sql[i]!;
    if (/\s/.test(ch)) {
      advanceTo(i + 1);
      continue;
    }
    if ((ch === '-' && sql[i + 1] === '-') || ch === '#') {
      const nl = sql.indexOf('\n', i);
      advanceTo(nl < 0 ? sql.length : nl);
      continue;
    }
    if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) fail('unterminated comment', i);
      advanceTo(end + 2);
      continue;
    }
    const startLine = line;
    const startCol = i - lineStart + 1;
    if (ch === "'" || ch === '`' || ch === '"') {
      let value = '';
      let k = i + 1;
      for (;;) {
        if (k >= sql.length) fail(ch === "'" ? 'unterminated string' : 'unterminated identifier', i);
        const c = sql[k]!;
        if (c === '\\') {
          const n = sql[k + 1];
          if (n === undefined) fail('unterminated string', i);
          if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(sql.slice(k + 2, k + 4))) {
            value += String.fromCharCode(parseInt(sql.slice(k + 2, k + 4), 16));
            k += 4;
          } else if (n! in SIMPLE_ESCAPES) {
            value += SIMPLE_ESCAPES[n!];
            k += 2;
          } else {
            value += '\\' + n;
            k += 2;
          }
          continue;
        }
        if (c === ch) {
          if (sql[k + 1] === ch) {
            value += ch;
            k += 2;
            continue;
          }
          break;
        }
        value += c;
        k++;
      }
      advanceTo(k + 1);
      tokens.push({ kind: ch === "'" ? 'string' : 'quoted', text: value, line: startLine, col: startCol });
      continue;
    }
    const num = /^(?:0x[0-9a-fA-F]+|0b[01]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(sql.slice(i, i + 400));
    if (num && /[\d.]/.test(ch) && !(ch === '.' && !/\d/.test(sql[i + 1] ?? ''))) {
      // `t.1` is tuple access, not the number `.1`.
      const prev = tokens[tokens.length - 1];
      if (!(ch === '.' && prev && (prev.kind === 'word' || prev.kind === 'quoted' || prev.text === ')'))) {
        advanceTo(i + num[0].length);
        tokens.push({ kind: 'number', text: num[0], line: startLine, col: startCol });
        continue;
      }
    }
    const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(sql.slice(i, i + 1000));
    if (word) {
      advanceTo(i + word[0].length);
      tokens.push({ kind: 'word', text: word[0], line: startLine, col: startCol });
      continue;
    }
    const op = OPERATORS.find((o) => sql.startsWith(o, i));
    if (!op) fail(`unexpected character ${JSON.stringify(ch)}`, i);
    advanceTo(i + op!.length);
    tokens.push({ kind: 'op', text: op!, line: startLine, col: startCol });
  }
  return tokens;
}

/** A DuckDB string literal holding exactly `value` (DuckDB strings have no backslash escapes). */
export function duckdbString(value: string): string {
  if (!value.includes('\0')) return `'${value.replaceAll("'", "''")}'`;
  return '(' + value.split('\0').map((p) => `'${p.replaceAll("'", "''")}'`).join(' || chr(0) || ') + ')';
}

/** A DuckDB identifier, double-quoted unless it is a plain lower-case word. */
export function duckdbIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A ClickHouse tuple as a DuckDB struct named '1', '2', ... (unnamed struct fields would share one name). */
export function namedStruct(values: readonly string[]): string {
  return `{${values.map((v, k) => `'${k + 1}': ${v}`).join(', ')}}`;
}
