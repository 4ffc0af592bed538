// Events API row conversion and quarantine (spec §2.4, §2.5) as one generated DuckDB SELECT, so a batch of NDJSON
// is parsed inside DuckDB, once per line (design.md, Storage: a JS per-row path reached only 19% of DuckDB's rate).
//
// Behaviour follows SRV/ndjson `JSONToRowbinary.convert`, including the order in which it checks columns and how
// many errors one row can collect: columns are sorted by SRV's `heuristic` and split into groups (non-nullable
// top-level String/number/DateTime/DateTime64 columns, then everything else). An error in the first group stops
// the row (one error); a DateTime parse/bounds error ends its group and the next groups still run, so a row can
// carry up to three errors (DateTime, DateTime64, other).
import type { ColumnDef } from '../datafiles/types.ts';
import { SqlError } from '../errors.ts';
import { duckdbType, splitTypeArgs } from '../sql/types.ts';
import { jsonPointer, parseJsonPath, type JsonPath } from './jsonpath.ts';
import { pyStr, pyType } from './python-repr-sql.ts';

export interface ConversionOptions {
  /** Translates a ClickHouse DEFAULT expression into DuckDB SQL (the SQL translator, injected to keep this pure). */
  readonly translateExpr?: (clickhouseExpr: string) => string;
}

const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string): string => `"${s.replaceAll('"', '""')}"`;

type Kind =
  | 'string'
  | 'json'
  | 'int'
  | 'float'
  | 'bool'
  | 'decimal'
  | 'uuid'
  | 'fixedstring'
  | 'date'
  | 'date32'
  | 'datetime'
  | 'datetime64'
  | 'array'
  | 'map'
  | 'tuple'
  | 'state';

interface TypeInfo {
  readonly kind: Kind;
  /** DuckDB type of the converted value. */
  readonly duck: string;
  /** ClickHouse type without the outer Nullable, as SRV prints it in messages (`meta['type']`). */
  readonly ch: string;
  /** For elements of arrays and maps: whether NULL is allowed there. */
  readonly nullable: boolean;
  /** Int128/256, UInt128/256: SRV's FAMILY_BIG_NUMERIC (never nulled in arrays, always "complex"). */
  readonly big?: boolean;
  readonly min?: string;
  readonly max?: string;
  readonly precision?: number;
  readonly scale?: number;
  readonly length?: number;
  readonly elem?: TypeInfo;
  readonly key?: TypeInfo;
  readonly value?: TypeInfo;
  readonly items?: readonly TypeInfo[];
}

const INT_LIMITS: Record<string, [string, string]> = {
  Int8: ['-128', '127'],
  Int16: ['-32768', '32767'],
  Int32: ['-2147483648', '2147483647'],
  Int64: ['-9223372036854775808', '9223372036854775807'],
  Int128: ['-170141183460469231731687303715884105728', '170141183460469231731687303715884105727'],
  Int256: [
    '-57896044618658097711785492504343953926634992332820282019728792003956564819968',
    '57896044618658097711785492504343953926634992332820282019728792003956564819967',
  ],
  UInt8: ['0', '255'],
  UInt16: ['0', '65535'],
  UInt32: ['0', '4294967295'],
  UInt64: ['0', '18446744073709551615'],
  UInt128: ['0', '340282366920938463463374607431768211455'],
  UInt256: ['0', '115792089237316195423570985008687907853269984665640564039457584007913129639935'],
};

// Valid ranges in epoch microseconds and their printed bounds (SRV/ndjson `datetime_limit` & co.).
const DATE_LIMITS: Record<'datetime' | 'datetime64' | 'date' | 'date32', [bigint, bigint, string, string]> = {
  datetime: [0n, 4294967295_000000n, '1970-01-01 00:00:00', '2106-02-07 06:28:15'],
  datetime64: [-1420070400_000000n, 9999878399_999999n, '1925-01-01 00:00:00', '2283-11-11 23:59:59'],
  date: [0n, 5662310399_999999n, '1970-01-01', '2149-06-06'],
  date32: [-1420070400_000000n, 9999878399_099999n, '1925-01-01', '2283-11-11'],
};

/** DateTime64(4..9) is TIMESTAMP_NS (sql/types.ts), which ends in 2262: later values cannot be stored. */
export function dateLimits(kind: keyof typeof DATE_LIMITS, duck: string): [bigint, bigint, string, string] {
  const l = DATE_LIMITS[kind];
  return duck === 'TIMESTAMP_NS' ? [l[0], 9223372036854775n, l[2], '2262-04-11 23:47:16'] : l;
}

const DECIMAL_DIGITS: Record<string, number> = { '32': 9, '64': 18, '128': 38, '256': 76 };

function stripCall(t: string, name: string): string | null {
  const m = new RegExp(`^${name}\\s*\\((.*)\\)$`, 's').exec(t.trim());
  return m ? m[1]!.trim() : null;
}

/** Removes an outer Nullable, also inside LowCardinality (`LowCardinality(Nullable(String))` → `LowCardinality(String)`). */
function stripNullable(t: string): string {
  const inner = stripCall(t, 'Nullable');
  if (inner !== null) return inner;
  const lc = stripCall(t, 'LowCardinality');
  if (lc !== null) {
    const n = stripCall(lc, 'Nullable');
    if (n !== null) return `LowCardinality(${n})`;
  }
  return t.trim();
}

