// Small NDJSON batches checked in JavaScript, for DuckDB's Appender: a 1-row batch through the prepared direct
// INSERT costs ~2.6 ms of CPU, mostly planning and running the conversion's expression tree, while appending the
// row costs ~1 ms. It takes only what the SQL fast path (row-conversion.ts `fastColumn`) takes, and only where the
// value is certainly the one the full conversion gives (spec §2.4); anything doubtful returns null and the SQL
// path runs unchanged. Deliberately narrower than the SQL fast path:
// - flat objects only: every value a string without escapes, a number, true, false or null (nested values,
//   backslashes, CRs, BOMs, lone surrogates, duplicate keys or text around the object: null);
// - columns read by `$.key` paths of String, Bool, (U)Int8..64, Float32/64, Date, Date32, DateTime (no zone) and
//   DateTime64(p) (no zone), maybe Nullable / LowCardinality; any other column makes the data source never use it;
// - dates only as `YYYY-MM-DD`, `YYYY-MM-DD hh:mm:ss` or `YYYY-MM-DDThh:mm:ss` (read as UTC, like the conversion).
import type { ColumnDef } from '../datafiles/types.ts';
import { duckdbType, unwrapType } from '../sql/types.ts';
import { parseJsonPath } from './jsonpath.ts';
import { dateLimits } from './row-conversion.ts';
import type { AppendType } from '../engine/database.ts';

/** DuckDB types a column may have here; values come as `FastValue`s of the matching JS shape (see `JsFastRows`). */
export type FastType = AppendType;

export type FastValue = string | number | bigint | boolean | null;

export interface JsFastRows {
  /** DuckDB type of each column, in the data source's column order. */
  readonly types: readonly FastType[];
  /**
   * The rows of `body` (one per line `countNdjsonRows` counts), each value in its column's shape: VARCHAR string,
   * BOOLEAN boolean, TINYINT..UINTEGER/FLOAT/DOUBLE number, BIGINT/UBIGINT bigint, DATE days since 1970-01-01
   * (number), TIMESTAMP/_MS/_NS bigint micro/milli/nanoseconds since the epoch, NULL null. Null when any line
   * needs the SQL conversion.
   */
  rows(body: string): FastValue[][] | null;
}

type Kind = 'string' | 'bool' | 'int' | 'float32' | 'float64' | 'date' | 'date32' | 'datetime' | 'datetime64';

interface Column {
  readonly key: string;
  readonly kind: Kind;
  readonly duck: FastType;
  readonly nullable: boolean;
  readonly hasDefault: boolean;
  readonly min?: bigint;
  readonly max?: bigint;
  /** Valid range in epoch microseconds (dates). */
  readonly lo?: bigint;
  readonly hi?: bigint;
}

const INTS: Record<string, [FastType, bigint, bigint]> = {
  Int8: ['TINYINT', -128n, 127n],
  Int16: ['SMALLINT', -32768n, 32767n],
  Int32: ['INTEGER', -2147483648n, 2147483647n],
  Int64: ['BIGINT', -9223372036854775808n, 9223372036854775807n],
  UInt8: ['UTINYINT', 0n, 255n],
  UInt16: ['USMALLINT', 0n, 65535n],
  UInt32: ['UINTEGER', 0n, 4294967295n],
  UInt64: ['UBIGINT', 0n, 18446744073709551615n],
};

