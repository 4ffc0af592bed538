// ClickHouse type names <-> DuckDB types. DateTime precision is kept through DuckDB's timestamp units so
// `meta` can report `DateTime` vs `DateTime64(3)` from the result type alone (spec §3.5).
// DateTime is DuckDB's plain TIMESTAMP (microseconds, holding whole seconds: ingest and the function library
// truncate), not TIMESTAMP_S: Parquet has no seconds unit, and the cast a view would need to turn the stored
// TIMESTAMP back into TIMESTAMP_S stops DuckDB from pushing time filters into the Parquet scan (row-group
// pruning). DateTime64(1..3) is TIMESTAMP_MS and DateTime64(4..9) TIMESTAMP_NS, so results of the latter report
// DateTime64(9) in `meta` whatever precision was declared (README: known differences).
import { SqlError } from '../errors.ts';
import { aggregateStateType } from './aggregate-states.ts';

const SIMPLE: Record<string, string> = {
  String: 'VARCHAR',
  UUID: 'UUID',
  Bool: 'BOOLEAN',
  Boolean: 'BOOLEAN',
  Int8: 'TINYINT',
  Int16: 'SMALLINT',
  Int32: 'INTEGER',
  Int64: 'BIGINT',
  Int128: 'HUGEINT',
  Int256: 'HUGEINT',
  UInt8: 'UTINYINT',
  UInt16: 'USMALLINT',
  UInt32: 'UINTEGER',
  UInt64: 'UBIGINT',
  UInt128: 'UHUGEINT',
  UInt256: 'UHUGEINT',
  Float32: 'FLOAT',
  Float64: 'DOUBLE',
  Date: 'DATE',
  Date32: 'DATE',
  DateTime: 'TIMESTAMP',
  IPv4: 'VARCHAR',
  IPv6: 'VARCHAR',
  JSON: 'VARCHAR',
  Object: 'VARCHAR',
};