/** Type analysis following SRV `get_jsontype` (type names matched by substring, as SRV does). */
function analyzeType(chType: string, nullable: boolean): TypeInfo {
  const ch = chType.trim();
  const base = stripCall(ch, 'LowCardinality') ?? ch;
  const duck = duckdbType(ch);
  // Aggregate states have no JSON form: materialized views write them (sql/aggregate-states.ts).
  if (base.startsWith('AggregateFunction')) return { kind: 'state', duck, ch, nullable };
  // A SimpleAggregateFunction(f, T) value is a plain T.
  const simple = stripCall(base, 'SimpleAggregateFunction');
  if (simple !== null) return analyzeType(splitTypeArgs(simple).at(-1)!, nullable);
  const arr = stripCall(base, 'Array');
  if (arr !== null) {
    return { kind: 'array', duck, ch, nullable: false, elem: analyzeType(stripNullable(arr), nullable || arr.includes('Nullable')) };
  }
  const map = stripCall(base, 'Map');
  if (map !== null) {
    const [k, v] = splitTypeArgs(map);
    return {
      kind: 'map',
      duck,
      ch,
      nullable,
      key: analyzeType(k!, false),
      value: analyzeType(stripNullable(v!), v!.includes('Nullable')),
    };
  }
  const tuple = stripCall(base, 'Tuple');
  if (tuple !== null) {
    const items = splitTypeArgs(tuple).map((p) => {
      const named = /^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Z].*)$/s.exec(p);
      const t = named ? named[2]! : p;
      return analyzeType(stripNullable(t), t.includes('Nullable'));
    });
    return { kind: 'tuple', duck, ch, nullable, items };
  }
  if (base.includes('FixedString')) {
    const n = /^FixedString\(\s*(\d+)\s*\)$/.exec(base);
    if (!n || Number(n[1]) === 0) throw new SqlError(`Unsupported flavour of FixedString type: ${ch}`);
    return { kind: 'fixedstring', duck, ch, nullable, length: Number(n[1]) };
  }
  if (base.includes('String') || /^(Enum8|Enum16|IPv4|IPv6)\b/.test(base)) return { kind: 'string', duck, ch, nullable };
  if (base === 'Float32' || base === 'Float64') return { kind: 'float', duck, ch, nullable };
  const limits = INT_LIMITS[base];
  if (limits) {
    return { kind: 'int', duck, ch, nullable, min: limits[0], max: limits[1], big: /128|256/.test(base) };
  }
  if (base.includes('DateTime64')) {
    const p = /^DateTime64\s*\(\s*(\d)/.exec(base);
    return { kind: 'datetime64', duck, ch, nullable, precision: p ? Number(p[1]) : 3 };
  }
  if (base === 'Date') return { kind: 'date', duck, ch, nullable };
  if (base === 'Date32') return { kind: 'date32', duck, ch, nullable };
  if (base.includes('DateTime')) return { kind: 'datetime', duck, ch, nullable };
  if (base.includes('UUID')) return { kind: 'uuid', duck, ch, nullable };
  if (base === 'Bool' || base === 'Boolean') return { kind: 'bool', duck, ch, nullable };
  if (base.includes('Decimal')) {
    let m = /^Decimal\s*(?:\(\s*(\d+)(?:\s*,\s*(\d+))?\s*\))?$/.exec(base);
    let p: number, s: number;
    if (m) {
      p = Number(m[1] ?? 10);
      s = Number(m[2] ?? 0);
    } else if ((m = /^Decimal(32|64|128|256)\s*\(\s*(\d+)\s*\)$/.exec(base))) {
      p = DECIMAL_DIGITS[m[1]!]!;
      s = Number(m[2]);
    } else throw new SqlError(`Unsupported flavour of Decimal type: ${ch}`);
    if (p < s) throw new SqlError(`Unsupported flavour of Decimal type: ${ch}`);
    return { kind: 'decimal', duck, ch, nullable, precision: p, scale: s };
  }
  if (base.includes('JSON') || base.startsWith('Object')) return { kind: 'json', duck, ch, nullable };
  throw new SqlError(`Unsupported type: ${ch}`);
}

/** How messages are worded for one column; element conversions reuse their column's context. */
interface Ctx {
  /** Full message for a value of the wrong type (SQL expression). */
  readonly typeError: string;
  /** Full bounds message for the given rendered value (SQL expression). */
  readonly bounds: (valueSql: string, min: string, max: string) => string;
  /** Rendered value of the whole column value, used by DateTime bounds messages (SRV passes the column value). */
  readonly topValue: string;
  /** Message when a DateTime text/number cannot be parsed; null → typeError. */
  readonly dateParseError: string | null;
  /** Column name and jsonpath as printed (for FixedString). */
  readonly name: string;
  readonly jsonpath: string;
  /** Top-level Nullable date columns and nullable numeric/date elements turn bad values into NULL (SRV). */
  readonly nullOnBad: boolean;
}

interface Conv {
  readonly value: string;
  /** NULL when fine, else the message. */
  readonly err: string;
}

// Messages are built with placeholders for the rendered value and its Python type, filled in once per column and
// only on rows that failed, so the (large) Python-rendering SQL appears once per column.
const VALUE = 'chr(1)';
const TYPE = 'chr(2)';

const isNum = (x: string) => `${x}[1] NOT IN ('"', '{', '[', 't', 'f', 'n')`;
const isFloatText = (x: string) => `(contains(${x}, '.') OR contains(${x}, 'e') OR contains(${x}, 'E'))`;
/** Unescaped JSON string; the slice avoids a re-parse for strings without escapes (the common case). */
const strVal = (x: string) => `CASE WHEN contains(${x}, '\\') THEN json_extract_string(${x}, '$') ELSE ${x}[2:-2] END`;

function pyNum(x: string): string {
  return `CASE WHEN ${isFloatText(x)} THEN CAST(CAST(${x} AS DOUBLE) AS VARCHAR) ELSE ${x} END`;
}

type Pre = (expr: string, level: 1 | 2) => string;
const inline: Pre = (e) => `(${e})`;

/** Epoch microseconds of a JSON date value (NULL when unparseable), computed once per row via `pre`. */
function dateUs(x: string, pre: Pre): string {
  const sv = pre(`CASE WHEN ${x}[1] = '"' THEN ${strVal(x)} END`, 1);
  // `+00` first: DuckDB reads offset-less text in the session TimeZone, SRV reads it as UTC (the server's zone).
  // Texts with their own offset fail that and are read with the offset applied (TIMESTAMPTZ; plain TIMESTAMP
  // would drop it). Date-only text is a DATE.
  const tz = `try_cast(${sv} AS TIMESTAMPTZ)`;
  const fromText =
    `coalesce(epoch_us(try_cast(${sv} || '+00' AS TIMESTAMPTZ)), ` +
    `CASE WHEN length(${sv}) <= 10 THEN epoch_us(CAST(try_cast(${sv} AS DATE) AS TIMESTAMP)) ` +
    `WHEN isfinite(${tz}) THEN epoch_us(${tz}) END)`;
  // JSON numbers are unix seconds; when Python's fromtimestamp cannot represent them (year > 9999) they are
  // read as milliseconds (SRV/ndjson), and beyond that they fail.
  const d = pre(
    `CASE WHEN ${x} = 'true' THEN 1.0 WHEN ${x} = 'false' THEN 0.0 WHEN ${isNum(x)} THEN try_cast(${x} AS DOUBLE) END`,
    1,
  );
  const fromNumber =
    `CASE WHEN ${d} BETWEEN -62135596800 AND 253402300799.999999 THEN CAST(round(${d} * 1000000) AS BIGINT) ` +
    `WHEN ${d} BETWEEN -62135596800000 AND 253402300799999.999 THEN CAST(round(${d} * 1000) AS BIGINT) END`;
  return pre(`CASE WHEN ${sv} IS NOT NULL THEN ${fromText} WHEN ${d} IS NOT NULL THEN ${fromNumber} END`, 2);
}

/** The date/time value of epoch microseconds `us`, truncated to the type's precision. */
function dateValue(t: TypeInfo, us: string): string {
  if (t.kind === 'datetime') return `make_timestamp(${us} - ${us} % 1000000)`;
  if (t.kind === 'datetime64') {
    const p = t.precision!;
    return p >= 6 ? `make_timestamp(${us})` : `make_timestamp(${us} - ${us} % ${10 ** (6 - p)})`;
  }
  return `CAST('1970-01-01' AS DATE) + CAST(floor((${us} - ${us} % 1000000) / 86400000000) AS INTEGER)`;
}