function planColumn(col: ColumnDef): Column | null {
  const path = parseJsonPath(col.jsonpath ?? `$.${col.name}`);
  if (path.each !== null || path.head.length !== 1 || path.head[0] === '') return null;
  const declared = col.type.trim();
  // As row-conversion.ts `planColumn`: an outer Nullable, also inside LowCardinality.
  const nullable = col.nullable || /^Nullable\s*\(/.test(declared) || /^LowCardinality\s*\(\s*Nullable\s*\(/.test(declared);
  const base = unwrapType(declared);
  let duck: string;
  try {
    duck = duckdbType(declared);
  } catch {
    return null;
  }
  const common = { key: path.head[0]!, nullable, hasDefault: col.defaultExpr !== null };
  const int = INTS[base];
  if (int) return duck === int[0] ? { ...common, kind: 'int', duck: int[0], min: int[1], max: int[2] } : null;
  const dated = (kind: 'datetime' | 'datetime64' | 'date' | 'date32'): Column => {
    const [lo, hi] = dateLimits(kind, duck);
    return { ...common, kind, duck: duck as FastType, lo, hi };
  };
  switch (base) {
    case 'String':
      return duck === 'VARCHAR' ? { ...common, kind: 'string', duck } : null;
    case 'Bool':
    case 'Boolean':
      return duck === 'BOOLEAN' ? { ...common, kind: 'bool', duck } : null;
    case 'Float32':
      return duck === 'FLOAT' ? { ...common, kind: 'float32', duck } : null;
    case 'Float64':
      return duck === 'DOUBLE' ? { ...common, kind: 'float64', duck } : null;
    case 'Date':
      return duck === 'DATE' ? dated('date') : null;
    case 'Date32':
      return duck === 'DATE' ? dated('date32') : null;
    case 'DateTime':
      return duck === 'TIMESTAMP' ? dated('datetime') : null;
  }
  // A time zone argument (DateTime64(3, 'UTC')) or a missing precision: left to the SQL path.
  if (/^DateTime64\s*\(\s*\d\s*\)$/.test(base) && ['TIMESTAMP', 'TIMESTAMP_MS', 'TIMESTAMP_NS'].includes(duck)) return dated('datetime64');
  return null;
}

/** Plans the JS path for a data source's columns; null when some column is outside its subset. */
export function planJsFastRows(columns: readonly ColumnDef[]): JsFastRows | null {
  if (columns.length === 0) return null;
  const cols: Column[] = [];
  for (const c of columns) {
    const p = planColumn(c);
    if (p === null) return null;
    cols.push(p);
  }
  return { types: cols.map((c) => c.duck), rows: (body) => rowsOf(cols, body) };
}

// One member of a flat object: key, raw value, and what follows. Strings without escapes or control characters,
// JSON numbers (strict grammar), literals; anything else (nested values, escapes) does not match.
const MEMBER = /[ \t]*"([^"\\\x00-\x1f]*)"[ \t]*:[ \t]*("[^"\\\x00-\x1f]*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)[ \t]*([,}])/y;
const INT_TEXT = /^-?(?:0|[1-9]\d*)$/;
const DATE_TEXT = /^"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2}))?"$/;

function rowsOf(cols: readonly Column[], body: string): FastValue[][] | null {
  // CRs and BOMs change lines (row-conversion.ts `linesOf`); lone surrogates do not survive UTF-8.
  if (body.includes('\\') || body.includes('\r') || body.includes('\ufeff') || /\p{Cs}/u.test(body)) return null;
  const rows: FastValue[][] = [];
  const members = new Map<string, string>();
  for (let start = 0; start < body.length; ) {
    let end = body.indexOf('\n', start);
    if (end === -1) end = body.length;
    const first = body.charCodeAt(start);
    if (first === 0x7b) {
      if (!scanObject(body, start, end, members)) return null;
      const row: FastValue[] = [];
      for (const c of cols) {
        const v = valueOf(c, members.get(c.key));
        if (v === undefined) return null;
        row.push(v);
      }
      rows.push(row);
    } else if (!/^[ \t]*$/.test(body.slice(start, end))) return null;
    start = end + 1;
  }
  return rows;
}

/** Reads the flat object at body[start, end) into `members` (raw value texts); false when it is anything else. */
function scanObject(body: string, start: number, end: number, members: Map<string, string>): boolean {
  members.clear();
  let at = start + 1;
  const empty = /[ \t]*\}/y;
  empty.lastIndex = at;
  if (empty.test(body)) at = empty.lastIndex;
  else {
    for (;;) {
      MEMBER.lastIndex = at;
      const m = MEMBER.exec(body);
      if (m === null || MEMBER.lastIndex > end) return false;
      const [, key, raw, next] = m;
      // Duplicate keys: JSON.parse keeps the last, DuckDB's JSON reader the first; not worth telling apart.
      if (members.has(key!)) return false;
      // DuckDB refuses numbers beyond the double range as invalid JSON, even in keys no column reads.
      const c0 = raw!.charCodeAt(0);
      if ((c0 === 0x2d || (c0 >= 0x30 && c0 <= 0x39)) && !Number.isFinite(Number(raw))) return false;
      members.set(key!, raw!);
      at = MEMBER.lastIndex;
      if (next === '}') break;
    }
  }
  for (; at < end; at++) {
    const ch = body.charCodeAt(at);
    if (ch !== 0x20 && ch !== 0x09) return false;
  }
  return true;
}

/** The stored value of one column, or undefined when the SQL conversion must decide. */
function valueOf(c: Column, raw: string | undefined): FastValue | undefined {
  if (raw === undefined) return c.nullable && !c.hasDefault ? null : undefined;
  if (raw === 'null') return c.nullable ? null : undefined;
  const quoted = raw.charCodeAt(0) === 0x22;
  switch (c.kind) {
    case 'string':
      return quoted ? raw.slice(1, -1) : undefined;
    case 'bool':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'int': {
      // "1.0", "1e2" are errors in the conversion; "-0" is read by DuckDB's JSON parser as a float.
      if (!INT_TEXT.test(raw) || raw === '-0') return undefined;
      const n = BigInt(raw);
      if (n < c.min! || n > c.max!) return undefined;
      return c.duck === 'BIGINT' || c.duck === 'UBIGINT' ? n : Number(n);
    }
    case 'float64':
    case 'float32': {
      if (quoted || raw === 'true' || raw === 'false') return undefined;
      const v = Number(raw);
      // -0 may come back from DuckDB's JSON parser as 0.
      if (!Number.isFinite(v) || Object.is(v, -0)) return undefined;
      if (c.kind === 'float64') return v;
      return float32Of(v);
    }
    default:
      return dateOf(c, raw);
  }
}

const F32 = new Float32Array(1);
const F32_BITS = new Int32Array(F32.buffer);
const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 2 ** -126;

/**
 * The FLOAT DuckDB stores for a number the conversion reads as a double and casts from text: equal to Math.fround
 * unless the double is next to a midpoint between two floats (double rounding), which is left to the SQL path.
 */
function float32Of(v: number): number | undefined {
  const a = Math.abs(v);
  if (a > F32_MAX || (a !== 0 && a < F32_MIN_NORMAL)) return undefined;
  const f = Math.fround(v);
  if (f === v) return f;
  F32[0] = f;
  F32_BITS[0]! += Math.abs(v) > Math.abs(f) ? 1 : -1;
  const mid = (f + F32[0]!) / 2;
  return Math.abs(v - mid) > a * 2 ** -40 ? f : undefined;
}

const DAY_US = 86_400_000_000n;

function dateOf(c: Column, raw: string): FastValue | undefined {
  const m = DATE_TEXT.exec(raw);
  if (m === null) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((x) => (x === undefined ? undefined : Number(x))) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!) || h > 23 || mi > 59 || s > 59) return undefined;
  const ms = Date.UTC(y!, mo! - 1, d!, h, mi, s);
  // Date.UTC maps years 0-99 to 1900-1999.
  if (y! < 100) return undefined;
  const us = BigInt(ms) * 1000n;
  if (us < c.lo! || us > c.hi!) return undefined;
  switch (c.duck) {
    case 'DATE':
      return Number((us - (((us % DAY_US) + DAY_US) % DAY_US)) / DAY_US);
    case 'TIMESTAMP':
      return us;
    case 'TIMESTAMP_MS':
      return us / 1000n;
    default:
      return us * 1000n;
  }
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}