/** Splits `a, Tuple(b, c), d` at top-level commas. */
export function splitTypeArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote = false;
  for (const ch of s) {
    if (ch === "'" ) quote = !quote;
    if (!quote && ch === '(') depth++;
    if (!quote && ch === ')') depth--;
    if (!quote && depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function parseCall(t: string): { name: string; args: string | null } {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?$/s.exec(t.trim());
  if (!m) throw new SqlError(`Unknown type ${t}`);
  return { name: m[1]!, args: m[2] ?? null };
}

/** Removes Nullable(...) and LowCardinality(...) wrappers. */
export function unwrapType(chType: string): string {
  let t = chType.trim();
  for (;;) {
    const { name, args } = parseCall(t);
    if ((name === 'Nullable' || name === 'LowCardinality') && args !== null) t = args.trim();
    else return t;
  }
}

/** DuckDB type of DateTime64(precision): DateTime64(0) holds whole seconds like DateTime. */
export function datetime64Type(precision: number): string {
  return precision <= 0 ? 'TIMESTAMP' : precision <= 3 ? 'TIMESTAMP_MS' : 'TIMESTAMP_NS';
}

/** DuckDB type for a ClickHouse column type (Nullable/LowCardinality only change nullability here). */
export function duckdbType(chType: string): string {
  const t = unwrapType(chType);
  const { name, args } = parseCall(t);
  if (args === null || name === 'DateTime') {
    const simple = SIMPLE[name];
    if (simple) return simple;
  }
  switch (name) {
    case 'DateTime64': {
      const p = Number(splitTypeArgs(args ?? '3')[0] ?? 3);
      return datetime64Type(p);
    }
    case 'Decimal': {
      const [p, s] = splitTypeArgs(args ?? '10, 0');
      return `DECIMAL(${Math.min(Number(p), 38)}, ${Number(s ?? 0)})`;
    }
    case 'Decimal32':
      return `DECIMAL(9, ${Number(args)})`;
    case 'Decimal64':
      return `DECIMAL(18, ${Number(args)})`;
    case 'Decimal128':
    case 'Decimal256':
      return `DECIMAL(38, ${Number(args)})`;
    case 'FixedString':
      return 'VARCHAR';
    case 'Enum8':
    case 'Enum16':
      return 'VARCHAR';
    case 'Array':
      return `${duckdbType(args!)}[]`;
    case 'Map': {
      const [k, v] = splitTypeArgs(args!);
      return `MAP(${duckdbType(k!)}, ${duckdbType(v!)})`;
    }
    case 'Tuple': {
      const parts = splitTypeArgs(args!).map((p, i) => {
        const named = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.+)$/s.exec(p);
        return named && !/^[A-Z][A-Za-z0-9]*\s*\(/.test(p) && !(named[1]! in SIMPLE)
          ? `"${named[1]}" ${duckdbType(named[2]!)}`
          : `"${i + 1}" ${duckdbType(p)}`;
      });
      return `STRUCT(${parts.join(', ')})`;
    }
    case 'AggregateFunction': {
      // A persistent -State value (representation: aggregate-states.ts).
      const [spec, ...argTypes] = splitTypeArgs(args ?? '');
      const state = spec === undefined ? null : aggregateStateType(spec, argTypes.map(duckdbType));
      if (state === null) throw new SqlError(`Unsupported type ${chType}`);
      return state;
    }
    case 'SimpleAggregateFunction': {
      const parts = splitTypeArgs(args!);
      return duckdbType(parts[parts.length - 1]!);
    }
    default:
      throw new SqlError(`Unsupported type ${chType}`);
  }
}

const DUCK_TO_CH: Record<string, string> = {
  VARCHAR: 'String',
  BLOB: 'String',
  UUID: 'UUID',
  BOOLEAN: 'Bool',
  TINYINT: 'Int8',
  SMALLINT: 'Int16',
  INTEGER: 'Int32',
  BIGINT: 'Int64',
  HUGEINT: 'Int128',
  UTINYINT: 'UInt8',
  USMALLINT: 'UInt16',
  UINTEGER: 'UInt32',
  UBIGINT: 'UInt64',
  UHUGEINT: 'UInt128',
  FLOAT: 'Float32',
  DOUBLE: 'Float64',
  DATE: 'Date',
  TIMESTAMP_S: 'DateTime',
  TIMESTAMP: 'DateTime',
  'TIMESTAMP WITH TIME ZONE': 'DateTime',
  TIMESTAMP_MS: 'DateTime64(3)',
  TIMESTAMP_NS: 'DateTime64(9)',
  TIME: 'String',
  INTERVAL: 'IntervalSecond',
  NULL: 'Nullable(Nothing)',
  '"NULL"': 'Nullable(Nothing)',
};

/** ClickHouse type name for a DuckDB result type string (as DuckDB prints it). */
export function clickhouseType(duckType: string, nullable = false): string {
  const t = duckType.trim();
  let base: string;
  if (t.endsWith('[]')) base = `Array(${clickhouseType(t.slice(0, -2), false)})`;
  else if (/^DECIMAL\(/i.test(t)) base = t.replace(/^DECIMAL\((\d+),\s*(\d+)\)$/i, 'Decimal($1, $2)');
  else if (/^MAP\(/i.test(t)) {
    const [k, v] = splitTypeArgs(t.slice(4, -1));
    base = `Map(${clickhouseType(k!)}, ${clickhouseType(v!)})`;
  } else if (/^STRUCT\(/i.test(t)) {
    const parts = splitTypeArgs(t.slice(7, -1)).map((p) => {
      const m = /^("(?:[^"]|"")*"|[^\s]+)\s+(.+)$/s.exec(p);
      return m ? clickhouseType(m[2]!) : clickhouseType(p);
    });
    base = `Tuple(${parts.join(', ')})`;
  } else base = DUCK_TO_CH[t.toUpperCase()] ?? 'String';
  return nullable && !base.startsWith('Array(') && !base.startsWith('Map(') && !base.startsWith('Tuple(')
    ? `Nullable(${base})`
    : base;
}