let lambdaDepth = 0;

function convert(t: TypeInfo, x: string, ctx: Ctx, inElement: boolean, pre: Pre = inline): Conv {
  // Inside arrays/maps a JSON null is NULL for nullable elements and a type error otherwise.
  const nullElem = inElement
    ? (c: Conv): Conv => ({
        value: `CASE WHEN ${x} = 'null' THEN NULL ELSE ${c.value} END`,
        err: `CASE WHEN ${x} = 'null' THEN ${t.nullable ? 'NULL' : ctx.typeError} ELSE ${c.err} END`,
      })
    : (c: Conv) => c;
  // SRV nulls bad numbers inside Nullable arrays/maps, and bad dates in Nullable columns and elements.
  const soft = (bad: string) => (ctx.nullOnBad || (inElement && t.nullable) ? 'NULL' : bad);
  switch (t.kind) {
    case 'state':
      return { value: `CAST(NULL AS ${t.duck})`, err: lit(`${t.ch} columns are filled by materialized views, not by appended rows`) };
    case 'string':
    case 'json':
      return nullElem({
        value: `CASE WHEN ${x}[1] = '"' THEN ${strVal(x)} WHEN ${x}[1] = '{' THEN ${x} END`,
        err: `CASE WHEN ${x}[1] NOT IN ('"', '{') THEN ${ctx.typeError} END`,
      });
    case 'int': {
      const numericSoft = t.big ? (bad: string) => bad : (bad: string) => (inElement && t.nullable ? 'NULL' : bad);
      const d = `try_cast(${x} AS DOUBLE)`;
      const exact = pre(`try_cast(${x} AS ${t.duck})`, 1);
      return nullElem({
        value: `CASE WHEN ${x} = 'true' THEN 1 WHEN ${x} = 'false' THEN 0 WHEN ${isNum(x)} AND NOT ${isFloatText(x)} THEN ${exact} END`,
        err:
          `CASE WHEN ${x} IN ('true', 'false') THEN NULL WHEN ${isNum(x)} THEN CASE WHEN NOT ${isFloatText(x)} ` +
          `THEN CASE WHEN ${exact} IS NULL THEN ${numericSoft(ctx.bounds(x, t.min!, t.max!))} END ` +
          `WHEN ${d} < ${t.min} OR ${d} > ${t.max} THEN ${numericSoft(ctx.bounds(inElement ? pyNum(x) : VALUE, t.min!, t.max!))} ` +
          `ELSE ${numericSoft(ctx.typeError)} END ELSE ${numericSoft(ctx.typeError)} END`,
      });
    }
    case 'float': {
      const v = `CASE WHEN ${x} = 'true' THEN 1 WHEN ${x} = 'false' THEN 0 WHEN ${isNum(x)} THEN try_cast(${x} AS ${t.duck}) END`;
      const bad = inElement && t.nullable ? 'NULL' : ctx.typeError;
      return nullElem({ value: v, err: `CASE WHEN NOT isfinite(${v}) OR ${v} IS NULL THEN ${bad} END` });
    }
    case 'bool': {
      const v =
        `CASE WHEN ${x} = 'true' THEN true WHEN ${x} = 'false' THEN false ` +
        `WHEN ${isNum(x)} AND try_cast(${x} AS DOUBLE) = 0 THEN false WHEN ${isNum(x)} AND try_cast(${x} AS DOUBLE) = 1 THEN true END`;
      return nullElem({ value: v, err: `CASE WHEN ${v} IS NULL THEN ${ctx.typeError} END` });
    }
    case 'decimal': {
      const p = Math.min(t.precision!, 38);
      const s = Math.min(t.scale!, p);
      const max = (() => {
        const digits = '9'.repeat(t.precision!);
        const sc = t.scale!;
        return sc === 0 ? digits : sc === digits.length ? `0.${digits}` : `${digits.slice(0, -sc)}.${digits.slice(-sc)}`;
      })();
      // Python's Decimal(str|int|float|bool), rounded half-to-even to the scale (SRV: round(Decimal, scale)).
      const text = `CASE WHEN ${x}[1] = '"' THEN ${strVal(x)} WHEN ${isNum(x)} THEN ${x} WHEN ${x} = 'true' THEN '1' WHEN ${x} = 'false' THEN '0' END`;
      const wide = `DECIMAL(38, ${Math.min(38 - (p - s), s + 10)})`;
      const r = pre(`round_even(try_cast(${text} AS ${wide}), ${s})`, 1);
      return nullElem({
        value: `CASE WHEN ${r} BETWEEN -${max} AND ${max} THEN CAST(${r} AS ${t.duck}) END`,
        err:
          `CASE WHEN NOT coalesce(isfinite(try_cast(${text} AS DOUBLE)), false) THEN ${ctx.typeError} ` +
          `WHEN NOT coalesce(${r} BETWEEN -${max} AND ${max}, false) THEN ${ctx.bounds(inElement ? pyStr(x) : VALUE, `-${max}`, max)} END`,
      });
    }
    case 'uuid': {
      const s = strVal(x);
      const norm = `replace(trim(replace(replace(${s}, 'urn:', ''), 'uuid:', ''), '{}'), '-', '')`;
      const v = `CASE WHEN ${x}[1] = '"' AND regexp_full_match(${norm}, '[0-9a-fA-F]{32}') THEN try_cast(${norm} AS UUID) END`;
      return nullElem({ value: v, err: `CASE WHEN ${v} IS NULL THEN ${ctx.typeError} END` });
    }
    case 'fixedstring': {
      const s = strVal(x);
      return nullElem({
        value: `CASE WHEN ${x}[1] = '"' AND strlen(${s}) <= ${t.length} THEN ${s} END`,
        err:
          `CASE WHEN ${x}[1] <> '"' THEN ${ctx.typeError} WHEN strlen(${s}) > ${t.length} THEN ` +
          `'Value ''' || ${s} || ${lit(`' is too long for type '${t.ch}' in column '${ctx.name}' with jsonpath '${ctx.jsonpath}'.`)} END`,
      });
    }
    case 'datetime':
    case 'datetime64':
    case 'date':
    case 'date32': {
      const us = dateUs(x, pre);
      const [lo, hi, minStr, maxStr] = dateLimits(t.kind, t.duck);
      const inRange = `${us} BETWEEN ${lo} AND ${hi}`;
      const bounds = ctx.bounds(ctx.topValue, minStr, maxStr);
      const parseErr = ctx.dateParseError ?? ctx.typeError;
      const value = dateValue(t, us);
      return nullElem({
        value: `CASE WHEN ${inRange} THEN CAST(${value} AS ${t.duck}) END`,
        err: `CASE WHEN ${us} IS NULL THEN ${soft(parseErr)} WHEN NOT (${inRange}) THEN ${soft(bounds)} END`,
      });
    }
    case 'array': {
      const e = `__e${++lambdaDepth}`;
      const c = convert(t.elem!, e, { ...ctx, nullOnBad: false }, true);
      const elems = `CAST(json_extract(${x}, '$[*]') AS VARCHAR[])`;
      return {
        value: `CASE WHEN ${x}[1] = '[' THEN CAST(list_transform(${elems}, lambda ${e}: ${c.value}) AS ${t.duck}) END`,
        err:
          `CASE WHEN ${x}[1] <> '[' THEN ${ctx.typeError} ` +
          `ELSE list_filter(list_transform(${elems}, lambda ${e}: ${c.err}), lambda ${e}: ${e} IS NOT NULL)[1] END`,
      };
    }
    case 'map': {
      const e = `__e${++lambdaDepth}`;
      const m = `from_json(${x}, '"MAP(VARCHAR, JSON)"')`;
      const k = convert(t.key!, `CAST(to_json(${e}) AS VARCHAR)`, { ...ctx, nullOnBad: false }, true);
      const vx = `coalesce(${e}, 'null')`;
      const v = convert(t.value!, vx, { ...ctx, nullOnBad: false }, true);
      return {
        value:
          `CASE WHEN ${x}[1] = '{' THEN CAST(map(list_transform(map_keys(${m}), lambda ${e}: ${k.value}), ` +
          `list_transform(CAST(map_values(${m}) AS VARCHAR[]), lambda ${e}: ${v.value})) AS ${t.duck}) END`,
        err:
          `CASE WHEN ${x}[1] <> '{' THEN ${ctx.typeError} ELSE coalesce(` +
          `list_filter(list_transform(map_keys(${m}), lambda ${e}: ${k.err}), lambda ${e}: ${e} IS NOT NULL)[1], ` +
          `list_filter(list_transform(CAST(map_values(${m}) AS VARCHAR[]), lambda ${e}: ${v.err}), lambda ${e}: ${e} IS NOT NULL)[1]) END`,
      };
    }
    case 'tuple': {
      const items = t.items!.map((it, i) =>
        convert(it, `coalesce(CAST(json_extract(${x}, '$[${i}]') AS VARCHAR), 'null')`, { ...ctx, nullOnBad: false }, true),
      );
      const ok = `${x}[1] = '[' AND json_array_length(${x}) = ${items.length}`;
      return {
        value: `CASE WHEN ${ok} THEN CAST(ROW(${items.map((c) => c.value).join(', ')}) AS ${t.duck}) END`,
        err: `CASE WHEN NOT (${ok}) THEN ${ctx.typeError} ELSE coalesce(${items.map((c) => c.err).join(', ')}) END`,
      };
    }
  }
}

