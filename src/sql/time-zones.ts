// ClickHouse time zones on DuckDB (issue 5). A ClickHouse DateTime is an instant whose type names the zone it is
// shown in (`DateTime('Europe/Madrid')`); duckbird keeps a DateTime as the naive TIMESTAMP of its UTC wall clock
// (types.ts), so a DateTime in zone Z is kept as the naive wall clock of Z. Everything that reads a DateTime as
// calendar fields (toString, toDate, toHour, toStartOfDay, formatDateTime, JSON output...) then gives ClickHouse's
// answer without knowing the zone. What needs the instant (toUnixTimestamp, comparing with a DateTime of another
// zone, dateDiff in seconds/minutes/hours, sub-day INTERVAL arithmetic) converts back with the zone the
// expression's static type carries (static-type.ts); where that zone cannot be known the construct is refused.
import { SqlError } from '../errors.ts';
import type { Token } from './tokenize.ts';
import { duckdbString } from './tokenize.ts';
import { isGroup, isWord, type Node } from './token-tree.ts';
import { unsupported } from './unsupported.ts';

/**
 * Names ClickHouse reads as UTC itself (tzdata links to Etc/UTC, and '' which means the server's zone, UTC in
 * Tinybird): for these the wall clock is the stored value.
 */
const UTC_ZONES = new Set([
  '', 'UTC', 'Etc/UTC', 'GMT', 'Etc/GMT', 'Universal', 'Etc/Universal', 'Zulu', 'Etc/Zulu', 'UCT', 'Etc/UCT',
  'GMT0', 'Etc/GMT0', 'GMT+0', 'GMT-0', 'Etc/GMT+0', 'Etc/GMT-0', 'Greenwich', 'Etc/Greenwich',
]);

export const isUtcZone = (zone: string | null): boolean => zone === null || UTC_ZONES.has(zone);

/**
 * The zone a string literal names, or ClickHouse's error for a name it cannot load. ClickHouse matches tzdata
 * file names case-sensitively ('europe/madrid' fails), where Intl (the same IANA data DuckDB's ICU uses)
 * ignores case, hence the case check.
 */
export function timeZoneOf(tok: Token): string {
  const zone = tok.text;
  if (UTC_ZONES.has(zone)) return zone;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    resolved = '';
  }
  if (resolved === '' || (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()))
    throw new SqlError(`Cannot load time zone ${zone}. (BAD_ARGUMENTS)`);
  return zone;
}

/**
 * The zone argument of a call: a string literal after template rendering, else refused (the zone decides the
 * translation, so it must be known before DuckDB runs).
 */
export function zoneArgument(fn: string, arg: readonly Node[] | undefined, at: Node): string | undefined {
  if (arg === undefined) return undefined;
  if (arg.length !== 1 || arg[0]!.kind !== 'string') throw unsupported(`${fn} with a computed time zone`, arg[0] ?? at);
  return timeZoneOf(arg[0] as Token);
}

/** The zone named in a ClickHouse DateTime type (`DateTime('Z')`, `DateTime64(3, 'Z')`), as written. */
export function zoneNameOfType(type: string): string | null {
  const m = /^(?:Nullable\()?DateTime(?:64)?\((?:\s*\d+\s*,)?\s*'([^']*)'\s*\)/.exec(type);
  return m && m[1] !== '' ? m[1]! : null;
}

/** The zone of a ClickHouse DateTime type; null for UTC and the server's zone (also UTC). */
export function zoneOfType(type: string): string | null {
  const zone = zoneNameOfType(type);
  return zone !== null && !isUtcZone(zone) ? zone : null;
}

/** What an expression is, as far as time zones go. */
export type TimeValue =
  | { readonly kind: 'datetime'; readonly zone: string | null }
  | { readonly kind: 'date' | 'string' | 'number' | 'other' | 'unknown' }
  /**
   * A name whose zone depends on where it is read: bound to different zones, or reusing a column's name in the
   * SELECT that binds it (zoned-names.ts). `why` says which; where a DateTime's zone is needed it is refused.
   */
  | { readonly kind: 'ambiguous'; readonly name: string; readonly why: string; readonly shadowed: boolean };

export function timeValueOf(nodes: readonly Node[], type: string | null): TimeValue {
  if (nodes.length === 1 && nodes[0]!.kind === 'string') return { kind: 'string' };
  if (nodes.length === 1 && nodes[0]!.kind === 'number') return { kind: 'number' };
  if (type === null) return { kind: 'unknown' };
  const t = type.replace(/^(?:LowCardinality\(|Nullable\()+/, '');
  if (/^DateTime/.test(t)) return { kind: 'datetime', zone: zoneOfType(t) };
  if (/^Date(32)?\b/.test(t)) return { kind: 'date' };
  if (/^(String|FixedString)\b/.test(t)) return { kind: 'string' };
  if (/^(U?Int|Float|Decimal)/.test(t)) return { kind: 'number' };
  return { kind: 'other' };
}

const zoneSql = (zone: string) => duckdbString(zone);

/** The wall clock in `zone` of a UTC DateTime (function-library.ts ch_wall). */
export const wallClockSql = (sql: string, zone: string): string => (isUtcZone(zone) ? sql : `ch_wall(${sql}, ${zoneSql(zone)})`);

/** The UTC DateTime of a wall clock in `zone`, resolving skipped and repeated times as ClickHouse does. */
export const instantSql = (sql: string, zone: string | null): string =>
  zone === null || isUtcZone(zone) ? sql : `ch_instant(${sql}, ${zoneSql(zone)})`;

/**
 * SQL for the wall clock in `zone` (null: UTC) of the value `sql` of kind `v`: a DateTime moves from its own
 * zone, a Date is midnight there and a string is read as a time there (ClickHouse parses in the function's zone).
 */
export function wallClockOf(sql: string, v: TimeValue, zone: string | null, at: Node): string {
  const to = zone !== null && isUtcZone(zone) ? null : zone;
  switch (v.kind) {
    case 'datetime':
      if (v.zone === to) return sql;
      return to === null ? instantSql(sql, v.zone) : wallClockSql(instantSql(sql, v.zone), to);
    case 'date':
      return to === null ? sql : `CAST(${sql} AS TIMESTAMP)`;
    case 'string':
      // Through the instant, so a time the zone skips reads as ClickHouse reads it.
      return to === null ? sql : wallClockSql(instantSql(`CAST(${sql} AS TIMESTAMP)`, to), to);
    case 'ambiguous':
      throw unsupported(`time zone of ${v.name} (${v.why})`, at);
    default:
      // Unknown types: a Date or a string is already a wall clock, anything else a UTC DateTime.
      return to === null ? sql : `ch_wall_of(${sql}, ${zoneSql(to)})`;
  }
}

/** Whether a call's first argument nodes are `INTERVAL n unit` / `toIntervalUnit(n)` of a sub-day unit. */
export function isSubDayInterval(iv: readonly Node[] | undefined): boolean {
  if (!iv) return false;
  if (iv.length === 2 && isWord(iv[0]) && isGroup(iv[1], '(')) return /^toInterval(Hour|Minute|Second|Millisecond|Microsecond)$/i.test((iv[0] as Token).text);
  const unit = iv[iv.length - 1];
  return isWord(iv[0], 'INTERVAL') && isWord(unit) && /^(HOUR|MINUTE|SECOND|MILLISECOND|MICROSECOND)S?$/i.test(unit.text);
}
