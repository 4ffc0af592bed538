// The SCHEMA block grammar of spec §9.2, following the Tinybird CLI's `parse_table_structure`:
//   name [Type] [DEFAULT expr] [CODEC(...)] [`json:$.path`] , ...
// DEFAULT and the jsonpath come in either order, `--` comments are dropped (not inside `json:...`), a trailing
// comma is allowed, and the ClickHouse column syntax Tinybird rejects is rejected with Tinybird's messages.
import { DatafileError } from '../errors.ts';
import type { BlockLine } from './read-commands.ts';
import type { ColumnDef } from './types.ts';

type Keyword = 'NULL' | 'NOTNULL' | 'DEFAULT' | 'MATERIALIZED' | 'ALIAS' | 'CODEC' | 'TTL' | 'JSONPATH' | 'COMMA' | 'TYPE';

// Each keyword needs whitespace before it, as in the CLI; TYPE is "anything else".
const KEYWORD_RE: Record<Exclude<Keyword, 'TYPE'>, RegExp> = {
  NULL: /\s+NULL(?![a-z0-9_])/iy,
  NOTNULL: /\s+NOT\s+NULL(?![a-z0-9_])/iy,
  DEFAULT: /\s+DEFAULT(?![a-z0-9_])/iy,
  MATERIALIZED: /\s+MATERIALIZED(?![a-z0-9_])/iy,
  ALIAS: /\s+ALIAS(?![a-z0-9_])/iy,
  CODEC: /\s+CODEC(?![a-z0-9_])/iy,
  TTL: /\s+TTL(?![a-z0-9_])/iy,
  JSONPATH: /\s+`json:/iy,
  COMMA: /,/y,
};

const ALL: readonly Keyword[] = ['NULL', 'NOTNULL', 'DEFAULT', 'MATERIALIZED', 'ALIAS', 'CODEC', 'TTL', 'JSONPATH', 'COMMA', 'TYPE'];
const TYPE_ENDS: readonly Keyword[] = ['NULL', 'NOTNULL', 'DEFAULT', 'MATERIALIZED', 'ALIAS', 'CODEC', 'TTL', 'JSONPATH', 'COMMA'];
const EXPR_ENDS: readonly Keyword[] = ['NOTNULL', 'DEFAULT', 'MATERIALIZED', 'ALIAS', 'CODEC', 'TTL', 'JSONPATH', 'COMMA'];
const AFTER_TYPE: readonly Keyword[] = ['NULL', 'NOTNULL', 'DEFAULT', 'MATERIALIZED', 'ALIAS', 'CODEC', 'TTL', 'JSONPATH', 'COMMA'];
// NULL/MATERIALIZED/TTL stay "valid" after DEFAULT and CODEC so that they get their own "not supported" message.
const AFTER_DEFAULT: readonly Keyword[] = ['CODEC', 'COMMA', 'JSONPATH', 'MATERIALIZED', 'TTL', 'NULL', 'NOTNULL'];
const AFTER_CODEC: readonly Keyword[] = ['COMMA', 'JSONPATH', 'MATERIALIZED', 'TTL', 'NULL', 'NOTNULL'];

const NAME_CHARS = /[A-Za-z0-9._`*<>+\-']/;
const EXPR_CHARS = /[A-Za-z0-9._`*<>+\-'[\](),=!?:/ \n\t\r]/;
const WS = ' \t\r\n';

class SchemaSyntaxError extends Error {
  constructor(
    message: string,
    readonly index: number,
    readonly hint?: string,
  ) {
    super(message);
  }
}

// Python's repr() of a one-character string, as the CLI prints it in `invalid character` messages.
function reprChar(c: string): string {
  if (c === "'") return `"'"`;
  if (c === '\\') return `'\\\\'`;
  if (c === '\t') return `'\\t'`;
  return `'${c}'`;
}

/** `--` comments cut from each line (outside `json:` paths and quotes), lines right-trimmed, line count kept. */
function dropComments(line: string): string {
  let inJsonPath = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (inJsonPath) {
      if (c === '`') inJsonPath = false;
    } else if (c === '-' && line[i + 1] === '-') {
      return line.slice(0, i).trimEnd();
    } else if (line.startsWith('`json:', i)) {
      inJsonPath = true;
      i += 5;
    } else if (c === "'" || c === '"') {
      quote = c;
    }
  }
  return line.trimEnd();
}