type Group = 'S' | 'D' | 'D64' | 'C';

interface ColumnPlan {
  readonly col: ColumnDef;
  readonly i: number;
  readonly path: JsonPath;
  readonly type: TypeInfo;
  /** Type as SRV prints it for this column (outer Nullable removed). */
  readonly meta: string;
  readonly group: Group;
  /** The one key of a `$.key` path, else null (SRV `simplepath`). */
  readonly key: string | null;
  /** SRV `is_nullable()`: Nullable, or an Array of Nullable elements. */
  readonly nullable: boolean;
}

/** SRV `heuristic`: the stable sort key that decides the order columns are checked in. */
function heuristic(t: string): number {
  let s = 0;
  if (t.includes('Array')) s += 1000;
  if (t.includes('Nullable')) s += 100;
  if (t.includes('16')) s += 10;
  if (t.includes('32')) s += 20;
  if (t.includes('64')) s += 30;
  if (t.includes('U')) s += 1;
  return s;
}

function planColumn(col: ColumnDef, i: number): ColumnPlan {
  const path = parseJsonPath(col.jsonpath ?? `$.${col.name}`);
  if (path.head.length === 0 && path.each !== null) throw new SqlError(`Invalid JSONPath ${path.text}: the root must be an object`);
  const meta = stripNullable(col.type);
  const nullableTop = col.nullable || meta !== col.type.trim();
  const type = analyzeType(meta, nullableTop || col.type.includes('Nullable'));
  const key = path.head.length === 1 && path.each === null ? path.head[0]! : null;
  let group: Group = 'C';
  if (key !== null && !nullableTop) {
    if (type.kind === 'string' || type.kind === 'json' || ((type.kind === 'int' || type.kind === 'float') && !type.big))
      group = 'S';
    else if (type.kind === 'datetime') group = 'D';
    else if (type.kind === 'datetime64') group = 'D64';
  }
  const nullable = nullableTop || (type.kind === 'array' && type.elem!.nullable);
  return { col, i, path, type: { ...type, nullable: nullableTop }, meta, group, key, nullable };
}

interface ColumnSql {
  readonly value: string;
  readonly err: string;
  /** Replaces the placeholders of an error template (column `tpl`) with the rendered value. */
  readonly fill: (tpl: string, py: string) => string;
  /** Python `str()` of the value (`rawX`), for messages and the quarantine copy. */
  readonly py: string;
  /** Boolean SQL: take the DEFAULT expression; null when the column has no DEFAULT. */
  readonly useDefault: string | null;
  readonly raw: string;
}

function columnSql(p: ColumnPlan, x: string, rawX: string, pre: Pre): ColumnSql {
  const { col, type, meta, group, key } = p;
  const name = col.name;
  const simple = group !== 'C';
  const jp = simple ? `$.${key}` : p.path.text;
  const label = type.nullable ? `Nullable(${meta})` : meta;
  const hasDefault = col.defaultExpr !== null;
  const nullMsg = lit(`Strict type checking failed. Null value not allowed on column '${name}'. While accessing jsonpath '${jp}'`);
  const missingMsg = lit(
    `Strict type checking failed. Object does not have column '${name}', you should send a value or recreate the table with a Nullable column type. While accessing jsonpath '${jp}'`,
  );
  const invalidJsonMsg = lit(`Strict type checking failed. The value on column '${name}' is not a valid JSON Object. While accessing jsonpath '${jp}'`);
  const strictMsg = (expected: string | null) =>
    `'Strict type checking failed. Value ' || ${VALUE} || ${lit(` on column '${name}' is a `)} || ${TYPE} || ` +
    lit(`${expected === null ? '' : ` when a ${expected} was expected`}. While accessing jsonpath '${jp}'`);
  let typeError: string;
  if (group === 'S' && type.kind === 'string') typeError = nullMsg; // SRV: `value.encode` AttributeError → NullNotAllowed
  else if (group === 'S' && type.kind === 'json') typeError = invalidJsonMsg;
  else if (group === 'S') {
    // SRV looks the type up by jsonpath key among column names: found only when the column is named like its key.
    typeError = strictMsg(name === key ? (hasDefault ? `${label} DEFAULT ${col.defaultExpr}` : label) : null);
  } else typeError = strictMsg(label);
  const dateParseError = simple
    ? lit(`Error DateTime parser failed. While processing column '${name}' with jsonpath '$.${key}'`)
    : null;
  const ctx: Ctx = {
    typeError: group === 'D' || group === 'D64' ? dateParseError! : typeError,
    bounds: (v, min, max) =>
      `'Value ' || ${v} || ${lit(` out of bounds for type '${meta}' in column '${name}' with jsonpath '${jp}'. Value must be between ${min} and ${max}`)}`,
    topValue: VALUE,
    dateParseError,
    name,
    jsonpath: jp,
    nullOnBad: type.nullable && ['date', 'date32', 'datetime', 'datetime64'].includes(type.kind),
  };
  const conv = convert(type, x, ctx, false, pre);
  const emptyValue = type.kind === 'array' && p.nullable ? `CAST([] AS ${type.duck})` : 'NULL';
  let missingErr: string, nullErr: string;
  if (group === 'S' && type.kind === 'json') missingErr = nullErr = invalidJsonMsg;
  else {
    missingErr = hasDefault || p.nullable ? 'NULL' : missingMsg;
    nullErr = p.nullable || hasDefault ? 'NULL' : nullMsg;
  }
  return {
    value: `CAST(CASE WHEN ${x} IS NULL OR ${x} = 'null' THEN ${emptyValue} ELSE ${conv.value} END AS ${type.duck})`,
    err: `CASE WHEN ${x} IS NULL THEN ${missingErr} WHEN ${x} = 'null' THEN ${nullErr} ELSE ${conv.err} END`,
    fill: (tpl, py) =>
      `CASE WHEN ${tpl} IS NULL THEN NULL WHEN contains(${tpl}, chr(1)) OR contains(${tpl}, chr(2)) ` +
      `THEN replace(replace(${tpl}, ${TYPE}, ${pyType(x)}), ${VALUE}, ${py}) ELSE ${tpl} END`,
    py: pyStr(rawX),
    useDefault: hasDefault ? (p.nullable ? `${x} IS NULL` : `(${x} IS NULL OR ${x} = 'null')`) : null,
    raw: `CASE WHEN ${x} IS NULL OR ${x} = 'null' THEN NULL ELSE __py${p.i} END`,
  };
}

