// The ClickHouse type of an expression where the SQL alone (plus declared column types) tells it. DuckDB's types
// lose what aggregates need from it: signedness for sum's UInt64 vs Int64, and Nullable, which decides whether
// an aggregate over nothing answers NULL or the type's default.
import type { Token } from './tokenize.ts';
import { isBooleanExpr, isGroup, isOp, isWord, sourceText, splitCommas, type Node } from './token-tree.ts';
import { zoneNameOfType } from './time-zones.ts';

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
 * Functions whose DateTime result is shown in the zone of their time-zone argument (at this index), or else in
 * their first argument's (checked with chdb: toStartOfHour(toTimezone(t, 'Asia/Kolkata')) is
 * DateTime('Asia/Kolkata')). The translator keeps such values as that zone's wall clock (time-zones.ts).
 */
const ZONED_RESULT: Record<string, number> = {
  toTimezone: 1, toTimeZone: 1, toDateTime: 1, toDateTime64: 2, toStartOfDay: 1, toStartOfHour: 1, toStartOfMinute: 1,
  toStartOfFiveMinutes: 1, toStartOfTenMinutes: 1, toStartOfFifteenMinutes: 1, toStartOfSecond: 1, toStartOfInterval: 2,
  now: 0, parseDateTimeBestEffort: 1, parseDateTimeBestEffortOrNull: 1, parseDateTimeBestEffortOrZero: 1,
};

function zonedResultType(name: string, args: readonly Node[][], columnTypes: ReadonlyMap<string, string> | undefined): string | null {
  const at = Object.hasOwn(ZONED_RESULT, name) ? ZONED_RESULT[name]! : undefined;
  if (at === undefined) return null;
  const tz = args[at];
  const argType = args[0] && at > 0 ? staticType(args[0], columnTypes) : null;
  let zone: string | null = null;
  if (tz?.length === 1 && tz[0]!.kind === 'string') zone = (tz[0] as Token).text;
  else if (tz === undefined && argType !== null) zone = zoneNameOfType(argType);
  if (zone === null || zone === '') return null;
  if (name === 'toStartOfInterval' && !/^(INTERVAL\b.*\b(SECOND|MINUTE|HOUR|DAY)S?|toInterval(Second|Minute|Hour|Day)\b.*)$/i.test(sourceText(args[1] ?? [])))
    return null;
  const precision = name === 'toDateTime64' ? sourceText(args[1] ?? []) : /^DateTime64\((\d+)/.exec(argType ?? '')?.[1];
  const keeps64 = name === 'toDateTime64' || ['toTimezone', 'toTimeZone', 'toStartOfSecond'].includes(name);
  return keeps64 && precision ? `DateTime64(${precision}, '${zone}')` : `DateTime('${zone}')`;
}

/** A cast to plain DateTime keeps a DateTime's zone (checked with chdb). */
function castType(target: string, value: readonly Node[], columnTypes: ReadonlyMap<string, string> | undefined): string {
  if (target !== 'DateTime') return target;
  const zone = zoneNameOfType(staticType(value, columnTypes) ?? '');
  return zone === null ? target : `DateTime('${zone}')`;
}

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
  if (cast > 0 && cast === nodes.length - 2 && isWord(nodes[cast + 1])) return castType((nodes[cast + 1] as Token).text, nodes.slice(0, cast), columnTypes);
  if (cast > 0 && cast === nodes.length - 3 && isWord(nodes[cast + 1]) && isGroup(nodes[cast + 2], '(')) return sourceText(nodes.slice(cast + 1));
  if (isBooleanExpr(nodes)) return 'UInt8';
  // `t ± INTERVAL ...` keeps a DateTime's type (and zone).
  const shift = nodes.findIndex((x, k) => k > 0 && isOp(x, '+', '-') && (isWord(nodes[k + 1], 'INTERVAL') || (isWord(nodes[k + 1]) && /^toInterval/i.test((nodes[k + 1] as Token).text))));
  if (shift > 0) {
    const left = staticType(nodes.slice(0, shift), columnTypes);
    if (left !== null && /^DateTime/.test(left)) return left;
  }
  // A window call has its function's type.
  if (nodes.length === 4 && isWord(nodes[2], 'OVER')) return staticType(nodes.slice(0, 2), columnTypes);
  if (nodes.length !== 2 || !isWord(n) || !isGroup(nodes[1], '(')) return null;
  const args = splitCommas(nodes[1].items);
  const name = n.text;
  if (/^cast$/i.test(name)) {
    const as = args.length === 1 ? args[0]!.findIndex((x) => isWord(x, 'AS')) : -1;
    if (as > 0) return castType(sourceText(args[0]!.slice(as + 1)), args[0]!.slice(0, as), columnTypes);
    const t = args[1];
    return args.length === 2 && t!.length === 1 && t![0]!.kind === 'string' ? castType((t![0] as Token).text, args[0]!, columnTypes) : null;
  }
  // Aggregates whose type follows their argument's.
  const arg = args[0] ? staticType(args[0], columnTypes) : null;
  if (/^(min|max|any|anyLast|argMin|argMax)(If)?$/i.test(name)) return arg;
  if (/^sum(If)?$/i.test(name)) {
    const t = sumType(arg);
    return t === null ? null : ({ UBIGINT: 'UInt64', BIGINT: 'Int64', DOUBLE: 'Float64' } as Record<string, string>)[t]!;
  }
  const zoned = zonedResultType(name, args, columnTypes);
  if (zoned !== null) return zoned;
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