// The CLI leaves type checking to ClickHouse; without it, text that runs on past the type (a column missing its
// comma, or a misplaced command inside the SCHEMA block) would silently become part of the type.
/** Length of the `Name` or `Name(...)` prefix of a type. */
function typeEnd(t: string): number {
  const name = /^[A-Za-z_][A-Za-z0-9_]*\s*/.exec(t);
  if (!name) return 0;
  let i = name[0].length;
  if (t[i] !== '(') return name[0].trimEnd().length;
  let depth = 0;
  let quote: string | null = null;
  for (; i < t.length; i++) {
    const c = t[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return i;
}

export function parseSchema(path: string, block: readonly BlockLine[]): ColumnDef[] {
  const s = block.map((l) => dropComments(l.text)).join('\n').trimEnd();
  const fileLine = (index: number): number => {
    const row = s.slice(0, index).split('\n').length - 1;
    return block[Math.min(row, block.length - 1)]?.line ?? 1;
  };
  try {
    return parseColumns(s);
  } catch (e) {
    if (!(e instanceof SchemaSyntaxError)) throw e;
    throw new DatafileError(path, fileLine(e.index), e.hint ? `${e.message}. ${e.hint}.` : e.message);
  }
}

function parseColumns(s: string): ColumnDef[] {
  const columns: ColumnDef[] = [];
  let i = 0;

  const matches = (k: Keyword): boolean => {
    if (k === 'TYPE') return true;
    const re = KEYWORD_RE[k];
    re.lastIndex = i;
    return re.test(s);
  };
  const lookahead = (lookup: readonly Keyword[]): Keyword | null => lookup.find(matches) ?? null;
  const skipWs = (): void => {
    while (i < s.length && WS.includes(s[i]!)) i++;
  };

  const backticked = (): string => {
    const begin = i;
    while (i < s.length) {
      const c = s[i]!;
      i++;
      if (c === '`') return s.slice(begin, i - 1);
      if (WS.includes(c)) throw new SchemaSyntaxError('Expected closing backtick', i - 1);
    }
    throw new SchemaSyntaxError('Expected closing backtick', i);
  };

  const parseName = (): string => {
    if (s[i] === '`') {
      i++;
      return backticked();
    }
    const begin = i;
    while (i < s.length && !WS.includes(s[i]!)) {
      if (!NAME_CHARS.test(s[i]!)) {
        throw new SchemaSyntaxError(`Column name contains invalid character ${reprChar(s[i]!)}`, i, 'Hint: use backticks');
      }
      i++;
    }
    return s.slice(begin, i);
  };

  // An expression runs to the next keyword outside quotes and parentheses (so commas inside `Decimal(10, 2)` or
  // `DEFAULT concat('a', 'b')` do not end it).
  const parseExpr = (ends: readonly Keyword[], attribute: string): string => {
    const begin = i;
    const stack: string[] = [];
    while (i < s.length) {
      const ctx = stack[stack.length - 1];
      const c = s[i]!;
      if ((ctx === "'" || ctx === '"') && c === '\\') {
        i += 2;
        continue;
      }
      if ((ctx === "'" && c === "'") || (ctx === '"' && c === '"') || (ctx === '(' && c === ')')) stack.pop();
      else if ((c === "'" || c === '"' || c === '(') && (ctx === undefined || ctx === '(')) stack.push(c);
      else if (ctx === undefined && lookahead(ends)) {
        if (i === begin) throw new SchemaSyntaxError(`Missing mandatory value for ${attribute}`, i);
        return s.slice(begin, i).trim();
      } else if ((ctx === undefined || ctx === '(') && !EXPR_CHARS.test(c)) {
        throw new SchemaSyntaxError(`Invalid character ${reprChar(c)}`, i);
      }
      i++;
    }
    if (stack.length > 0) {
      const open = stack[stack.length - 1]!;
      throw new SchemaSyntaxError(`Expected closing ${open === '(' ? ')' : open}`, i);
    }
    if (i === begin) throw new SchemaSyntaxError(`Missing mandatory value for ${attribute}`, i);
    return s.slice(begin).trim();
  };

  let name: string | null = null;
  let colStart = 0;
  let type = '';
  let defaultExpr = '';
  let codec = '';
  let jsonpath = '';
  let valid: readonly Keyword[] = ALL;
  let last: Keyword | null = null;

  const addColumn = (): void => {
    if (!name || !(type || defaultExpr)) {
      throw new SchemaSyntaxError('Column name and either type or DEFAULT are required', colStart);
    }
    const nullable = /^nullable\s*\(/i.test(type) || /^lowcardinality\s*\(\s*nullable\s*\(/i.test(type);
    columns.push({
      name,
      type,
      nullable,
      jsonpath: jsonpath || null,
      // `DEFAULT NULL` on a Nullable column is the column's default anyway; the CLI drops it.
      defaultExpr: defaultExpr && !(nullable && defaultExpr.toLowerCase() === 'null') ? defaultExpr : null,
      codec: codec ? `CODEC${codec}` : null,
    });
    name = null;
    type = defaultExpr = codec = jsonpath = '';
  };

  while (i < s.length) {
    if (name === null) {
      skipWs();
      colStart = i;
      valid = ALL;
      name = parseName();
      if (name === 'INDEX') {
        throw new SchemaSyntaxError(
          'Forbidden INDEX definition',
          colStart,
          'Indexes are not allowed in SCHEMA section. Use the INDEXES section instead',
        );
      }
      continue;
    }
    const found = lookahead(ALL)!;
    if (!valid.includes(found)) {
      throw new SchemaSyntaxError(`Unexpected ${found}${last ? ` after ${last}` : ''}`, i);
    }
    switch (found) {
      case 'TYPE': {
        skipWs();
        valid = AFTER_TYPE;
        const typeStart = i;
        const t = parseExpr(TYPE_ENDS, 'TYPE');
        const lower = t.toLowerCase();
        if (lower.includes('boolean')) throw new SchemaSyntaxError('Boolean type is not supported', i, 'Hint: use Bool or UInt8 instead');
        if (lower.includes('datetime64') && !lower.includes('datetime64(')) {
          throw new SchemaSyntaxError('DateTime64 type without precision is not supported', i, 'Hint: use DateTime64(3) instead');
        }
        if (t === 'Int' || t === 'UInt') {
          throw new SchemaSyntaxError(
            `Precision is mandatory for ${t} types`,
            i - t.length,
            `Hint: use one of ${[8, 16, 32, 64, 128, 256].map((n) => `${t}${n}`).join(', ')}`,
          );
        }
        const end = typeEnd(t);
        if (end < t.length) {
          const after = t.slice(end);
          const rest = after.trimStart();
          throw new SchemaSyntaxError(
            `Unexpected '${rest.split('\n')[0]!}' after the column type`,
            typeStart + end + after.length - rest.length,
          );
        }
        type = t;
        break;
      }
      case 'NULL':
        skipWs();
        throw new SchemaSyntaxError('NULL column syntax not supported', i, 'Hint: use Nullable(...)');
      case 'NOTNULL':
        skipWs();
        throw new SchemaSyntaxError('NOT NULL column syntax not supported', i, 'Hint: Columns are not nullable by default');
      case 'MATERIALIZED':
        skipWs();
        throw new SchemaSyntaxError('MATERIALIZED columns are not supported', i);
      case 'ALIAS':
        skipWs();
        throw new SchemaSyntaxError('ALIAS columns are not supported', i);
      case 'TTL':
        skipWs();
        throw new SchemaSyntaxError('column TTL is not supported', i);
      case 'DEFAULT':
        skipWs();
        i += 'DEFAULT'.length;
        valid = AFTER_DEFAULT;
        defaultExpr = parseExpr(EXPR_ENDS, 'DEFAULT');
        break;
      case 'CODEC':
        skipWs();
        i += 'CODEC'.length;
        valid = AFTER_CODEC;
        codec = parseExpr(EXPR_ENDS, 'CODEC');
        break;
      case 'JSONPATH':
        skipWs();
        i += '`json:'.length;
        jsonpath = backticked();
        break;
      case 'COMMA':
        i++;
        valid = [];
        addColumn();
        break;
    }
    last = found;
  }
  if (name !== null) addColumn();
  return columns;
}