/** First error of a group of columns in check order, and the name of its column. */
function firstError(cols: readonly ColumnPlan[]): { err: string; name: string } {
  if (cols.length === 0) return { err: 'CAST(NULL AS VARCHAR)', name: 'CAST(NULL AS VARCHAR)' };
  return {
    err: `coalesce(${cols.map((c) => `__e${c.i}`).join(', ')})`,
    name: `CASE ${cols.map((c) => `WHEN __e${c.i} IS NOT NULL THEN ${lit(c.col.name)}`).join(' ')} END`,
  };
}

/** Column plans, and the inputs every conversion reads: `__v` holds the JSON text at each distinct pointer. */
interface Prepared {
  readonly plans: readonly ColumnPlan[];
  /** JSON text of each column's value (SQL over `__v`/`__line`; NULL when missing), and its Python rendering input. */
  readonly inputs: readonly { x: string; rawX: string }[];
  readonly ptrList: string;
  readonly pointerCount: number;
}

function prepare(columns: readonly ColumnDef[]): Prepared {
  const plans = columns.map(planColumn);
  const pointers = new Map<string, number>();
  const pointerOf = (keys: readonly string[]) => {
    const ptr = jsonPointer(keys);
    if (!pointers.has(ptr)) pointers.set(ptr, pointers.size + 1);
    return `__v[${pointers.get(ptr)}]`;
  };
  const inputs = plans.map((p) => {
    if (p.path.head.length === 0) return { x: '__line', rawX: 'json(__line)' };
    const at = pointerOf(p.path.head);
    if (p.path.each === null) return { x: at, rawX: `__x${p.i}` };
    if (p.path.each.length === 0) return { x: `CASE WHEN ${at}[1] = '[' THEN ${at} END`, rawX: `__x${p.i}` };
    // `$.arr[:].f`: SRV reads f from every element; one element without it makes the whole column missing.
    const ptr = lit(jsonPointer(p.path.each));
    const items = `list_transform(CAST(json_extract(${at}, '$[*]') AS VARCHAR[]), lambda __it: CAST(json_extract(__it, ${ptr}) AS VARCHAR))`;
    return {
      x: `CASE WHEN ${at}[1] = '[' AND NOT list_contains(list_transform(${items}, lambda __it: __it IS NULL), true) THEN '[' || array_to_string(${items}, ',') || ']' END`,
      rawX: `__x${p.i}`,
    };
  });
  return { plans, inputs, ptrList: [...pointers.keys()].map(lit).join(', '), pointerCount: pointers.size };
}

// String functions copy the line, so they only run on the lines that need them (measured: 3 copies of every
// line cost more than the JSON parse).
const linesOf = (source: string) =>
  `SELECT __n, __line FROM (SELECT __n, CASE WHEN ends_with(__line, chr(13)) OR starts_with(__line, chr(65279)) ` +
  `THEN ltrim(rtrim(__line, chr(13)), chr(65279)) ELSE __line END AS __line FROM ${source}) ` +
  `WHERE CASE WHEN __line = '' THEN false WHEN __line[1] IN (' ', chr(9)) THEN trim(__line, ' ' || chr(9)) <> '' ELSE true END`;

/** Adds `__v`: the JSON text at every pointer, or NULL for the whole list when the line is not valid JSON. */
const parsedOf = (prep: Prepared, lines: string) =>
  prep.pointerCount
    ? `SELECT __n, __line, CAST(try(json_extract(__line, [${prep.ptrList}])) AS VARCHAR[]) AS __v FROM (${lines})`
    : `SELECT __n, __line, CASE WHEN json_valid(__line) THEN CAST([] AS VARCHAR[]) END AS __v FROM (${lines})`;

/**
 * A DuckDB SELECT reading relation `source` (columns `__line VARCHAR` = one raw NDJSON line, `__n BIGINT` = line number)
 * and producing, in this order: one column per datasource column, named exactly as the column, typed
 * `duckdbType(col.type)` (src/sql/types.ts), NULL where the row is quarantined; then
 * `__error_column VARCHAR[]` and `__error VARCHAR[]` (both empty lists for good rows), then one VARCHAR column per
 * datasource column named `__raw_<column name>` holding the raw value as text for the quarantine table (strings raw,
 * other values as Python's `str()` prints them, as Tinybird does; NULL when missing or null), then `__n` (the source's
 * line number, which tells apart the requests of a batch converted together). Blank lines are
 * dropped (not rows). Offset-less date texts are read as UTC whatever the session TimeZone.
 * This is the complete (slow) conversion; `planNdjsonConversion` runs it only for rows its fast path is unsure of.
 */
