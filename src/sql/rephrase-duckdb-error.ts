// DuckDB error messages in ClickHouse's words and codes (measured with chdb 26.7), so a pipe author sees what
// Tinybird would have said: `<message>. (CODE_NAME)`, with the numeric code for `X-DB-Exception-Code`
// (spec §7 step 6). The DuckDB text shows the translated SQL, so positions and query echoes are dropped.
import { clickhouseType } from './types.ts';

export interface ClickhouseError {
  readonly message: string;
  readonly code: number;
  readonly name: string;
}

/** DuckDB's physical type names (INT32, UINT8...) and logical ones (INTEGER, VARCHAR...) as ClickHouse types. */
function chType(duck: string): string {
  const t = duck.trim().replace(/_LITERAL$/, '');
  const physical: Record<string, string> = {
    INT8: 'Int8', INT16: 'Int16', INT32: 'Int32', INT64: 'Int64', INT128: 'Int128', UINT8: 'UInt8', UINT16: 'UInt16',
    UINT32: 'UInt32', UINT64: 'UInt64', UINT128: 'UInt128', BOOL: 'Bool', STRING_LITERAL: 'String',
  };
  return physical[t] ?? clickhouseType(t === 'STRING' ? 'VARCHAR' : t);
}

const OPERATORS: Record<string, string> = {
  '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'divide', '//': 'intDiv', '%': 'modulo', '=': 'equals', '!=': 'notEquals',
  '<>': 'notEquals', '<': 'less', '>': 'greater', '<=': 'lessOrEquals', '>=': 'greaterOrEquals', '||': 'concat', '~~': 'like',
  '!~~': 'notLike', '~~*': 'ilike', '!~~*': 'notILike',
};

const err = (message: string, code: number, name: string): ClickhouseError => ({ message: `${message}. (${name})`, code, name });

type Rule = readonly [RegExp, (m: RegExpExecArray) => ClickhouseError];

