// The ClickHouse type of an expression where the SQL alone (plus declared column types) tells it. DuckDB's types
// lose what aggregates need from it: signedness for sum's UInt64 vs Int64, and Nullable, which decides whether
// an aggregate over nothing answers NULL or the type's default.
import type { Token } from './tokenize.ts';
import { isBooleanExpr, isGroup, isOp, isWord, sourceText, splitCommas, type Node } from './token-tree.ts';

/** Result types of functions whose type does not depend on their arguments' (ClickHouse docs, checked with chdb). */
const FIXED: Record<string, string> = {
  count: 'UInt64', uniq: 'UInt64', uniqExact: 'UInt64', countDistinct: 'UInt64', countIf: 'UInt64', uniqIf: 'UInt64',
  length: 'UInt64', lengthUTF8: 'UInt64', cityHash64: 'UInt64', sipHash64: 'UInt64', xxHash64: 'UInt64',
  toYear: 'UInt16', toMonth: 'UInt8', toQuarter: 'UInt8', toDayOfMonth: 'UInt8', toDayOfWeek: 'UInt8', toDayOfYear: 'UInt16',
  toHour: 'UInt8', toMinute: 'UInt8', toSecond: 'UInt8', toYYYYMM: 'UInt32', toYYYYMMDD: 'UInt32', toYYYYMMDDhhmmss: 'UInt64',
  toUnixTimestamp: 'UInt32', toISOWeek: 'UInt8', position: 'UInt64', positionCaseInsensitive: 'UInt64',
  toStartOfMonth: 'Date', toStartOfQuarter: 'Date', toStartOfYear: 'Date', toStartOfWeek: 'Date', toMonday: 'Date',
  toStartOfDay: 'DateTime', toStartOfHour: 'DateTime', toStartOfMinute: 'DateTime', toStartOfFiveMinutes: 'DateTime',
  toStartOfTenMinutes: 'DateTime', toStartOfFifteenMinutes: 'DateTime', parseDateTimeBestEffort: 'DateTime', yesterday: 'Date',
  toString: 'String', lower: 'String', upper: 'String', concat: 'String', toDate: 'Date', today: 'Date', toDateTime: 'DateTime', now: 'DateTime',
  toUnixTimestamp64Milli: 'Int64',
};

/**
 * The ClickHouse type of `nodes`, or null where it cannot be known statically. `columnTypes` maps column names
 * (bare, or the part after `alias.`) to their declared types.
 */
export function staticType(nodes: readonly Node[], columnTypes: ReadonlyMap<string, string> | undefined): string | null {
  const n = nodes[0];
  if (n === undefined) return null;
  if (nodes.length === 1 && (n.kind === 'word' || n.kind === 'quoted')) return columnTypes?.get(n.text) ?? null;
  if (nodes.length === 3 && (n.kind === 'word' || n.kind === 'quoted') && isOp(nodes[1], '.') && (nodes[2]!.kind === 'word' || nodes[2]!.kind === 'quoted'))
    return columnTypes?.get((nodes[2] as Token).text) ?? null;
  // `x::T`
  const cast = nodes.findIndex((x) => isOp(x, '::'));
  if (cast > 0 && cast === nodes.length - 2 && isWord(nodes[cast + 1])) return (nodes[cast + 1] as Token).text;
  if (cast > 0 && cast === nodes.length - 3 && isWord(nodes[cast + 1]) && isGroup(nodes[cast + 2], '(')) return sourceText(nodes.slice(cast + 1));
  if (isBooleanExpr(nodes)) return 'UInt8';
  // A window call has its function's type.
  if (nodes.length === 4 && isWord(nodes[2], 'OVER')) return staticType(nodes.slice(0, 2), columnTypes);
  if (nodes.length !== 2 || !isWord(n) || !isGroup(nodes[1], '(')) return null;
  const args = splitCommas(nodes[1].items);
  const name = n.text;
  if (/^cast$/i.test(name)) {
    const as = args.length === 1 ? args[0]!.findIndex((x) => isWord(x, 'AS')) : -1;
    if (as > 0) return sourceText(args[0]!.slice(as + 1));
    const t = args[1];
    return args.length === 2 && t!.length === 1 && t![0]!.kind === 'string' ? (t![0] as Token).text : null;
  }
  // Aggregates whose type follows their argument's.
  const arg = args[0] ? staticType(args[0], columnTypes) : null;
  if (/^(min|max|any|anyLast|argMin|argMax)(If)?$/i.test(name)) return arg;
  if (/^sum(If)?$/i.test(name)) {
    const t = sumType(arg);
    return t === null ? null : ({ UBIGINT: 'UInt64', BIGINT: 'Int64', DOUBLE: 'Float64' } as Record<string, string>)[t]!;
  }
  const conv = /^to(U?Int(?:8|16|32|64|128|256)|Float(?:32|64))(OrZero|OrNull|OrDefault)?$/.exec(name);
  if (conv) return conv[2] === 'OrNull' ? `Nullable(${conv[1]})` : conv[1]!;
  if (name === 'nullIf') return `Nullable(${(args[0] && staticType(args[0], columnTypes)) ?? '?'})`;
  if (/OrNull$/.test(name) && /^(to|parse)/.test(name)) return 'Nullable(?)';
  if (name === 'assumeNotNull' && args[0]) {
    const inner = staticType(args[0], columnTypes);
    return inner === null ? null : inner.replace(/^Nullable\((.*)\)$/, '$1');
  }
  return FIXED[name] ?? null;
}

export const isNullableType = (t: string | null): boolean => t !== null && /^(LowCardinality\()?Nullable\(/.test(t);

/** ClickHouse's sum type for an argument type (signed → Int64, unsigned → UInt64, floats → Float64), or null. */
export function sumType(t: string | null): string | null {
  if (t === null) return null;
  const base = t.replace(/^(?:LowCardinality\(|Nullable\()+/, '').replace(/\)+$/, '');
  if (/^UInt(8|16|32|64)$/.test(base)) return 'UBIGINT';
  if (/^Int(8|16|32|64)$/.test(base)) return 'BIGINT';
  if (/^Float(32|64)$/.test(base)) return 'DOUBLE';
  return null;
}

/** The type ClickHouse gives an integer literal: the smallest that holds it. */
export function literalType(v: bigint): string {
  if (v >= 0n) return v < 256n ? 'UInt8' : v < 65536n ? 'UInt16' : v < 4294967296n ? 'UInt32' : 'UInt64';
  return v >= -128n ? 'Int8' : v >= -32768n ? 'Int16' : v >= -2147483648n ? 'Int32' : 'Int64';
}

const INT_BITS = /^(U?)Int(8|16|32|64)$/;
const DUCK_INT: Record<string, string> = {
  Int16: 'SMALLINT', Int32: 'INTEGER', Int64: 'BIGINT', UInt16: 'USMALLINT', UInt32: 'UINTEGER', UInt64: 'UBIGINT',
};

/**
 * DuckDB type of ClickHouse's product of two integer types (measured with chdb): twice the wider operand's size,
 * at most 64 bits, signed if either is; null unless both are known integers.
 */
export function productType(a: string | null, b: string | null): string | null {
  const ma = a === null ? null : INT_BITS.exec(a.replace(/^Nullable\((.*)\)$/, '$1'));
  const mb = b === null ? null : INT_BITS.exec(b.replace(/^Nullable\((.*)\)$/, '$1'));
  if (!ma || !mb) return null;
  const bits = Math.min(64, 2 * Math.max(Number(ma[2]), Number(mb[2])));
  return DUCK_INT[`${ma[1] && mb[1] ? 'U' : ''}Int${bits}`]!;
}