export function buildNdjsonConversion(columns: readonly ColumnDef[], source: string, opts: ConversionOptions = {}): string {
  lambdaDepth = 0;
  const prep = prepare(columns);
  const { plans, inputs } = prep;
  const order = plans.map((p) => p).sort((a, b) => heuristic(a.meta) - heuristic(b.meta));
  const inGroup = (g: Group) => order.filter((p) => p.group === g);
  // SRV checks non-nullable top-level String columns, then numbers, then DateTime, DateTime64, then the rest.
  const groupS = [
    ...inGroup('S').filter((p) => p.type.kind === 'string' || p.type.kind === 'json'),
    ...inGroup('S').filter((p) => p.type.kind === 'int' || p.type.kind === 'float'),
  ];
  const hasSimple = order.some((p) => p.group !== 'C');

  const preCols: [string[], string[]] = [[], []];
  const preNames = new Map<string, string>();
  const pre: Pre = (expr, level) => {
    let name = preNames.get(expr);
    if (!name) {
      name = `__p${preNames.size}`;
      preNames.set(expr, name);
      preCols[level - 1]!.push(`${expr} AS ${name}`);
    }
    return name;
  };
  const sqls = plans.map((p) => columnSql(p, `__x${p.i}`, inputs[p.i]!.rawX, pre));

  const parsed = parsedOf(prep, linesOf(source));
  const extracted =
    `SELECT __n, __line, __v IS NOT NULL AS __ok, CASE WHEN __line[1] = '{' THEN '{' ELSE ltrim(__line, ' ' || chr(9))[1] END AS __rc` +
    plans.map((p) => `, ${inputs[p.i]!.x} AS __x${p.i}`).join('') +
    ` FROM (${parsed})`;
  let withPre = extracted;
  for (const cols of preCols) if (cols.length) withPre = `SELECT *, ${cols.join(', ')} FROM (${withPre})`;
  const converted =
    `SELECT *` +
    plans
      .map((p) => {
        const s = sqls[p.i]!;
        return `, ${s.value} AS __c${p.i}, ${s.err} AS __t${p.i}` + (s.useDefault ? `, ${s.useDefault} AS __d${p.i}` : '');
      })
      .join('') +
    ` FROM (${withPre})`;
  // Python renderings only for rows that will be quarantined.
  const anyError = plans.map((p) => `__t${p.i} IS NOT NULL`).join(' OR ') || 'false';
  const rendered =
    `SELECT *` +
    plans.map((p) => `, CASE WHEN (${anyError}) AND __x${p.i} IS NOT NULL THEN ${sqls[p.i]!.py} END AS __py${p.i}`).join('') +
    ` FROM (${converted})`;
  const filled =
    `SELECT *` + plans.map((p) => `, ${sqls[p.i]!.fill(`__t${p.i}`, `__py${p.i}`)} AS __e${p.i}`).join('') + ` FROM (${rendered})`;

  const S = firstError(groupS);
  const D = firstError(inGroup('D'));
  const D64 = firstError(inGroup('D64'));
  const C = firstError(inGroup('C'));
  const notNull = 'lambda __m: __m IS NOT NULL';
  const assemble = (pick: (g: { err: string; name: string }) => string, invalid: string, root: string) =>
    `CASE WHEN NOT __ok THEN [${invalid}]` +
    (hasSimple ? ` WHEN __rc <> '{' THEN [${root}]` : '') +
    ` WHEN ${S.err} IS NOT NULL THEN [${pick(S)}]` +
    ` WHEN coalesce(${D.err}, ${D64.err}, ${C.err}) IS NULL THEN CAST([] AS VARCHAR[])` +
    ` WHEN starts_with(${D.err}, 'Strict') THEN [${pick(D)}]` +
    ` ELSE list_filter([${pick(D)}, ${pick(D64)}, CASE WHEN starts_with(${D64.err}, 'Strict') THEN NULL ELSE ${pick(C)} END], ${notNull}) END`;
  const errorList = assemble(
    (g) => g.err,
    `'Line is not a valid JSON: ''' || __line || ''''`,
    `'JSON root must be an object, but it was a ' || ${pyType('__rc')}`,
  );
  const errorColumns = assemble((g) => g.name, "''", "''");
  const wholeLine = hasSimple ? `__ok AND __rc = '{'` : '__ok';
  const checked =
    `SELECT *, ${errorColumns} AS __error_column, ${errorList} AS __error FROM (${filled})`;
  const withRaw =
    `SELECT ` +
    plans.map((p) => `CASE WHEN len(__error) = 0 THEN __c${p.i} END AS ${ident(p.col.name)}`).join(', ') +
    `, __error_column, __error, ` +
    plans.map((p) => `CASE WHEN len(__error) > 0 AND ${wholeLine} THEN ${sqls[p.i]!.raw} END AS ${ident(`__raw_${p.col.name}`)}`).join(', ') +
    plans.map((p) => (sqls[p.i]!.useDefault ? `, __d${p.i} AND len(__error) = 0 AS __d${p.i}` : '')).join('') +
    `, __n FROM (${checked})`;
  if (!plans.some((p) => sqls[p.i]!.useDefault)) return withRaw;
  // Defaults run on a level where the columns already carry their names, so `DEFAULT toDate(ts)` can refer to them.
  const translate = opts.translateExpr ?? ((e: string) => e);
  return (
    `SELECT ` +
    plans
      .map((p) => {
        const name = ident(p.col.name);
        if (!sqls[p.i]!.useDefault) return name;
        return `CASE WHEN __d${p.i} THEN CAST((${translate(p.col.defaultExpr!)}) AS ${p.type.duck}) ELSE ${name} END AS ${name}`;
      })
      .join(', ') +
    `, __error_column, __error, ` +
    plans.map((p) => ident(`__raw_${p.col.name}`)).join(', ') +
    `, __n FROM (${withRaw})`
  );
}

/**
 * Fast conversion of one column: `value` (SQL over the JSON text `x`) and `ok`, a boolean SQL over `__f<i>` (the
 * value) that is true only when the full conversion gives this very value with no error and no DEFAULT. It uses
 * the same DuckDB functions as the full conversion's first branch, so "ok" values are equal by construction; the
 * rarer forms (bools into numbers, unix-time dates, escaped date texts, defaults...) are left to the full conversion.
 */