const RULES: readonly Rule[] = [
  [/^Binder Error: Referenced column "([^"]+)" not found in FROM clause!(?:\s*Candidate bindings: (.*))?/s, (m) => {
    const candidates = [...(m[2] ?? '').split('\n')[0]!.matchAll(/"([^"]+)"/g)].map((c) => `'${c[1]}'`);
    return err(`Unknown expression identifier \`${m[1]}\`${candidates.length ? `. Maybe you meant: [${candidates.join(', ')}]` : ''}`, 47, 'UNKNOWN_IDENTIFIER');
  }],
  [/^Binder Error: Referenced table "([^"]+)" not found!/, (m) => err(`Unknown expression identifier \`${m[1]}\``, 47, 'UNKNOWN_IDENTIFIER')],
  [/^Binder Error: Values list "([^"]+)" does not have a column named "([^"]+)"/, (m) => err(`Unknown expression identifier \`${m[1]}.${m[2]}\``, 47, 'UNKNOWN_IDENTIFIER')],
  [/^Binder Error: Table "([^"]+)" does not have a column named "([^"]+)"/, (m) => err(`Unknown expression identifier \`${m[1]}.${m[2]}\``, 47, 'UNKNOWN_IDENTIFIER')],
  [/^Catalog Error: Table with name (\S+) does not exist!/, (m) => err(`Unknown table expression identifier '${m[1]}'`, 60, 'UNKNOWN_TABLE')],
  [/^Catalog Error: (?:Scalar|Aggregate|Table|Macro) Function with name (\S+) does not exist!/, (m) => err(`Function with name \`${m[1]}\` does not exist`, 46, 'UNKNOWN_FUNCTION')],
  [/^Binder Error: No function matches the given name and argument types '([^(']+)\(([^']*)\)'/, (m) => {
    const fn = OPERATORS[m[1]!] ?? m[1]!;
    const types = m[2]!.split(/,\s*/).filter(Boolean).map(chType);
    return types.length === 1
      ? err(`Illegal type ${types[0]} of argument of function ${fn}`, 43, 'ILLEGAL_TYPE_OF_ARGUMENT')
      : err(`Illegal types ${types.slice(0, -1).join(', ')} and ${types[types.length - 1]} of arguments of function ${fn}`, 43, 'ILLEGAL_TYPE_OF_ARGUMENT');
  }],
  [/^Binder Error: Macro (\w+)\(\) does not support the supplied arguments/, (m) =>
    err(`An incorrect number of arguments was specified for function '${m[1]}'`, 42, 'NUMBER_OF_ARGUMENTS_DOESNT_MATCH')],
  [/^Binder Error: column "([^"]+)" must appear in the GROUP BY clause/, (m) =>
    err(`Column \`${m[1]}\` is not under aggregate function and not in GROUP BY keys`, 215, 'NOT_AN_AGGREGATE')],
  [/^Binder Error: Ambiguous reference to column name "([^"]+)"/, (m) => err(`Ambiguous identifier \`${m[1]}\``, 207, 'AMBIGUOUS_IDENTIFIER')],
  [/^Binder Error: aggregate function calls cannot be nested/, () => err('Aggregate function is found inside another aggregate function in query', 184, 'ILLEGAL_AGGREGATION')],
  [/^Conversion Error: Could not convert string '((?:[^']|'')*)' to (\w+)/, (m) => err(`Cannot parse string '${m[1]}' as ${chType(m[2]!)}`, 6, 'CANNOT_PARSE_TEXT')],
  [/^Conversion Error: (?:date field value out of range|invalid date field format): "([^"]*)"/, (m) => err(`Cannot parse date "${m[1]}"`, 38, 'CANNOT_PARSE_DATE')],
  [/^Conversion Error: (?:timestamp field value out of range|invalid timestamp field format): "([^"]*)"/, (m) => err(`Cannot parse datetime "${m[1]}"`, 41, 'CANNOT_PARSE_DATETIME')],
  [/^Conversion Error: (.*)/, (m) => err(`Conversion failed: ${m[1]!.replace(/[.!]$/, '')}`, 70, 'CANNOT_CONVERT_TYPE')],
  [/^Out of Range Error: (.*)/, (m) => err(`Value is out of range: ${m[1]!.replace(/[.!]$/, '')}`, 321, 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE')],
  [/^Parser Error: syntax error at end of input/, () => err('Syntax error: failed at end of query', 62, 'SYNTAX_ERROR')],
  [/^Parser Error: syntax error at or near "([^"]*)"/, (m) => err(`Syntax error: failed at or near "${m[1]}"`, 62, 'SYNTAX_ERROR')],
  [/^Parser Error: (.*)/, (m) => err(`Syntax error: ${m[1]!.replace(/[.!]$/, '')}`, 62, 'SYNTAX_ERROR')],
  [/^Invalid Input Error: Malformed JSON(.*)/, (m) => err(`Cannot parse JSON${m[1]!.replace(/\s+Input:.*$/s, '').replace(/[.!]$/, '')}`, 117, 'INCORRECT_DATA')],
  [/^INTERRUPT Error: /, () => err('Timeout exceeded', 159, 'TIMEOUT_EXCEEDED')],
  [/^Out of Memory Error: (.*)/, (m) => err(`Memory limit exceeded: ${m[1]!.replace(/[.!]$/, '')}`, 241, 'MEMORY_LIMIT_EXCEEDED')],
  [/^Permission Error: (.*)/, (m) => err(`Access denied: ${m[1]!.replace(/[.!]$/, '')}`, 497, 'ACCESS_DENIED')],
];

/** The first line of a DuckDB message without its `LINE n:` echo, caret and candidate lists. */
function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/** A DuckDB error as ClickHouse would report it: message, numeric code and code name. */
export function clickhouseErrorOf(message: string): ClickhouseError {
  const text = message.trim();
  for (const [re, make] of RULES) {
    const m = re.exec(text);
    if (m) return make(m);
  }
  const line = firstLine(text).replace(/^[A-Za-z ]+ Error: /, '').replace(/[.!]$/, '');
  return err(line || 'Unknown error', 1002, 'UNKNOWN_EXCEPTION');
}

/** A DuckDB error message in ClickHouse's words, e.g. `Unknown expression identifier \`b\`. (UNKNOWN_IDENTIFIER)`. */
export function rephraseDuckdbError(message: string): string {
  return clickhouseErrorOf(message).message;
}