function fastColumn(p: ColumnPlan, x: string): { value: string; ok: string } | null {
  const { type } = p;
  if (p.path.head.length === 0 || p.path.each !== null) return null;
  const f = `__f${p.i}`;
  let value: string, ok: string;
  switch (type.kind) {
    case 'string':
    case 'json':
      value = `CASE WHEN ${x}[1] = '"' THEN ${strVal(x)} WHEN ${x}[1] = '{' THEN ${x} END`;
      ok = `${f} IS NOT NULL`;
      break;
    case 'int':
      if (type.big) return null;
      // Quoted texts, objects, arrays and true/false/null never cast; JSON numbers with a fraction or exponent are
      // type or bounds errors.
      value = `CASE WHEN NOT ${isFloatText(x)} THEN try_cast(${x} AS ${type.duck}) END`;
      ok = `${f} IS NOT NULL`;
      break;
    case 'float':
      value = `try_cast(${x} AS ${type.duck})`;
      ok = `isfinite(${f})`;
      break;
    case 'bool':
      value = `CASE WHEN ${x} = 'true' THEN true WHEN ${x} = 'false' THEN false END`;
      ok = `${f} IS NOT NULL`;
      break;
    case 'datetime':
    case 'datetime64':
    case 'date':
    case 'date32': {
      // Epoch microseconds as `dateUs` computes them from unescaped text, without its last resort (texts with
      // their own offset) and without numbers.
      // Texts of exactly `YYYY-MM-DD hh:mm:ss` (or with a T) have no room for an offset or zone, so the cheaper
      // TIMESTAMP cast reads them as the TIMESTAMPTZ cast with `+00` does (measured: ~20% less CPU a date column).
      const sv = `${x}[2:-2]`;
      value =
        `CASE WHEN ${x} LIKE '"____-__-__ __:__:__"' OR ${x} LIKE '"____-__-__T__:__:__"' THEN epoch_us(try_cast(${sv} AS TIMESTAMP)) ` +
        `WHEN ${x}[1] = '"' AND NOT contains(${x}, '\\') THEN coalesce(epoch_us(try_cast(${sv} || '+00' AS TIMESTAMPTZ)), ` +
        `CASE WHEN length(${sv}) <= 10 THEN epoch_us(CAST(try_cast(${sv} AS DATE) AS TIMESTAMP)) END) END`;
      const [lo, hi] = dateLimits(type.kind, type.duck);
      ok = `${f} BETWEEN ${lo} AND ${hi}`;
      break;
    }
    default:
      return null;
  }
  // Every fast `value` is NULL for `null` and for a missing value, so non-nullable columns need no extra test.
  // A missing value takes the DEFAULT (full conversion); `null` in a Nullable column is NULL either way.
  if (p.nullable) ok = `(${p.col.defaultExpr === null ? `${x} IS NULL OR ` : ''}${x} = 'null' OR ${ok})`;
  return { value, ok };
}

/** What the fast path writes into a column of `__batch` for a row it accepted. */
function fastOutput(p: ColumnPlan): string {
  const f = `__f${p.i}`;
  if (['datetime', 'datetime64', 'date', 'date32'].includes(p.type.kind)) return `CAST(${dateValue(p.type, f)} AS ${p.type.duck})`;
  return `CAST(${f} AS ${p.type.duck})`;
}

/**
 * Per column, for the fast path: SQL computing `__f<i>` (and `__k<i>`) from the column's JSON text `xOf(p)`, the
 * boolean SQL saying the full conversion gives exactly that value with no error and no DEFAULT, and the value to
 * store.
 */
function acceptColumns(plans: readonly ColumnPlan[], xOf: (p: ColumnPlan) => string): { level1: string[]; oks: string[]; outputs: string[] } {
  const level1: string[] = [];
  const oks: string[] = [];
  const outputs: string[] = [];
  for (const p of plans) {
    const x = xOf(p);
    const fast = fastColumn(p, x);
    if (fast) {
      level1.push(`${fast.value} AS __f${p.i}`);
      oks.push(fast.ok);
      outputs.push(fastOutput(p));
    } else {
      // The full conversion of this column alone, so the fast path stays exact for any type.
      const c = columnSql(p, x, x, inline);
      level1.push(`${c.value} AS __f${p.i}`, `${c.err} IS NULL${c.useDefault ? ` AND NOT ${c.useDefault}` : ''} AS __k${p.i}`);
      oks.push(`__k${p.i}`);
      outputs.push(`__f${p.i}`);
    }
  }
  return { level1, oks, outputs };
}

/** Short stable hash naming a column set's batch table. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Relation of NDJSON lines bound as parameter $1 (one string), numbered from 1. */
export const NDJSON_PARAM_SOURCE = `(SELECT unnest(l) AS __line, generate_subscripts(l, 1) AS __n FROM (SELECT string_split($1, chr(10)) AS l))`;

/** Anything with the engine Session's `run`/`query` (src/engine/database.ts); this module stays free of DuckDB. */
export interface SqlSession {
  run(sql: string, params?: readonly string[]): Promise<void>;
  query(sql: string): Promise<{ readonly rows: readonly (readonly unknown[])[] }>;
}

/**
 * How to convert a batch into `temp.<table>`: run `create`, `clear`, then `fast` (the body bound as `$1` when the
 * plan's source reads it), then, only when `counts` shows pending rows, run `slow` in order. The table then holds the
 * output of `buildNdjsonConversion` (the ds columns, `__error_column`, `__error`, the `__raw_<col>` columns, `__n`)
 * followed by a `__pending` VARCHAR column that is NULL in every row by then. Rows the full conversion handled come
 * after the others.
 */
export interface ConversionPlan {
  /** The temp table the batch is converted into (`temp.<table>`), one per column set. */
  readonly table: string;
  /**
   * Creates the table when this connection lacks it. The table is never replaced: DDL on it would make DuckDB
   * re-plan the prepared `fast` statement (most of a small batch's cost), and a prepared CREATE TABLE AS loses its
   * columns when re-executed (DuckDB 1.5).
   */
  readonly create: string;
  /** Empties the table (before a batch, and after the engine copied it out, to free the memory). */
  readonly clear: string;
  /** Converts the body bound as `$1`; prepare it once per connection. */
  readonly fast: string;
  /** One row: [rows accepted, rows quarantined, rows pending] (BIGINTs). */
  readonly counts: string;
  readonly slow: readonly string[];
  /**
   * Inserts the batch (body bound as `$1`, as for `fast`) straight into `into` (a table with exactly the data
   * source's columns, in order), with no conversion table in between, when every line is one the fast path
   * accepts; the first line it does not accept fails the statement with `DIRECT_MISS` (run it in a transaction
   * and roll back, then convert the batch with the other statements). It changes one row per non-blank line, the
   * rows `countNdjsonRows` counts.
   */
  readonly direct: (into: string) => string;
}

/** Text of the error a `direct` statement fails with when a line needs the full conversion. */
export const DIRECT_MISS = 'duckbird: a line needs the full row conversion';

/**
 * The rows the conversion makes of `body` split at newlines (`linesOf` and NDJSON_PARAM_SOURCE): every line but the
 * blank ones (empty or spaces and tabs, after dropping trailing CRs and leading BOMs). Lines that start with `{`
 * (nearly all) are counted without looking further.
 */
export function countNdjsonRows(body: string): number {
  let n = 0;
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    if (body.charCodeAt(start) === 0x7b || !blankLine(body.slice(start, end))) n++;
    start = end + 1;
  }
  return n;
}

function blankLine(line: string): boolean {
  const l = line.endsWith('\r') || line.startsWith('\ufeff') ? line.replace(/\r+$/, '').replace(/^\ufeff+/, '') : line;
  return /^[ \t]*$/.test(l);
}

/**
 * Plans the conversion of one data source's batches (do it once per data source). The fast path accepts, with a
 * small expression tree, every line whose values all come in the common forms, and the full conversion
 * (`buildNdjsonConversion`) handles the others in a second statement. `source` must yield `__line` and `__n`.
 */
export function planNdjsonConversion(
  columns: readonly ColumnDef[],
  opts: ConversionOptions = {},
  source: string = NDJSON_PARAM_SOURCE,
): ConversionPlan {
  lambdaDepth = 0;
  const prep = prepare(columns);
  const { plans, inputs } = prep;
  const table = `__batch_${fnv1a(JSON.stringify([columns, source]))}`;
  const into = `temp.${ident(table)}`;
  const { level1, oks, outputs } = acceptColumns(plans, (p) => inputs[p.i]!.x);
  // The full conversion reports any line that does not start with `{` (after CR/BOM removal) as an error or reads
  // it whole (`$` columns); either way it is not for the fast path.
  const ok = `coalesce(${[`__v IS NOT NULL`, `__line[1] = '{'`, ...oks].join(' AND ')}, false)`;
  const accepted =
    `SELECT __n, __line, ${ok} AS __ok` +
    plans.map((p) => `, __f${p.i}`).join('') +
    ` FROM (SELECT __n, __line, __v, ${level1.join(', ')} FROM (${parsedOf(prep, linesOf(source))}))`;
  const create =
    `CREATE TEMP TABLE IF NOT EXISTS ${ident(table)} (` +
    plans.map((p) => `${ident(p.col.name)} ${p.type.duck}, `).join('') +
    `__error_column VARCHAR[], __error VARCHAR[]` +
    plans.map((p) => `, ${ident(`__raw_${p.col.name}`)} VARCHAR`).join('') +
    `, __n BIGINT, __pending VARCHAR)`;
  const fast =
    `INSERT INTO ${into} SELECT ` +
    plans.map((p) => `CASE WHEN __ok THEN ${outputs[p.i]} END, `).join('') +
    `CASE WHEN __ok THEN CAST([] AS VARCHAR[]) END, CASE WHEN __ok THEN CAST([] AS VARCHAR[]) END` +
    plans.map(() => `, NULL`).join('') +
    `, __n, CASE WHEN NOT __ok THEN __line END FROM (${accepted})`;
  const pendingSource = `(SELECT __pending AS __line, __n FROM ${into} WHERE __pending IS NOT NULL)`;
  const direct = (target: string) =>
    `INSERT INTO ${target} SELECT ${plans.map((p) => outputs[p.i]).join(', ')} FROM (${accepted}) ` +
    `WHERE CASE WHEN __ok THEN true ELSE error(${lit(DIRECT_MISS)}) END`;
  return {
    table,
    create,
    clear: `TRUNCATE ${into}`,
    fast,
    counts:
      'SELECT count(*) FILTER (WHERE __pending IS NULL AND len(__error) = 0), count(*) FILTER (WHERE len(__error) > 0), ' +
      `count(*) FILTER (WHERE __pending IS NOT NULL) FROM ${into}`,
    slow: [
      `INSERT INTO ${into} SELECT *, NULL FROM (${buildNdjsonConversion(columns, pendingSource, opts)})`,
      `DELETE FROM ${into} WHERE __pending IS NOT NULL`,
    ],
    direct,
  };
}

/**
 * `direct` for a batch written as NDJSON files (their glob bound as `$1`), read by DuckDB's JSON reader with one
 * JSON-typed column per key (one parse per line, no line copies: measured 1.3-1.9x less CPU a row than `direct`
 * over the CSV reader and `json_extract`), then the fast path's checks on the same JSON texts. It accepts only lines the full conversion converts
 * with no error, no DEFAULT and the same values, and fails like `direct` otherwise (`DIRECT_MISS`, or the reader's
 * own error). The reader differs from the line split in ways that only ever fail the statement or accept a line
 * the full conversion reads the same: it fails on BOMs, lines that are not objects (but `null`, see below),
 * duplicate keys among the columns' keys and text after the object; it skips blank lines (also with CRs) like
 * `countNdjsonRows`; it accepts spaces before `{` (the full conversion then reads the object the same: no `$`
 * column here). JSON null and a missing key are both SQL NULL, so a Nullable column with a DEFAULT accepts neither.
 * Null when the columns need more than top-level keys (`$`, `$.a.b`, `[:]` paths), or two keys equal up to case
 * (DuckDB column names).
 */
export function planNdjsonFileDirect(columns: readonly ColumnDef[]): ((into: string) => string) | null {
  lambdaDepth = 0;
  const { plans } = prepare(columns);
  const keys = new Map<string, number>();
  const folded = new Set<string>();
  for (const p of plans) {
    const key = p.path.each === null && p.path.head.length === 1 ? p.path.head[0]! : null;
    if (key === null || key === '') return null;
    if (keys.has(key)) continue;
    if (folded.has(key.toLowerCase())) return null;
    folded.add(key.toLowerCase());
    keys.set(key, keys.size);
  }
  const xOf = (p: ColumnPlan) => `__j${keys.get(p.path.head[0]!)}`;
  const { level1, oks, outputs } = acceptColumns(plans, xOf);
  // A `null` line reads as a row of NULLs: some column must refuse NULL, or some value must be there.
  const nullFree = plans.some((p) => !p.nullable || p.col.defaultExpr !== null);
  const notNullLine = nullFree ? [] : [`NOT (${[...keys.values()].map((k) => `__j${k} IS NULL`).join(' AND ')})`];
  const ok = `coalesce(${[...oks, ...notNullLine].join(' AND ')}, false)`;
  const js = [...keys.values()].map((k) => `__j${k}`);
  // VARCHAR, not JSON: comparisons with JSON would parse the other side as JSON.
  const reader =
    `(SELECT ${js.map((j) => `CAST(${j} AS VARCHAR) AS ${j}`).join(', ')} FROM read_json($1, format = 'newline_delimited', ` +
    `records = true, columns = {${[...keys.keys()].map((k) => `${lit(k)}: 'JSON'`).join(', ')}}) AS __r(${js.join(', ')}))`;
  return (into) =>
    `INSERT INTO ${into} SELECT ${outputs.join(', ')} FROM (SELECT ${js.join(', ')}, ${level1.join(', ')} FROM ${reader}) ` +
    `WHERE CASE WHEN ${ok} THEN true ELSE error(${lit(DIRECT_MISS)}) END`;
}

/** Runs a plan on one held connection; leaves the converted batch in `temp.<plan.table>`. */
export async function runNdjsonConversion(
  plan: ConversionPlan,
  session: SqlSession,
  body: string,
): Promise<{ successfulRows: number; quarantinedRows: number }> {
  await session.run(plan.create);
  await session.run(plan.clear);
  await session.run(plan.fast, [body]);
  let [good, bad, pending] = (await session.query(plan.counts)).rows[0]!.map(Number) as [number, number, number];
  if (pending > 0) {
    for (const sql of plan.slow) await session.run(sql);
    [good, bad, pending] = (await session.query(plan.counts)).rows[0]!.map(Number) as [number, number, number];
  }
  return { successfulRows: good, quarantinedRows: bad };
}

export { quarantineColumns } from './quarantine-schema.ts';
